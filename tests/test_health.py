import pytest

pytestmark = pytest.mark.django_db


def test_it_reports_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_a_head_request(client):
    assert client.head("/healthz").status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_refuses_other_methods(client, method):
    assert getattr(client, method)("/healthz").status_code == 405


def test_it_needs_no_session_nor_language_prefix(client):
    response = client.get("/healthz", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
