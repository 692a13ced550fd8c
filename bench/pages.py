"""Every public page type against /healthz, in one run: how close to the framework's own speed the
cached pages are served, and their revalidations.

    .venv/bin/python bench/pages.py [--size 0] [--duration 10] [--connections 16]
    .venv/bin/python bench/pages.py --database-url postgres://…/scale_copy   # an existing catalogue

It starts a throwaway PostgreSQL cluster (tests/harness.py) holding the fixtures (--size 0, the
default: load_catalogue) or a synthetic catalogue of --size initiatives (bench/synthetic.py, as
bench/scale.py builds it), or serves the database of --database-url as it is (migrated already,
say a copy of bench/scale.py's 100,000 initiatives: nothing is written to it but what reading
writes); serves it with gunicorn and gunicorn.conf.py in production settings on 127.0.0.1, and
drives each page type in turn with wrk (--connections, --duration seconds each), sending
`X-Forwarded-Proto: https` as the TLS-terminating proxy would: home, list, theme pages, searches,
filters, initiative pages, organisation pages, the list in English and the list near a commune,
each rotating over its addresses, requested once beforehand (as after a change of the
catalogue, see initiatives/caching.py). Then the same pages revalidated: each request sends the
ETag the pages carry (If-None-Match) and gets 304 Not Modified.

/healthz is measured before each page type and after the last: each page type's rate is compared
with the mean of the two /healthz runs around it, so that the load of anything else on the machine
weighs on both sides alike. It prints each run's requests per second, p50 and p95, and its rate as
a share of that /healthz's (the targets: at least 40 % for pages, 80 % for revalidations). Any
status but the one expected stops the run. Needs wrk (Debian's package; installed here when run as
root).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench import map_scale, scale, wrk  # noqa: E402
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


def page_paths(url: str) -> dict[str, list[str]]:
    """The addresses each page type rotates over, read from the database at `url`."""
    with psycopg.connect(url) as connection:

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
        # bench/map_scale.py's communes, by postcode or name.
        "near": [f"/initiatives/?{urlencode({'near': near})}" for near in map_scale.NEAR],
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


HEALTHZ = ["/healthz"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=0, help="0: the fixtures")
    parser.add_argument(
        "--database-url", help="serve this existing, migrated database instead (not --size)"
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    wrk_path = wrk.find_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="catalogue-pages-"))
    cluster = None if args.database_url else ThrowawayCluster()
    try:
        if cluster is None:
            url = args.database_url
        elif args.size:
            cluster.start()
            dbname = f"scale_{args.size}"
            cluster.create_database(scale.TEMPLATE)
            template = production_environment(cluster.url(scale.TEMPLATE), workdir)
            manage(template, "migrate", "--no-input")
            scale.build(cluster, args.size, scale.SEED)
            url = cluster.url(dbname)
        else:
            cluster.start()
            url = cluster.create_database("catalogue")
            environment = production_environment(url, workdir)
            manage(environment, "migrate", "--no-input")
            manage(environment, "load_catalogue")
        # Long first requests at 100,000 initiatives (the facets of a theme, cold).
        environment = production_environment(url, workdir, DATABASE_STATEMENT_TIMEOUT="0")
        manage(environment, "collectstatic", "--no-input")
        paths = page_paths(url)
        load_before = os.getloadavg()
        with Gunicorn(environment, workdir / "gunicorn.log") as server:
            proxy = {"X-Forwarded-Proto": "https"}
            for addresses in paths.values():
                for path in addresses:  # as a crawl would after a change: every page cached
                    status, _headers, _body = server.request(path, headers=proxy, timeout=600)
                    assert status == 200, (path, status)
            time.sleep(1)
            runs = []
            for name, addresses in paths.items():
                runs.append((name, addresses, proxy))
            for name, addresses in paths.items():
                # The pages of a language share their ETag while the catalogue does not change.
                _status, headers, _body = server.request(addresses[0], headers=proxy)
                revalidating = proxy | {"If-None-Match": headers["ETag"].replace('"', '\\"')}
                runs.append((f"{name} (304)", addresses, revalidating))
            results = {}
            healthz = [run(wrk_path, server.port, HEALTHZ, proxy, args, workdir, "healthz")]
            for name, addresses, headers in runs:
                results[name] = run(wrk_path, server.port, addresses, headers, args, workdir, name)
                healthz.append(run(wrk_path, server.port, HEALTHZ, proxy, args, workdir, "healthz"))
                results[name]["healthz"] = (healthz[-2]["rps"] + healthz[-1]["rps"]) / 2
        report(results, healthz, args, (load_before, os.getloadavg()))
    finally:
        if cluster is not None:
            cluster.destroy()


def report(
    results: dict[str, dict],
    healthz: list[dict],
    args: argparse.Namespace,
    load: tuple[tuple[float, ...], tuple[float, ...]],
) -> None:
    size = (
        "the database given"
        if args.database_url
        else f"{args.size:,} initiatives"
        if args.size
        else "the fixtures"
    )
    print(f"\n{size}, {args.connections} connections, {args.duration} s per run")
    before, after = (", ".join(f"{value:.1f}" for value in figures) for figures in load)
    print(f"load average (1, 5, 15 min) before: {before}; after: {after}\n")
    rates = ", ".join(f"{figures['rps']:.0f}" for figures in healthz)
    print(f"/healthz before each page type and after the last, req/s: {rates}\n")
    print("| page | req/s | /healthz around it | share | p50 ms | p95 ms | statuses |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    failed = []
    for figures in healthz:
        if set(figures["statuses"]) != {"200"} or figures["socket_errors"]:
            failed.append(f"healthz: statuses {figures['statuses']}")
    for name, figures in results.items():
        share = figures["rps"] / figures["healthz"]
        statuses = ", ".join(f"{n} × {status}" for status, n in figures["statuses"].items())
        if figures["socket_errors"]:
            statuses += f"; socket errors {figures['socket_errors']}"
        print(
            f"| {name} | {figures['rps']:.0f} | {figures['healthz']:.0f} | {share:.0%} "
            f"| {figures['p50_ms']:.1f} | {figures['p95_ms']:.1f} | {statuses} |"
        )
        expected = "304" if "(304)" in name else "200"
        target = REVALIDATION_SHARE if "(304)" in name else PAGE_SHARE
        if set(figures["statuses"]) != {expected} or figures["socket_errors"]:
            failed.append(f"{name}: statuses {figures['statuses']}")
        elif share < target:
            failed.append(f"{name}: {share:.0%} of /healthz, under {target:.0%}")
    print("\n" + ("Every target met." if not failed else "Missed:\n- " + "\n- ".join(failed)))


if __name__ == "__main__":
    main()
