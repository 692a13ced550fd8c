import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from catalogue.views import server_error

pytestmark = pytest.mark.django_db


def test_it_reports_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
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


def server_error_while_handling(error: Exception) -> HttpResponse:
    """What Django's 500 handler answers for a request that raised `error`."""
    try:
        raise error
    except type(error):
        return server_error(RequestFactory().get("/initiatives/"))


def test_it_answers_503_for_a_database_error_raised_outside_a_view():
    # What Django's 500 handler gets when a middleware (a session read, say) hits the outage.
    response = server_error_while_handling(OperationalError("connection to server failed"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Service momentanément indisponible" in response.content.decode()


def test_it_keeps_the_500_page_for_other_errors():
    response = server_error_while_handling(ValueError("a bug"))
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()


@pytest.mark.parametrize("host", ["10.0.3.7", "10.0.3.7:8000", "[fd00::7]:8000"])
def test_it_answers_a_load_balancer_probing_by_address(client, host):
    # A load balancer names the node by its address, which ALLOWED_HOSTS does not list.
    response = client.get("/healthz", HTTP_HOST=host)
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert client.get("/initiatives/", HTTP_HOST=host).status_code == 400
