"""A throwaway PostgreSQL cluster and a gunicorn serving the catalogue from it.

Used by the tests that stop the database under a running server, and by bench/load.py. The
cluster lives in a temporary folder and listens on a Unix socket there only. Run as root, it
runs as `postgres`, since initdb refuses root (as in scripts/setup.sh).
"""

import glob
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Long and varied enough for Django's deploy check on SECRET_KEY.
PRODUCTION_SECRET = "k3Xq9-vT7pLw2ZrB8nYc4HdJ6fMs0aEu1GiKoQxRyNbVtUz5WlPe_hF"


def pg_bindir():
    """The folder of initdb and pg_ctl, or None."""
    if shutil.which("pg_config"):
        bindir = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True
        ).stdout.strip()
        if bindir and Path(bindir, "initdb").exists():
            return Path(bindir)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(path.split("/")[-2])
    )
    for bindir in reversed(candidates):
        if Path(bindir, "initdb").exists():
            return Path(bindir)
    return None


class ThrowawayCluster:
    def __init__(self):
        self.bindir = pg_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL's initdb was not found")
        self.root = Path(tempfile.mkdtemp(prefix="catalogue-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "run"
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            self.owner, self.as_owner = "postgres", ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        else:
            self.owner, self.as_owner = Path.home().owner(), []
        self._pg("initdb", "-D", self.data, "-U", self.owner, "--auth=trust", "--encoding=UTF8",
                 "--locale=C.UTF-8")  # fmt: skip

    def _pg(self, program, *args):
        command = [*self.as_owner, str(self.bindir / program), *map(str, args)]
        subprocess.run(command, check=True, capture_output=True)

    def start(self):
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}'"
        self._pg("pg_ctl", "-D", self.data, "-l", self.root / "server.log", "-w", "-o",
                 f"{options} -c fsync=off -c max_connections=200", "start")  # fmt: skip

    def stop(self):
        self._pg("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def is_running(self):
        command = [*self.as_owner, str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]
        return subprocess.run(command, capture_output=True).returncode == 0

    def url(self, dbname):
        host = urllib.parse.quote(str(self.socket_dir), safe="")
        return f"postgres://{self.owner}@{host}/{dbname}"

    def create_database(self, dbname):
        with psycopg.connect(
            host=str(self.socket_dir), user=self.owner, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        return self.url(dbname)

    def destroy(self):
        if self.is_running():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(database_url, static_root, **extra):
    """The environment of the catalogue in production mode, on loopback."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "DATABASE_", "PYTEST"))
        and key not in {"SECRET_KEY", "DEBUG"}
    }
    return environment | {
        "DJANGO_SETTINGS_MODULE": "catalogue.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": PRODUCTION_SECRET,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(static_root),
        **extra,
    }


def manage(environment, *args):
    subprocess.run(
        [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
        env=environment,
        check=True,
        capture_output=True,
        cwd=PROJECT_DIR,
    )


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py, on a free loopback port."""

    def __init__(self, environment, log_path, **settings):
        self.port = free_port()
        self.log = open(log_path, "ab")  # closed in stop()
        environment = environment | {"BIND": f"127.0.0.1:{self.port}"} | settings
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "catalogue.wsgi", "--config", "gunicorn.conf.py"],
            env=environment,
            cwd=PROJECT_DIR,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def request(self, path, method="GET", headers=None, timeout=30):
        """One request, as a TLS-terminating proxy on loopback would forward it."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(
                method, path, headers={"X-Forwarded-Proto": "https", **(headers or {})}
            )
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def wait_until_serving(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited")
            try:
                self.request("/healthz", timeout=5)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def workers(self):
        """The worker processes' ids (they change if gunicorn restarts one)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return sorted(int(pid) for pid in children.read_text().split())

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
