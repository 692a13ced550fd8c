"""The headers that keep browsers strict with the catalogue's pages."""

import pytest
from django.urls import reverse

from .factories import make_initiative, make_user
from .pages import change_url

pytestmark = pytest.mark.django_db


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (directive.split() for directive in policy.split(";") if directive)
    }


@pytest.mark.parametrize("path", ["/", "/initiatives/", "/healthz"])
def test_it_sends_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    directives = csp_directives(response)
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert "Content-Security-Policy-Report-Only" not in response


def test_it_allows_no_inline_or_eval_script(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_it_keeps_the_pages_free_of_inline_script_and_style(client, initiative):
    for path in ("/", "/initiatives/", initiative.get_absolute_url()):
        content = client.get(path).content.decode()
        assert "<script>" not in content and "<style" not in content
        assert " style=" not in content and " onclick=" not in content


def test_it_keeps_the_admin_working_under_the_policy(admin_client, initiative):
    response = admin_client.get(change_url(initiative))
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    content = response.content.decode()
    # Every script of the admin's form is a file of the site's own origin.
    assert "<script>" not in content
    assert 'src="http' not in content


def test_it_marks_the_csrf_and_session_cookies_http_only(client):
    response = client.get(reverse("admin:login"))
    assert response.cookies["csrftoken"]["httponly"] is True
    make_user("claire", password="correct-horse-battery-42", is_staff=True)
    response = client.post(
        reverse("admin:login"), {"username": "claire", "password": "correct-horse-battery-42"}
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"] is True


@pytest.mark.parametrize(
    "path", ["/", "/initiatives/?q=logement", "/en/initiatives/", "/initiatives/bail-glissant/"]
)
def test_public_pages_set_no_cookie_and_carry_no_form_token(client, path):
    make_initiative("Bail glissant")
    # Nothing on them is a reader's own: a shared cache may keep them.
    response = client.get(path, headers={"cookie": "django_language=en"})
    assert response.status_code == 200
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "Cookie" not in response.get("Vary", "")


def assert_security_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert csp_directives(response)["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/static/css/site.css", {}, 200),
        ("/initiatives", {}, 301),  # the trailing slash added
        ("/initiatives/", {"HTTP_HOST": "evil.example.com"}, 400),
        ("/no/such/page/", {}, 404),
    ],
)
def test_it_sends_the_security_headers_on_every_kind_of_answer(client, path, headers, status):
    response = client.get(path, **headers)
    assert response.status_code == status
    assert_security_headers(response)
