"""Every public page type against /healthz, in one run: how close to the framework's own speed the
cached pages are served, and their revalidations.

    .venv/bin/python bench/pages.py [--size 0] [--duration 10] [--connections 16]

It starts a throwaway PostgreSQL cluster (tests/harness.py) holding the fixtures (--size 0, the
default: load_catalogue) or a synthetic catalogue of --size initiatives (bench/synthetic.py, as
bench/scale.py builds it), serves it with gunicorn and gunicorn.conf.py in production settings on
127.0.0.1, and drives each page type in turn with wrk (--connections, --duration seconds each),
sending `X-Forwarded-Proto: https` as the TLS-terminating proxy would: /healthz, home, list,
theme pages, searches, filters, initiative pages, organisation pages and the list in English,
each rotating over its addresses, requested once beforehand (as after a change of the catalogue,
see initiatives/caching.py). Then the same pages revalidated: each request sends the ETag the
pages carry (If-None-Match) and gets 304 Not Modified.

It prints each run's requests per second, p50 and p95, and its rate as a share of /healthz's (the
targets: at least 40 % for pages, 80 % for revalidations). Any status but the one expected stops
the run. Needs wrk (Debian's package; installed here when run as root).
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale, wrk  # noqa: E402
from tests.harness import (  # noqa: E402
    Gunicorn,
    ThrowawayCluster,
    manage,
    production_environment,
)

PAGE_SHARE = 0.40
REVALIDATION_SHARE = 0.80

REQUEST_LUA = r"""
local paths = {%s}
local headers = {%s}

function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"""


def page_paths(cluster: ThrowawayCluster, dbname: str) -> dict[str, list[str]]:
    """The addresses each page type rotates over."""
    with cluster.connect(dbname) as connection:

        def column(query: str) -> list[str]:
            return [value for (value,) in connection.execute(query).fetchall()]

        themes = column("SELECT slug FROM initiatives_theme ORDER BY position")
        initiatives = column(
            "SELECT slug FROM initiatives_initiative WHERE is_published "
            "ORDER BY md5(slug) LIMIT 100"
        )
        organisations = column(
            "SELECT o.slug FROM initiatives_organisation AS o WHERE EXISTS (SELECT FROM "
            "initiatives_partnership AS p WHERE p.organisation_id = o.id) ORDER BY md5(o.slug) "
            "LIMIT 100"
        )
        publics = column("SELECT slug FROM initiatives_targetpublic ORDER BY position")
    return {
        "healthz": ["/healthz"],
        "home": ["/"],
        "list": ["/initiatives/"],
        "theme": [f"/themes/{slug}/" for slug in themes],
        "search": [f"/initiatives/?{urlencode({'q': q})}" for q in scale.SEARCHES[:10]],
        "filters": [
            f"/initiatives/?{urlencode({'theme': theme, 'public': public})}"
            for theme, public in zip(themes, publics, strict=False)
        ],
        "initiative": [f"/initiatives/{slug}/" for slug in initiatives],
        "organisation": [f"/organisations/{slug}/" for slug in organisations],
        "english list": ["/en/initiatives/"],
    }


def run(wrk_path: str, port: int, paths: list[str], headers: dict[str, str], args, workdir, name):
    """wrk on `paths` with `headers`: requests per second, p50 and p95, and the statuses."""
    lua_headers = ", ".join(f'["{key}"] = "{value}"' for key, value in headers.items())
    script = workdir / f"{name.replace(' ', '-')}.lua"
    script.write_text(wrk.script(REQUEST_LUA % (wrk.lua_list(paths), lua_headers)))
    command = [wrk_path, "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "30s"]
    command += ["-s", str(script), f"http://127.0.0.1:{port}"]
    figures = wrk.result(subprocess.run(command, capture_output=True, text=True))
    return {
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50_ms": figures["p50_ms"],
        "p95_ms": figures["p95_ms"],
        "statuses": figures["statuses"],
        "socket_errors": {kind: n for kind, n in figures["socket_errors"].items() if n},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=0, help="0: the fixtures")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    wrk_path = wrk.find_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="catalogue-pages-"))
    cluster = ThrowawayCluster()
    try:
        cluster.start()
        if args.size:
            dbname = f"scale_{args.size}"
            url = cluster.create_database(scale.TEMPLATE)
            manage(production_environment(url, workdir), "migrate", "--no-input")
            scale.build(cluster, args.size, scale.SEED)
            url = cluster.url(dbname)
        else:
            dbname = "catalogue"
            url = cluster.create_database(dbname)
            environment = production_environment(url, workdir)
            manage(environment, "migrate", "--no-input")
            manage(environment, "load_catalogue")
        environment = production_environment(url, workdir)
        manage(environment, "collectstatic", "--no-input")
        paths = page_paths(cluster, dbname)
        with Gunicorn(environment, workdir / "gunicorn.log") as server:
            proxy = {"X-Forwarded-Proto": "https"}
            for addresses in paths.values():
                for path in addresses:  # as a crawl would after a change: every page cached
                    status, _headers, _body = server.request(path, headers=proxy, timeout=600)
                    assert status == 200, (path, status)
            time.sleep(1)
            results = {}
            for name, addresses in paths.items():
                results[name] = run(wrk_path, server.port, addresses, proxy, args, workdir, name)
            for name, addresses in paths.items():
                if name == "healthz":
                    continue
                # The pages of a language share their ETag while the catalogue does not change.
                _status, headers, _body = server.request(addresses[0], headers=proxy)
                revalidating = proxy | {"If-None-Match": headers["ETag"].replace('"', '\\"')}
                results[f"{name} (304)"] = run(
                    wrk_path, server.port, addresses, revalidating, args, workdir, f"{name}-304"
                )
        report(results, args)
    finally:
        cluster.destroy()


def report(results: dict[str, dict], args) -> None:
    size = f"{args.size:,} initiatives" if args.size else "the fixtures"
    print(f"\n{size}, {args.connections} connections, {args.duration} s per run\n")
    print("| page | req/s | share of /healthz | p50 ms | p95 ms | statuses |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    floor = results["healthz"]["rps"]
    failed = []
    for name, figures in results.items():
        share = figures["rps"] / floor
        statuses = ", ".join(f"{n} × {status}" for status, n in figures["statuses"].items())
        if figures["socket_errors"]:
            statuses += f"; socket errors {figures['socket_errors']}"
        print(
            f"| {name} | {figures['rps']:.0f} | {share:.0%} | {figures['p50_ms']:.1f} "
            f"| {figures['p95_ms']:.1f} | {statuses} |"
        )
        expected = "200" if name == "healthz" or "(304)" not in name else "304"
        target = REVALIDATION_SHARE if "(304)" in name else PAGE_SHARE
        if set(figures["statuses"]) != {expected} or figures["socket_errors"]:
            failed.append(f"{name}: statuses {figures['statuses']}")
        elif name != "healthz" and share < target:
            failed.append(f"{name}: {share:.0%} of /healthz, under {target:.0%}")
    print("\n" + ("Every target met." if not failed else "Missed:\n- " + "\n- ".join(failed)))


if __name__ == "__main__":
    main()
