"""Malformed and hostile requests against the real views and the catalogue's data.

Each line of hostile_requests.txt is `STATUS METHOD TARGET`: the status the catalogue must
answer, the method, and the request target as sent on the wire (percent-encodings, valid or
not, are kept as they are). Macros stand for what a text file cannot hold: {NUL} is a raw NUL
byte, {10K} 10,240 characters, {TOOMANY} more parameters than Django accepts.
"""

from pathlib import Path

import pytest
from django.test import Client

CORPUS = Path(__file__).with_name("hostile_requests.txt")
MACROS = {
    "{NUL}": "\x00",
    "{10K}": "A" * 10240,
    "{TOOMANY}": "&".join(f"p{number}=1" for number in range(1001)),
}


def expand(target):
    for macro, text in MACROS.items():
        target = target.replace(macro, text)
    return target


def load_corpus():
    cases = []
    for number, line in enumerate(CORPUS.read_text().splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            status, method, target = line.split(" ", 2)
            cases.append(pytest.param(int(status), method, target, id=f"{number}:{target[:60]}"))
    return cases


CASES = load_corpus()


def test_it_holds_at_least_200_cases():
    assert len(CASES) >= 200


@pytest.fixture(scope="module")
def strict_client():
    # CSRF checks on, as for a real client: wrong methods must still be a 405, not a 403.
    return Client(enforce_csrf_checks=True, raise_request_exception=True)


@pytest.mark.django_db
@pytest.mark.parametrize("status, method, target", CASES)
def test_it_answers_each_hostile_request_fittingly(
    catalogue_data, strict_client, status, method, target
):
    response = strict_client.generic(method, expand(target))
    assert response.status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status, headers",
    [
        (400, {"HTTP_HOST": "evil.example.com"}),
        (400, {"HTTP_HOST": "127.0.0.1:8000\x00"}),
        (400, {"HTTP_HOST": "{{7*7}}"}),
        (200, {"HTTP_ACCEPT_LANGUAGE": "x" * 10240}),
        (200, {"HTTP_ACCEPT_LANGUAGE": "en;q=abc, *;q=-1, fr;q=1e9"}),
        (200, {"HTTP_COOKIE": "sessionid=' OR 1=1--; csrftoken=\x00; django_language=xx"}),
        (200, {"HTTP_COOKIE": "a=" + "b" * 10240}),
        (200, {"HTTP_X_FORWARDED_PROTO": "gopher"}),
        (200, {"HTTP_REFERER": "javascript:alert(1)"}),
        (200, {"HTTP_USER_AGENT": "() { :; }; /bin/cat /etc/passwd"}),
        (200, {"HTTP_X_FORWARDED_FOR": "203.0.113.9, {{7*7}}, \x00"}),
        (200, {"HTTP_X_FORWARDED_FOR": "x" * 10240}),
    ],
)
def test_it_shrugs_off_hostile_headers(catalogue_data, strict_client, status, headers):
    assert strict_client.get("/initiatives/", **headers).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["10.0.3.7:8000", "evil.example.com", "{{7*7}}", "[::1"])
def test_the_health_check_answers_whatever_the_host(strict_client, host):
    assert strict_client.get("/healthz", HTTP_HOST=host).status_code == 200


def test_it_names_the_methods_it_takes(catalogue_data, strict_client, db):
    response = strict_client.post("/initiatives/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
