"""PostgreSQL stopped and started under a running gunicorn, in production settings.

The catalogue runs from a throwaway cluster of its own, so the test database is never touched.
"""

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from initiatives.caching import REVISION_HOLD_SECONDS

from .harness import (
    Gunicorn,
    ThrowawayCluster,
    manage,
    pg_bindir,
    scratch_database,
    serve_catalogue,
)

pytestmark = [
    pytest.mark.skipif(pg_bindir() is None, reason="PostgreSQL binaries not found"),
    pytest.mark.slow,
]

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
def served_catalogue(
    cluster: ThrowawayCluster,
    catalogue_template: str,
    collected_static: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Gunicorn]:
    """The catalogue's data in the throwaway cluster, served by gunicorn in production settings.
    Its schema and data are those loaded once for the run on the test server, backed up and
    restored by the catalogue's own commands, which takes less time than migrating and
    loading."""
    workdir = tmp_path_factory.mktemp("outage")
    url = cluster.create_database("catalogue")
    backup = str(workdir / "catalogue.dump")
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": "catalogue.test_settings"}
    settings_dict = connection.settings_dict
    # A copy to back up: nothing may connect to the one other workers copy.
    with scratch_database(
        settings_dict, f"{settings_dict['NAME']}_outage", template=catalogue_template
    ) as loaded_url:
        manage(environment | {"DATABASE_URL": loaded_url}, "backup_catalogue", backup)
    manage(environment | {"DATABASE_URL": url}, "restore_catalogue", "--no-input", backup)
    with serve_catalogue(
        url,
        workdir,
        loaded=True,
        static_root=collected_static,
        CONN_MAX_AGE="60",
        DATABASE_CONNECT_TIMEOUT="2",
        DATABASE_STATEMENT_TIMEOUT="2",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
    ) as server:
        yield server


def wait_for(server, path, status, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        response = server.request(path)
        if response[0] == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_it_answers_503_while_the_database_is_down_and_recovers_by_itself(
    cluster, served_catalogue
):
    # Every thread opens its persistent connection before the outage.
    for _ in range(4):
        assert served_catalogue.request("/initiatives/")[0] == 200
        assert served_catalogue.request(DETAIL)[0] == 200
    workers = served_catalogue.workers()

    cluster.stop()
    # Until then, the process serves the pages it keeps under the revision it read last.
    time.sleep(REVISION_HOLD_SECONDS)
    try:
        for path in ("/", "/initiatives/", DETAIL, "/initiatives/export.csv", "/themes/x/"):
            status, headers, body = served_catalogue.request(path)
            assert status == 503, path
            assert headers["Retry-After"] == "30"
            assert headers["Content-Type"].startswith("text/html")
            assert "Service momentanément indisponible" in body.decode()
            assert "Content-Security-Policy" in headers
        status, headers, body = served_catalogue.request("/healthz")
        assert (status, json.loads(body)) == (503, {"database": "down"})
        # A session to read: the failure comes from the session, not from the view's queries.
        status, _, body = served_catalogue.request(
            "/admin/", headers={"Cookie": "sessionid=abcdef1234"}
        )
        assert status == 503
        # What needs no database still works.
        assert served_catalogue.request("/no/such/page/")[0] == 404
        assert served_catalogue.request("/static/css/site.css")[0] == 200
    finally:
        cluster.start()

    assert wait_for(served_catalogue, "/initiatives/", 200)[0] == 200
    status, _, body = served_catalogue.request(DETAIL)
    assert status == 200
    assert "Fonds de dotation « Coup de Pouce »" in body.decode()
    for _ in range(4):
        assert served_catalogue.request("/initiatives/")[0] == 200
        assert served_catalogue.request(DETAIL)[0] == 200
    status, _, body = served_catalogue.request("/healthz")
    assert (status, json.loads(body)) == (200, {"database": "ok", "cache": "ok"})
    assert served_catalogue.workers() == workers  # recovered without restarting anything


def test_it_answers_503_within_seconds_while_the_database_is_paused(cluster, served_catalogue):
    # Every thread holds a connection, open when the server freezes.
    for _ in range(4):
        assert served_catalogue.request("/initiatives/")[0] == 200
    workers = served_catalogue.workers()

    cluster.pause()
    try:
        for path in ("/healthz", "/initiatives/", DETAIL, "/initiatives/", "/healthz"):
            started = time.monotonic()
            status, headers, _ = served_catalogue.request(path, timeout=20)
            # The statement timeout (2 s), 2 s more, then a new connection's timeout (2 s).
            assert (status, path) == (503, path)
            assert time.monotonic() - started < 8, path
            assert headers["Retry-After"] == "30"
        assert served_catalogue.request("/static/css/site.css")[0] == 200
    finally:
        cluster.resume()

    assert wait_for(served_catalogue, "/initiatives/", 200)[0] == 200
    assert served_catalogue.request(DETAIL)[0] == 200
    status, _, body = served_catalogue.request("/healthz")
    assert (status, json.loads(body)) == (200, {"database": "ok", "cache": "ok"})
    assert served_catalogue.workers() == workers  # no worker was killed for being stuck


def test_it_serves_production_headers_and_compressed_hashed_static_files(served_catalogue):
    status, headers, body = served_catalogue.request("/initiatives/")
    assert status == 200
    assert int(headers["Strict-Transport-Security"].split("max-age=")[1].split(";")[0]) >= 15768000
    assert "Set-Cookie" not in headers  # a public page is the same for all, cookies are not
    _status, admin_headers, _ = served_catalogue.request("/admin/login/")
    cookie = admin_headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body.decode())
    assert stylesheet, "the stylesheet's name carries its hash"
    status, headers, _ = served_catalogue.request(
        stylesheet[1], headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]


def test_it_redirects_plain_http_to_https_except_the_health_check(served_catalogue):
    connection_headers = {"X-Forwarded-Proto": "http"}
    status, headers, _ = served_catalogue.request("/initiatives/", headers=connection_headers)
    assert status == 301 and headers["Location"].startswith("https://")
    assert served_catalogue.request("/healthz", headers=connection_headers)[0] == 200
