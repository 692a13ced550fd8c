"""The map page, the GeoJSON of a theme and `near` on a synthetic catalogue (bench/synthetic.py).

    .venv/bin/python bench/map_scale.py [--size 100000] [--dbname scale_map] [--reuse] [--themes N]

Builds (unless --reuse) a database of `size` initiatives beside the one of DATABASE_URL (`.env`),
migrated then filled as bench/scale.py fills its own, then VACUUM ANALYZE. Then, in one Django
process on that database, requests each address one after the other: the map of each theme, its
GeoJSON, and the list and map near a few communes. A page's first request computes everything
(nothing cached yet); its second is served as a reader would be while the catalogue does not
change (the map's places are cached as rendered, as the list's results are). Prints the median
and the longest time of each page type, cold and again, and the sizes sent.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import synthetic  # noqa: E402

NEAR = ["13001", "Lyon", "59000", "Rennes", "Strasbourg"]


def database_url(dbname: str) -> str:
    base = os.environ.get("DATABASE_URL") or read_env_url()
    return base.rsplit("/", 1)[0] + "/" + dbname


def read_env_url() -> str:
    for line in (ROOT / ".env").read_text().splitlines():
        if line.startswith("DATABASE_URL="):
            return line.split("=", 1)[1]
    raise SystemExit("DATABASE_URL is neither set nor in .env: run ./scripts/serve once")


def build(url: str, dbname: str, size: int) -> None:
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
        connection.execute(f'CREATE DATABASE "{dbname}"')
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "catalogue.test_settings",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=environment, check=True
    )
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        synthetic.fill(psycopg.ClientCursor(connection), size)
        connection.execute("VACUUM ANALYZE")
    print(f"built {size:,} initiatives in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def measure(url: str, theme_count: int | None = None) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "catalogue.test_settings"
    os.environ.setdefault("CACHE_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "map-bench"))
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client

    from initiatives.models import Initiative, Theme

    cache.clear()
    client = Client(HTTP_HOST="localhost")
    themes = list(Theme.objects.values_list("slug", flat=True))[:theme_count]
    pages = {
        "map of a theme": [f"/initiatives/map/?theme={slug}" for slug in themes],
        "GeoJSON of a theme": [f"/initiatives/export.geojson?theme={slug}" for slug in themes],
        "list near": [f"/initiatives/?near={near}" for near in NEAR],
        "map near + theme": [f"/initiatives/map/?near={near}&theme={themes[0]}" for near in NEAR],
        "communes.json": ["/initiatives/communes.json?q=sain", "/initiatives/communes.json?q=mar"],
    }
    print(f"{Initiative.objects.count():,} initiatives")
    print("| page | cold p50 ms | cold max ms | again p50 ms | again max ms | size p50 KB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, paths in pages.items():
        cold: list[float] = []
        again: list[float] = []
        sizes: list[float] = []
        for path in paths:
            for times in (cold, again):
                started = time.perf_counter()
                response = client.get(path)
                if response.streaming:
                    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
                else:
                    body = response.content
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            sizes.append(len(body) / 1024)
        print(
            f"| {name} | {statistics.median(cold):.0f} | {max(cold):.0f} | "
            f"{statistics.median(again):.0f} | {max(again):.0f} | {statistics.median(sizes):.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--dbname", default="scale_map")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--themes", type=int, default=None, help="the first N themes only")
    args = parser.parse_args()
    url = database_url(args.dbname)
    if not args.reuse:
        build(url, args.dbname, args.size)
    measure(url, args.themes)


if __name__ == "__main__":
    main()
