"""Staff sign-in: failed attempts throttled per username and client address; the admin's path."""

import ipaddress
import os
import runpy
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from initiatives.login import client_ip

from .factories import make_user

PASSWORD = "correct-horse-battery-42"


@pytest.fixture
def staff(db):
    make_user("claire", password=PASSWORD, is_staff=True)
    make_user("malik", password=PASSWORD, is_staff=True)


def sign_in(client, username, password, **headers):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        **headers,
    )


def fail(client, times, username="claire", **headers):
    for _ in range(times):
        sign_in(client, username, "mauvais", **headers)


def signed_in(response):
    return response.status_code == 302 and response["Location"] == reverse("admin:index")


def test_it_signs_in_with_the_right_password(staff):
    assert signed_in(sign_in(Client(), "claire", PASSWORD))


def test_it_locks_out_a_username_from_an_address_after_five_failures(staff):
    client = Client()
    fail(client, 4)
    assert signed_in(sign_in(client, "claire", PASSWORD))  # success resets the count
    client.logout()
    fail(client, 5)
    response = sign_in(client, "claire", PASSWORD)
    content = response.content.decode()
    assert response.status_code == 429
    assert "Connexion bloquée" in content
    assert "Réessayez dans 15 minutes." in content
    assert "_auth_user_id" not in client.session
    # Another account from the same address, and the same account from another address, sign in.
    assert signed_in(sign_in(Client(), "malik", PASSWORD))
    assert signed_in(sign_in(Client(), "claire", PASSWORD, REMOTE_ADDR="192.0.2.7"))


def test_the_lockout_ends_after_the_cool_off_time(staff):
    client = Client()
    fail(client, 5)
    assert sign_in(client, "claire", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert signed_in(sign_in(client, "claire", PASSWORD))


def test_the_lockout_page_is_in_english_for_english_readers(staff):
    client = Client(headers={"accept-language": "en"})
    fail(client, 5)
    content = sign_in(client, "claire", PASSWORD).content.decode()
    assert "Sign-in blocked" in content
    assert "Try again in 15 minutes." in content


def test_without_a_trusted_proxy_a_forged_forwarded_header_does_not_escape_the_lockout(staff):
    client = Client()
    for number in range(5):
        sign_in(client, "claire", "mauvais", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    response = sign_in(client, "claire", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429


PROXY = [ipaddress.ip_network("10.0.0.0/8")]


@override_settings(TRUSTED_PROXIES=PROXY)
def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(staff):
    client = Client(REMOTE_ADDR="10.0.0.2")
    fail(client, 5, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert (
        sign_in(client, "claire", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    )
    # A forged entry on the left does not change the address the proxy saw.
    forged = "10.9.9.9, 203.0.113.5"
    assert sign_in(client, "claire", PASSWORD, HTTP_X_FORWARDED_FOR=forged).status_code == 429
    assert signed_in(sign_in(client, "claire", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6"))


@override_settings(TRUSTED_PROXIES=PROXY)
def test_a_client_connecting_past_the_proxy_cannot_forge_its_address(staff):
    client = Client(REMOTE_ADDR="198.51.100.20")
    for number in range(8):
        sign_in(client, "claire", "mauvais", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    response = sign_in(client, "claire", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert response.status_code == 429


@override_settings(AXES_ADDRESS_FAILURE_LIMIT=8)
def test_an_address_trying_many_usernames_is_locked_out_for_every_username(staff):
    client = Client()
    for number in range(8):
        sign_in(client, f"inconnu{number}", "mauvais")
    assert sign_in(client, "malik", PASSWORD).status_code == 429
    # Another address is not concerned.
    assert signed_in(sign_in(Client(REMOTE_ADDR="192.0.2.7"), "malik", PASSWORD))


@override_settings(AXES_ADDRESS_FAILURE_LIMIT=8)
def test_a_few_failures_by_colleagues_behind_one_address_lock_no_one_out(staff):
    client = Client()
    fail(client, 3, username="claire")
    fail(client, 3, username="malik")
    assert signed_in(sign_in(client, "claire", PASSWORD))


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("127.0.0.1", "203.0.113.5", "127.0.0.1"),  # not a trusted proxy: the header ignored
        ("10.0.0.2", "203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", "10.9.9.9, 203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", "10.9.9.9, 203.0.113.5, 10.1.1.1", "203.0.113.5"),  # two proxies
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "10.1.1.1", "10.1.1.1"),
        ("10.0.0.2", "203.0.113.5, nonsense", "10.0.0.2"),
        ("198.51.100.20", "10.0.0.2", "198.51.100.20"),
    ],
)
def test_it_takes_the_client_address_the_trusted_proxies_saw(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = PROXY
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_gunicorn_listens_on_loopback_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("BIND", raising=False)
    config = runpy.run_path(str(Path(__file__).parent.parent / "gunicorn.conf.py"))
    assert config["bind"] == "127.0.0.1:8000"


ADMIN_PATHS = """
import django; django.setup()
from django.test import Client
from django.urls import reverse
print(reverse("admin:index"), Client().get("/admin/").status_code,
      Client().get(reverse("admin:login")).status_code)
"""


def test_the_admin_path_is_set_by_admin_url():
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "catalogue.test_settings",
        "ADMIN_URL": "/gestion-interne/",
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", ADMIN_PATHS], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    # The last line: request logs (« Not Found: /admin/ ») go to stdout too.
    assert result.stdout.splitlines()[-1].split() == ["/gestion-interne/", "404", "200"]


def test_the_lockout_page_says_when_to_retry(staff):
    client = Client()
    fail(client, 5)
    response = sign_in(client, "claire", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_a_sign_in_with_a_next_address_elsewhere_lands_on_the_admin(staff, next_url):
    response = Client().post(
        reverse("admin:login"), {"username": "claire", "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_gunicorn_shares_no_control_socket_unless_given_one(monkeypatch):
    monkeypatch.delenv("GUNICORN_CONTROL_SOCKET", raising=False)
    config = runpy.run_path(str(Path(__file__).parent.parent / "gunicorn.conf.py"))
    assert config.get("control_socket_disable") is True
    monkeypatch.setenv("GUNICORN_CONTROL_SOCKET", "/run/catalogue/gunicorn.ctl")
    config = runpy.run_path(str(Path(__file__).parent.parent / "gunicorn.conf.py"))
    assert config["control_socket"] == "/run/catalogue/gunicorn.ctl"
    assert not config.get("control_socket_disable")
