"""Soak benchmark: readers, exports and editors at once, for a long while, nothing lost.

    .venv/bin/python bench/soak.py [--duration 600] [--connections 64] [--editors 4]

The set-up is bench/load.py's: a throwaway PostgreSQL cluster, the catalogue loaded, gunicorn in
production settings on 127.0.0.1. For --duration seconds, wrk drives --connections connections
with load.py's mix of list pages, searches, initiative pages and CSV exports, while --editors
editors, each signed in to the admin with a session of their own, withdraw and publish again,
and mark verified, initiatives of their own share (the admin's bulk actions, with its CSRF
checks), as fast as they are answered.

It prints wrk's figures (requests, statuses, latency), the editors' (actions, statuses,
latency), then checks that nothing was lost: each initiative an editor touched is published as
their last action left it, its version moved once per change that changed it, and no version
number appears twice in its history. Any 5xx or lost change is reported and makes it exit 1.
"""

import argparse
import html
import http.client
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import wrk  # noqa: E402
from bench.load import MIX_LUA, mix, report_errors  # noqa: E402
from tests.harness import Gunicorn, ThrowawayCluster, manage, serve_catalogue  # noqa: E402

PASSWORD = "soak-Editor-password-9"
CHANGELIST = "/admin/initiatives/initiative/"
CREATE_EDITORS = """
from django.contrib.auth.models import User
for number in range({count}):
    User.objects.create_superuser(f"soak{{number}}", password="{password}")
"""


class Editor(threading.Thread):
    """An editor in the admin: signs in, then repeats withdraw, publish, mark verified on the
    initiatives of `ids` until `stopping` is set, noting each answer's status and time."""

    def __init__(self, server: Gunicorn, username: str, ids: list[int], verified: set[int]) -> None:
        super().__init__(daemon=True)
        self.server, self.username, self.ids = server, username, ids
        # Marking verified changes an initiative once a day: those already verified today.
        self.verified = set(verified)
        self.cookies: dict[str, str] = {}
        self.statuses: dict[int, int] = {}
        self.latencies: list[float] = []
        self.published: dict[int, bool] = {}
        self.changes: dict[int, int] = dict.fromkeys(ids, 0)
        self.stopping = threading.Event()
        self.failure: str | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        origin = f"https://127.0.0.1:{self.server.port}"
        headers = {
            "X-Forwarded-Proto": "https",
            "Host": f"127.0.0.1:{self.server.port}",
            "Referer": origin + path,
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        self.latencies.append(time.monotonic() - started)
        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def token(self, page: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not found:
            raise RuntimeError("no CSRF token on the page")
        return html.unescape(found[1])

    def sign_in(self) -> None:
        _, page = self.request("GET", "/admin/login/")
        status, _ = self.request(
            "POST",
            "/admin/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "next": "/admin/",
                "csrfmiddlewaretoken": self.token(page),
            },
        )
        if status != 302:
            raise RuntimeError(f"{self.username} could not sign in: {status}")

    def act(self, action: str, pk: int) -> None:
        status, page = self.request("GET", CHANGELIST)
        if status != 200:
            return
        form = {"action": action, "_selected_action": [pk], "index": "0"}
        status, _ = self.request(
            "POST", CHANGELIST, form | {"csrfmiddlewaretoken": self.token(page)}
        )
        if status == 302:
            if action in ("publish", "unpublish"):
                wanted = action == "publish"
                if self.published.get(pk) != wanted:
                    self.changes[pk] += 1
                self.published[pk] = wanted
            elif pk not in self.verified:
                self.verified.add(pk)
                self.changes[pk] += 1

    def run(self) -> None:
        try:
            self.sign_in()
            number = 0
            while not self.stopping.is_set():
                pk = self.ids[number % len(self.ids)]
                action = ("unpublish", "publish", "mark_verified")[(number // len(self.ids)) % 3]
                self.act(action, pk)
                number += 1
        except Exception as error:  # reported, not raised in a thread
            self.failure = f"{type(error).__name__}: {error}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=600, help="seconds (default 600)")
    parser.add_argument("--connections", type=int, default=64, help="wrk's (default 64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--editors", type=int, default=4, help="(default 4)")
    parser.add_argument("--workers", help="gunicorn workers (default: gunicorn.conf.py's)")
    args = parser.parse_args()
    wrk_path = wrk.find_wrk()

    cluster = ThrowawayCluster()
    workdir = Path(tempfile.mkdtemp(prefix="catalogue-soak-"))
    ok = False
    try:
        cluster.start()
        workers = {"WEB_CONCURRENCY": args.workers} if args.workers else {}
        print("Setting up: migrate, load_catalogue, collectstatic", file=sys.stderr)
        with serve_catalogue(
            cluster.create_database("catalogue"), workdir, LOG_LEVEL="WARNING", **workers
        ) as server:
            ok = run(server, cluster, args, wrk_path, workdir)
    finally:
        log = workdir / "gunicorn.log"
        if log.exists():
            report_errors(log.read_text(errors="replace"))
        cluster.destroy()
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(0 if ok else 1)


def run(
    server: Gunicorn,
    cluster: ThrowawayCluster,
    args: argparse.Namespace,
    wrk_path: str,
    workdir: Path,
) -> bool:
    """wrk's mix and the editors against `server` for the duration; the report; whether
    nothing failed and nothing was lost."""
    manage(
        server.environment,
        "shell",
        "-c",
        CREATE_EDITORS.format(count=args.editors, password=PASSWORD),
    )
    with psycopg.connect(cluster.url("catalogue")) as database:
        ids = [
            pk for (pk,) in database.execute("SELECT id FROM initiatives_initiative ORDER BY id")
        ]
        before: dict[int, int] = dict(
            database.execute("SELECT id, version FROM initiatives_initiative")
        )
        published: dict[int, bool] = dict(
            database.execute("SELECT id, is_published FROM initiatives_initiative")
        )
        verified = {
            pk
            for (pk,) in database.execute(
                "SELECT id FROM initiatives_initiative WHERE verified_on = current_date"
            )
        }
    shares = [ids[number :: args.editors] for number in range(args.editors)]
    editors = [
        Editor(server, f"soak{n}", share, verified) for n, share in enumerate(shares) if share
    ]
    for editor in editors:
        editor.published = {pk: published[pk] for pk in editor.ids}

    script = workdir / "mix.lua"
    script.write_text(wrk.script(MIX_LUA % mix(cluster)))
    command = [wrk_path, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["--timeout", "30s", "-s", str(script), f"http://127.0.0.1:{server.port}"]
    print("Running:", " ".join(command[:-3]), "<mix.lua> <gunicorn>", file=sys.stderr)
    for editor in editors:
        editor.start()
    result = subprocess.run(command, capture_output=True, text=True)
    for editor in editors:
        editor.stopping.set()
    for editor in editors:
        editor.join()

    figures = wrk.result(result)
    seconds = figures["duration_us"] / 1e6
    statuses = dict(sorted(figures["statuses"].items()))
    print(
        f"duration        {seconds:.1f} s, {args.connections} connections, {len(editors)} editors"
    )
    print(f"readers         {figures['requests']} requests, {figures['requests'] / seconds:.1f}/s")
    print(f"statuses        {statuses}")
    print(f"socket errors   {figures['socket_errors']}")
    print(
        f"latency         p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, "
        f"p99 {figures['p99_ms']:.1f} ms, max {figures['max_ms']:.1f} ms"
    )
    edits: dict[int, int] = {}
    latencies: list[float] = []
    for editor in editors:
        for status, count in editor.statuses.items():
            edits[status] = edits.get(status, 0) + count
        latencies += editor.latencies
    total = sum(edits.values())
    print(f"editors         {total} admin requests, statuses {dict(sorted(edits.items()))}")
    if latencies:
        cuts = statistics.quantiles(latencies, n=100)
        print(f"                p50 {cuts[49] * 1000:.1f} ms, p95 {cuts[94] * 1000:.1f} ms")

    problems = [f"{editor.username}: {editor.failure}" for editor in editors if editor.failure]
    server_errors = sum(n for status, n in statuses.items() if status.startswith("5"))
    server_errors += sum(n for status, n in edits.items() if status >= 500)
    server_errors += sum(figures["socket_errors"].values())
    if server_errors:
        problems.append(f"{server_errors} 5xx or socket errors")
    with psycopg.connect(cluster.url("catalogue")) as database:
        stored: dict[int, bool] = dict(
            database.execute("SELECT id, is_published FROM initiatives_initiative")
        )
        versions: dict[int, int] = dict(
            database.execute("SELECT id, version FROM initiatives_initiative")
        )
        duplicates = database.execute(
            "SELECT id, version FROM initiatives_historicalinitiative WHERE version > 1"
            " GROUP BY id, version HAVING count(*) > 1"
        ).fetchall()
    lost = [pk for e in editors for pk, wanted in e.published.items() if stored[pk] != wanted]
    moved = [
        pk
        for e in editors
        for pk, changes in e.changes.items()
        if versions[pk] - before[pk] != changes
    ]
    print(
        f"lost            {len(lost)} publish states not as last set, "
        f"{len(moved)} versions not moved once per change, "
        f"{len(duplicates)} version numbers twice in a history"
    )
    if lost or moved or duplicates:
        problems.append("changes lost")
    for problem in problems:
        print("PROBLEM", problem)
    return not problems


if __name__ == "__main__":
    main()
