import pytest
from django.db import OperationalError

from catalogue.views import server_error

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


def test_it_answers_503_for_a_database_error_raised_outside_a_view(rf):
    # What Django's 500 handler gets when a middleware (a session read, say) hits the outage.
    try:
        raise OperationalError("connection to server failed")
    except OperationalError:
        response = server_error(rf.get("/initiatives/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Service momentanément indisponible" in response.content.decode()


def test_it_keeps_the_500_page_for_other_errors(rf):
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/initiatives/"))
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()
