"""The error pages render without a single query, so they work when the database does not."""

import io
import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_answers_404_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_it_answers_400_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/initiatives/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "Requête invalide" in response.content.decode()


def test_it_answers_a_forged_form_with_403_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})
    assert response.status_code == 403
    assert "Formulaire expiré" in response.content.decode()


def test_it_answers_405_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.delete("/initiatives/")
    assert response.status_code == 405


def test_a_request_for_another_host_logs_one_line(client, db):
    (handler,) = [
        handler
        for handler in logging.getLogger("django.security.DisallowedHost").handlers
        if isinstance(handler, logging.StreamHandler) and handler.filters
    ]
    written = io.StringIO()
    stream = handler.setStream(written)
    try:
        assert client.get("/initiatives/", HTTP_HOST="evil.example.com").status_code == 400
    finally:
        handler.setStream(stream)
    assert "evil.example.com" in written.getvalue()
    assert "Traceback" not in written.getvalue()
    assert len(written.getvalue().splitlines()) == 1
