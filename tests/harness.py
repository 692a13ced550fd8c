"""The development harness: PostgreSQL clusters and databases to throw away, and the catalogue
served by gunicorn with gunicorn.conf.py in production settings on a free loopback port.

Shared by the tests (test_outage.py, test_migrations.py, browser/) and the benchmarks
(bench/load.py, bench/scale.py, bench/export.py).

A throwaway cluster lives in a temporary folder and listens on a Unix socket there only, so it
never clashes with another server. Run as root, it runs as `postgres`, since initdb and pg_ctl
refuse root (as in scripts/setup.sh).

Why not pytest-postgresql, whose PostgreSQLExecutor starts throwaway clusters for tests: it runs
pg_ctl as the current user, so as root (how the tests and CI run here) it works only through a
wrapper script written at run time and passed as its pg_ctl (`runuser -u postgres -- pg_ctl`),
with its folders handed to `postgres` by hand; its `postgresql_proc` fixture puts the data folder
under pytest's temporary folder, which `postgres` cannot enter; it deletes the data folder when an
executor first starts and when it is garbage-collected, so bench/scale.py's --keep and --reuse
would need its methods overridden; and it waits for a TCP port, where this cluster has a socket
only. What it would save is the initdb, pg_ctl start and pg_ctl stop calls below.
"""

import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import psycopg
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Long and varied enough for Django's deploy check on SECRET_KEY.
PRODUCTION_SECRET = "k3Xq9-vT7pLw2ZrB8nYc4HdJ6fMs0aEu1GiKoQxRyNbVtUz5WlPe_hF"


def pg_bindir() -> Path | None:
    """The folder of initdb and pg_ctl, or None."""
    if shutil.which("pg_config"):
        configured = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True
        ).stdout.strip()
        if configured and Path(configured, "initdb").exists():
            return Path(configured)
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name)
    )
    for bindir in reversed(candidates):
        if (bindir / "initdb").exists():
            return bindir
    return None


class ThrowawayCluster:
    """A PostgreSQL cluster of its own in a new temporary folder, or, given `root`, the one a
    previous run kept there (bench/scale.py --reuse)."""

    def __init__(self, root: Path | None = None) -> None:
        bindir = pg_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL's initdb was not found")
        self.bindir = bindir
        self.root = root or Path(tempfile.mkdtemp(prefix="catalogue-pg-"))
        self.data, self.socket_dir = self.root / "data", self.root / "run"
        if os.geteuid() == 0:
            self.owner, self.as_owner = "postgres", ["runuser", "-u", "postgres", "--"]
        else:
            self.owner, self.as_owner = pwd.getpwuid(os.geteuid()).pw_name, []
        if root is None:
            self.socket_dir.mkdir()
            if self.as_owner:
                shutil.chown(self.root, self.owner)
                shutil.chown(self.socket_dir, self.owner)
            self._pg("initdb", "-D", self.data, "-U", self.owner, "--auth=trust",
                     "--encoding=UTF8", "--locale=C.UTF-8")  # fmt: skip

    def _pg(self, program: str, *args: object) -> None:
        command = [*self.as_owner, str(self.bindir / program), *map(str, args)]
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> None:
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}'"
        self._pg("pg_ctl", "-D", self.data, "-l", self.root / "server.log", "-w", "-o",
                 f"{options} -c fsync=off -c max_connections=200", "start")  # fmt: skip

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def processes(self) -> list[int]:
        """The server's process ids: the postmaster first, then its children."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
        return [postmaster, *map(int, children)]

    def pause(self) -> None:
        """Freezes the server (SIGSTOP), as a paused container or an unresponsive host: its
        connections stay open, nothing answers on them. The postmaster first, so that it
        starts no child meanwhile."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self.processes():
            os.kill(pid, signal.SIGCONT)

    def is_running(self) -> bool:
        command = [*self.as_owner, str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]
        return subprocess.run(command, capture_output=True).returncode == 0

    def url(self, dbname: str) -> str:
        host = urllib.parse.quote(str(self.socket_dir), safe="")
        return f"postgres://{self.owner}@{host}/{dbname}"

    def connect(self, dbname: str, **options: Any) -> psycopg.Connection:
        return psycopg.connect(self.url(dbname), **options)

    def database_exists(self, dbname: str) -> bool:
        with self.connect("postgres") as admin:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            return admin.execute(query, [dbname]).fetchone() is not None

    def create_database(self, dbname: str, template: str | None = None) -> str:
        """A new database, copied from `template` if given; its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with self.connect("postgres", autocommit=True) as admin:
            admin.execute(statement)
        return self.url(dbname)

    def destroy(self) -> None:
        if self.is_running():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def database_url(settings_dict: Mapping[str, Any], name: str) -> str:
    """The URL of the database `name` on the server of `settings_dict`, an entry of Django's
    DATABASES (or what dj_database_url.parse() gives)."""
    user = urllib.parse.quote(settings_dict["USER"] or "", safe="")
    password = urllib.parse.quote(settings_dict["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = urllib.parse.quote(settings_dict["HOST"] or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{credentials}{host}{port}/{name}"


def make_database(settings_dict: Mapping[str, Any], name: str, template: str | None = None) -> str:
    """A database `name` on the server of `settings_dict` (whatever was under that name dropped
    first), empty or, given `template`, a copy of that database of the same server (which
    nothing may be connected to); its URL."""
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    drop_database(settings_dict, name, create)
    return database_url(settings_dict, name)


def drop_database(settings_dict: Mapping[str, Any], name: str, *then: sql.Composed) -> None:
    """Drops the database `name` of the server of `settings_dict` if it exists, then runs the
    statements `then` there."""
    with psycopg.connect(database_url(settings_dict, "postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        for statement in then:
            admin.execute(statement)


@contextmanager
def scratch_database(
    settings_dict: Mapping[str, Any], name: str, template: str | None = None
) -> Iterator[str]:
    """A database `name` on the server of `settings_dict` (whatever a previous run left under
    that name is dropped first), empty or, given `template`, a copy of that database of the same
    server (which nothing may be connected to), dropped at the end; its URL."""
    url = make_database(settings_dict, name, template)
    try:
        yield url
    finally:
        drop_database(settings_dict, name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of the catalogue in production mode on loopback, its static files and
    cache in `workdir`; `extra` adds or overrides variables."""
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
        "STATIC_ROOT": str(workdir / "static"),
        # A cache of its own: its keys name a revision of the catalogue, not which database.
        "CACHE_DIR": str(workdir / "cache"),
        **extra,
    }


def manage(environment: Mapping[str, str], *args: str) -> str:
    """`manage.py *args` in `environment`; its output. Fails with the output if it fails."""
    result = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
        env=environment,
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py in `environment`, on a free loopback port;
    `settings` are more environment variables (WEB_CONCURRENCY, GUNICORN_THREADS…). As a context
    manager, it is serving inside the block and stopped after it."""

    def __init__(self, environment: Mapping[str, str], log_path: Path, **settings: str) -> None:
        self.port = free_port()
        self.address = f"http://127.0.0.1:{self.port}"
        self.environment = {**environment, **settings}
        self.log = open(log_path, "ab")  # closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "catalogue.wsgi", "--config", "gunicorn.conf.py"],
            env=self.environment | {"BIND": f"127.0.0.1:{self.port}"},
            cwd=PROJECT_DIR,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def __enter__(self) -> Self:
        try:
            self.wait_until_serving()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def request(
        self,
        path: str,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        timeout: float = 30,
    ) -> tuple[int, dict[str, str], bytes]:
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

    # Long enough for a machine whose cores other work keeps busy: it only bounds a failure.
    def wait_until_serving(self, timeout: float = 120) -> None:
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

    def workers(self) -> list[int]:
        """The worker processes' ids (they change if gunicorn restarts one)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return sorted(int(pid) for pid in children.read_text().split())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@contextmanager
def serve_catalogue(
    database_url: str,
    workdir: Path,
    migrated: bool = False,
    loaded: bool = False,
    static_root: Path | None = None,
    **settings: str,
) -> Iterator[Gunicorn]:
    """The catalogue's data in the empty database at `database_url` (migrate unless `migrated`
    says its schema is already there, load_catalogue unless `loaded` says the data is too,
    collectstatic unless `static_root` names a folder where it was run already), served by
    gunicorn in production settings (its log in `workdir`); `settings` are more environment
    variables."""
    if static_root is not None:
        settings["STATIC_ROOT"] = str(static_root)
    environment = production_environment(database_url, workdir, **settings)
    # The static files need no database: they are collected while the data loads.
    with ThreadPoolExecutor(max_workers=1) as pool:
        collected = (
            pool.submit(manage, environment, "collectstatic", "--no-input")
            if static_root is None
            else None
        )
        if not (migrated or loaded):
            manage(environment, "migrate", "--no-input")
        if not loaded:
            manage(environment, "load_catalogue")
        if collected:
            collected.result()
    with Gunicorn(environment, workdir / "gunicorn.log") as server:
        yield server
