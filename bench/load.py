"""Load benchmark: gunicorn in production settings under wrk, on loopback.

    .venv/bin/python bench/load.py [--duration 60] [--connections 64] [--outage 20:10]

It starts a throwaway PostgreSQL cluster (tests/harness.py), migrates it, loads the catalogue
(load_catalogue), collects the static files, and serves the catalogue with gunicorn and
gunicorn.conf.py in production settings (DJANGO_ENV=production) on 127.0.0.1. wrk then drives it
with a mix of list pages (35 %), searches (25 %), initiative pages (30 %) and CSV exports
(10 %), sending `X-Forwarded-Proto: https` as the TLS-terminating proxy would. It prints
requests, errors, statuses, p50/p95/p99 latency and requests per second.

With --outage START:LENGTH it stops PostgreSQL START seconds into the run for LENGTH seconds,
and a probe requests a list page every half second throughout, to show the 503s and when the
site answers 200 again.

Needs wrk (Debian's package: `apt-get install wrk`; installed here when run as root).
"""

import argparse
import shutil
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
from bench.wrk import lua_list  # noqa: E402
from tests.harness import Gunicorn, ThrowawayCluster, serve_catalogue  # noqa: E402

# wrk's script: each request picks a URL of the mix (bench/wrk.py adds the counting of statuses
# and the report).
MIX_LUA = r"""
local lists = {%(lists)s}
local searches = {%(searches)s}
local details = {%(details)s}
local exports = {%(exports)s}

local function pick(urls) return urls[math.random(#urls)] end

function request()
  local r = math.random(100)
  local path
  if r <= 35 then path = pick(lists)
  elseif r <= 60 then path = pick(searches)
  elseif r <= 90 then path = pick(details)
  else path = pick(exports) end
  return wrk.format("GET", path, {["X-Forwarded-Proto"] = "https"})
end
"""


def mix(cluster):
    """The URLs of the mix, drawn from the loaded data."""
    with psycopg.connect(cluster.url("catalogue")) as database:
        initiatives = database.execute(
            "SELECT slug FROM initiatives_initiative WHERE is_published ORDER BY slug"
        ).fetchall()
        themes = [slug for (slug,) in database.execute("SELECT slug FROM initiatives_theme")]
    lists = ["/initiatives/", "/initiatives/?page=2", "/initiatives/?sort=recent", "/"]
    lists += [f"/themes/{slug}/" for slug in themes]
    lists += [f"/initiatives/?theme={slug}&country=FR" for slug in themes[:6]]
    words = ["logement", "emploi", "santé", "français", "jeunes", "bénévoles", "formation"]
    words += ["droits", "culture", "asile", '"bail glissant"', "logement -marseille"]
    searches = [f"/initiatives/?{urlencode({'q': word})}" for word in words]
    details = [f"/initiatives/{slug}/" for (slug,) in initiatives]
    exports = ["/initiatives/export.csv", "/initiatives/export.csv?format=excel"]
    exports += [f"/initiatives/export.csv?theme={slug}" for slug in themes[:6]]
    return {
        "lists": lua_list(lists),
        "searches": lua_list(searches),
        "details": lua_list(details),
        "exports": lua_list(exports),
    }


class Probe(threading.Thread):
    """Requests a list page every half second and notes each change of status: when the
    request was sent, when it was answered (it waits its turn behind wrk's), and its status."""

    def __init__(self, server, started):
        super().__init__(daemon=True)
        self.server, self.started = server, started
        self.changes, self.stopping = [], threading.Event()

    def run(self):
        last = None
        while not self.stopping.is_set():
            sent = time.monotonic() - self.started
            try:
                status = self.server.request("/initiatives/", timeout=30)[0]
            except OSError as error:
                status = type(error).__name__
            if status != last:
                answered = time.monotonic() - self.started
                self.changes.append((round(sent, 1), round(answered, 1), status))
                last = status
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds (default 60)")
    parser.add_argument("--connections", type=int, default=64, help="(default 64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--outage", help="START:LENGTH, seconds: stop PostgreSQL meanwhile")
    args = parser.parse_args()
    wrk_path = wrk.find_wrk()

    cluster = ThrowawayCluster()
    workdir = Path(tempfile.mkdtemp(prefix="catalogue-load-"))
    try:
        cluster.start()
        workers = {"WEB_CONCURRENCY": args.workers} if args.workers else {}
        print("Setting up: migrate, load_catalogue, collectstatic", file=sys.stderr)
        # The access log would cost as much as the requests; errors still go to the log.
        with serve_catalogue(
            cluster.create_database("catalogue"), workdir, LOG_LEVEL="WARNING", **workers
        ) as server:
            run(server, cluster, args, wrk_path, workdir)
    finally:
        log = workdir / "gunicorn.log"
        if log.exists():
            report_errors(log.read_text(errors="replace"))
        cluster.destroy()
        shutil.rmtree(workdir, ignore_errors=True)


def run(
    server: Gunicorn,
    cluster: ThrowawayCluster,
    args: argparse.Namespace,
    wrk_path: str,
    workdir: Path,
) -> None:
    """wrk's mix against `server`, with the probe and the outage if asked; then the report."""
    script = workdir / "mix.lua"
    script.write_text(wrk.script(MIX_LUA % mix(cluster)))
    for path in ("/", "/initiatives/", "/initiatives/export.csv"):
        assert server.request(path)[0] == 200, path

    command = [wrk_path, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["--timeout", "30s", "-s", str(script), f"http://127.0.0.1:{server.port}"]
    print("Running:", " ".join(command[:-3]), "<mix.lua> <gunicorn>", file=sys.stderr)
    started = time.monotonic()
    probe = Probe(server, started)
    probe.start()
    outage = None
    if args.outage:
        start, length = (float(part) for part in args.outage.split(":"))
        outage = threading.Timer(start, lambda: take_down(cluster, length, started))
        outage.start()
    result = subprocess.run(command, capture_output=True, text=True)
    probe.stopping.set()
    probe.join()
    if outage:
        outage.join()
    report(result, args, probe.changes)


def report_errors(log):
    """The tracebacks of gunicorn's log, each to its exception line."""
    tracebacks, current = [], None
    for line in log.splitlines():
        if line.startswith("Traceback"):
            current = [line]
        elif current is not None:
            current.append(line)
            if not line.startswith(" "):
                tracebacks.append("\n".join(current))
                current = None
    print(f"gunicorn log: {len(tracebacks)} tracebacks", file=sys.stderr)
    for traceback in tracebacks[:3]:
        print(traceback, file=sys.stderr)


def take_down(cluster, length, started):
    def say(what):
        print(f"[{time.monotonic() - started:5.1f} s] {what}", file=sys.stderr)

    say("stopping PostgreSQL")
    cluster.stop()
    say("PostgreSQL stopped")
    time.sleep(length)
    say("starting PostgreSQL")
    cluster.start()
    say("PostgreSQL accepting connections")


def report(result, args, changes):
    figures = wrk.result(result)
    seconds = figures["duration_us"] / 1e6
    socket_errors = sum(figures["socket_errors"].values())
    statuses = dict(sorted(figures["statuses"].items()))
    server_errors = sum(n for status, n in statuses.items() if status.startswith("5"))
    unavailable = statuses.get("503", 0)
    print(f"duration        {seconds:.1f} s, {args.connections} connections")
    print(f"requests        {figures['requests']}")
    print(f"requests/s      {figures['requests'] / seconds:.1f}")
    print(f"statuses        {statuses}")
    print(f"socket errors   {figures['socket_errors']}")
    errors = socket_errors + server_errors - unavailable
    print(f"errors          {errors} (socket errors and 5xx other than 503); 503: {unavailable}")
    print(
        f"latency         p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, "
        f"p99 {figures['p99_ms']:.1f} ms, max {figures['max_ms']:.1f} ms"
    )
    print(
        "probe           "
        + ", ".join(
            f"sent {sent} s (answered {answered} s): {status}" for sent, answered, status in changes
        )
    )


if __name__ == "__main__":
    main()
