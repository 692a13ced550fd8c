"""PostgreSQL stopped and started under a running gunicorn, in production settings.

The catalogue runs from a throwaway cluster of its own, so the test database is never touched.
"""

import json
import re
import time
from pathlib import Path

import pytest

from .pgcluster import Gunicorn, ThrowawayCluster, manage, pg_bindir, production_environment

pytestmark = pytest.mark.skipif(pg_bindir() is None, reason="PostgreSQL binaries not found")

FIXTURES = sorted(str(path) for path in (Path(__file__).parent.parent / "fixtures").glob("*.json"))
DETAIL = "/initiatives/fonds-de-dotation-coup-de-pouce/"


@pytest.fixture(scope="module")
def cluster():
    cluster = ThrowawayCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="module")
def server(cluster, tmp_path_factory):
    folder = tmp_path_factory.mktemp("outage")
    environment = production_environment(
        cluster.create_database("catalogue"), folder / "static", CONN_MAX_AGE="60"
    )
    manage(environment, "migrate", "--no-input")
    manage(environment, "loaddata", *FIXTURES)
    manage(environment, "collectstatic", "--no-input")
    server = Gunicorn(
        environment, folder / "gunicorn.log", WEB_CONCURRENCY="1", GUNICORN_THREADS="2"
    )
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


def wait_for(server, path, status, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        response = server.request(path)
        if response[0] == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_it_answers_503_while_the_database_is_down_and_recovers_by_itself(cluster, server):
    # Every thread opens its persistent connection before the outage.
    for _ in range(4):
        assert server.request("/initiatives/")[0] == 200
        assert server.request(DETAIL)[0] == 200
    workers = server.workers()

    cluster.stop()
    try:
        for path in ("/", "/initiatives/", DETAIL, "/initiatives/export.csv", "/themes/x/"):
            status, headers, body = server.request(path)
            assert status == 503, path
            assert headers["Retry-After"] == "30"
            assert headers["Content-Type"].startswith("text/html")
            assert "Service momentanément indisponible" in body.decode()
            assert "Content-Security-Policy" in headers
        status, headers, body = server.request("/healthz")
        assert (status, json.loads(body)) == (503, {"database": "down"})
        # A session to read: the failure comes from the session, not from the view's queries.
        status, _, body = server.request("/admin/", headers={"Cookie": "sessionid=abcdef1234"})
        assert status == 503
        # What needs no database still works.
        assert server.request("/no/such/page/")[0] == 404
        assert server.request("/static/css/site.css")[0] == 200
    finally:
        cluster.start()

    assert wait_for(server, "/initiatives/", 200)[0] == 200
    status, _, body = server.request(DETAIL)
    assert status == 200
    assert "Fonds de dotation « Coup de Pouce »" in body.decode()
    for _ in range(4):
        assert server.request("/initiatives/")[0] == 200
        assert server.request(DETAIL)[0] == 200
    status, _, body = server.request("/healthz")
    assert (status, json.loads(body)) == (200, {"database": "ok"})
    assert server.workers() == workers  # recovered without restarting anything


def test_it_serves_production_headers_and_compressed_hashed_static_files(server):
    status, headers, body = server.request("/initiatives/")
    assert status == 200
    assert int(headers["Strict-Transport-Security"].split("max-age=")[1].split(";")[0]) >= 15768000
    cookie = headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body.decode())
    assert stylesheet, "the stylesheet's name carries its hash"
    status, headers, _ = server.request(stylesheet[1], headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]


def test_it_redirects_plain_http_to_https_except_the_health_check(server):
    connection_headers = {"X-Forwarded-Proto": "http"}
    status, headers, _ = server.request("/initiatives/", headers=connection_headers)
    assert status == 301 and headers["Location"].startswith("https://")
    assert server.request("/healthz", headers=connection_headers)[0] == 200
