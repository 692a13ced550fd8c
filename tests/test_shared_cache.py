"""With CACHE_URL, several app servers share one Redis cache: a real redis-server, started for
these tests when it is installed (scripts/setup.sh installs it as root)."""

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.test import override_settings

from catalogue.settings import redis_caches

from .factories import make_initiative, make_theme

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed"),
]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A redis-server of its own on a Unix socket, without persistence; its address."""
    folder = Path(tempfile.mkdtemp(prefix="catalogue-redis-"))
    socket = folder / "redis.sock"
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not socket.exists():
            assert server.poll() is None and time.monotonic() < deadline, (
                "redis-server did not start"
            )
            time.sleep(0.05)
        yield f"unix://{socket}"
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def test_pages_are_kept_in_redis_and_an_edit_shows_at_once(
    client, redis_url, django_assert_max_num_queries
):
    housing = make_theme("Logement")
    make_initiative("Bail glissant", themes=[housing])
    server = redis.Redis.from_url(redis_url)
    server.flushall()
    with override_settings(CACHES=redis_caches(redis_url)):
        first = client.get("/themes/logement/")
        keys = server.keys("*")
        assert keys, "nothing in the server, for every app machine to read"
        with django_assert_max_num_queries(1):
            assert client.get("/themes/logement/").content == first.content
        make_initiative("Logement des familles", themes=[housing])
        assert "Logement des familles" in client.get("/themes/logement/").content.decode()
        assert client.get("/healthz").json()["cache"] == "ok"


def test_a_redis_server_gone_leaves_the_pages_served(client):
    make_initiative("Bail glissant")
    gone = f"unix://{tempfile.gettempdir()}/no-such-redis.sock"
    with override_settings(CACHES=redis_caches(gone)):
        for url in ["/", "/initiatives/", "/initiatives/bail-glissant/"]:
            assert client.get(url).status_code == 200, url
        assert client.get("/healthz").json() == {"database": "ok", "cache": "unavailable"}
