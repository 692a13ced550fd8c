"""The map page, the GeoJSON of a theme and `near` on a synthetic catalogue (bench/synthetic.py).

    .venv/bin/python bench/map_scale.py [--size 100000] [--dbname scale_map] [--reuse] [--themes N]

Builds (unless --reuse) a database of `size` initiatives beside the one of DATABASE_URL (`.env`),
migrated then filled as bench/scale.py fills its own, then VACUUM ANALYZE; --dbname names it (an
existing one with --reuse: `--dbname scale_x --reuse`, DATABASE_URL naming its cluster). Then, in
one Django process on that database: the whole list and the list of each theme first, so that
their facets and counts (keyed without `near`) are cached; then each page's own part, cold (its
first request) and again (as a reader is served while the catalogue does not change): the map
of each theme, the list near a few communes, the map near them with a theme; `geo.map_data()` of
each theme alone; and the GeoJSON of each theme, its features per second against a COPY of the
same rows and columns (COPY_SQL), the floor as for the CSV export (bench/export.py).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


# The rows and columns of the GeoJSON of a theme, as PostgreSQL alone gives them: its floor.
COPY_SQL = """
COPY (
  SELECT 'http://localhost/initiatives/' || i.slug || '/', i.title,
    ARRAY(SELECT t.name FROM initiatives_initiative_themes it
          JOIN initiatives_theme t ON t.id = it.theme_id
          WHERE it.initiative_id = i.id ORDER BY t.position),
    p.name, p.kind, p.code,
    coalesce(p.longitude, d.longitude), coalesce(p.latitude, d.latitude)
  FROM initiatives_initiative i
  JOIN initiatives_initiativeplace ip ON ip.initiative_id = i.id
  JOIN initiatives_place p ON p.id = ip.place_id
  LEFT JOIN initiatives_place d ON d.kind = 'department' AND d.code = p.department_code
  WHERE i.is_published AND coalesce(p.latitude, d.latitude) IS NOT NULL
    AND EXISTS (SELECT 1 FROM initiatives_initiative_themes it
                JOIN initiatives_theme t ON t.id = it.theme_id
                WHERE it.initiative_id = i.id AND t.slug = %s)
  ORDER BY i.title, i.id, ip.position
) TO STDOUT
"""


def timed(client: Any, path: str) -> tuple[float, bytes, float | None]:
    """(ms, body, ms to the first chunk of a streamed answer) of a GET of `path`."""
    started = time.perf_counter()
    response = client.get(path)
    first = None
    if response.streaming:
        chunks = []
        for chunk in response.streaming_content:
            if first is None:
                first = (time.perf_counter() - started) * 1000
            chunks.append(chunk)
        body = b"".join(chunks)
    else:
        body = response.content
    assert response.status_code == 200, (path, response.status_code)
    return (time.perf_counter() - started) * 1000, body, first


def copy_rate(url: str, slug: str) -> tuple[int, float]:
    """(rows, seconds) of COPY_SQL for the theme `slug`."""
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        started = time.perf_counter()
        lines = 0
        with cursor.copy(COPY_SQL.replace("%s", "'" + slug.replace("'", "''") + "'")) as copy:
            for chunk in copy:
                lines += bytes(chunk).count(b"\n")
        return lines, time.perf_counter() - started


def measure(url: str, theme_count: int | None = None) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "catalogue.test_settings"
    os.environ.setdefault("CACHE_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "map-bench"))
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client

    from initiatives import bitmaps, geo, ranking
    from initiatives.caching import revision
    from initiatives.models import Initiative, Theme

    cache.clear()
    client = Client(HTTP_HOST="localhost")
    themes = list(Theme.objects.values_list("slug", flat=True))[:theme_count]
    print(f"{Initiative.objects.count():,} initiatives; load average {os.getloadavg()[0]:.1f}")
    # The facets and the count of each list first (another part's work, keyed without `near`):
    # what follows is each page's own part, cold (its first request) and again.
    for path in ["/initiatives/", *(f"/initiatives/?theme={slug}" for slug in themes)]:
        timed(client, path)
    # The catalogue's order by title, as its bitmaps, is read whole once in a process's life.
    started = time.perf_counter()
    ranking.by_title(revision(None))
    print(f"order by title read whole: {(time.perf_counter() - started) * 1000:.0f} ms")
    pages = {
        "map of a theme": [f"/initiatives/map/?theme={slug}" for slug in themes],
        "list near": [f"/initiatives/?near={near}" for near in NEAR],
        "map near + theme": [f"/initiatives/map/?near={near}&theme={themes[0]}" for near in NEAR],
        "communes.json": ["/initiatives/communes.json?q=sain", "/initiatives/communes.json?q=mar"],
    }
    print(
        "| page (facets and count cached) | cold p50 ms | cold max ms | again p50 ms "
        "| again max ms | size p50 KB |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, paths in pages.items():
        cold: list[float] = []
        again: list[float] = []
        sizes: list[float] = []
        for path in paths:
            for times in (cold, again):
                elapsed, body, _first = timed(client, path)
                times.append(elapsed)
            sizes.append(len(body) / 1024)
        print(
            f"| {name} | {statistics.median(cold):.0f} | {max(cold):.0f} | "
            f"{statistics.median(again):.0f} | {max(again):.0f} | {statistics.median(sizes):.0f} |"
        )
    print()
    print("| theme | geo.map_data() ms | points | places |")
    print("| --- | ---: | ---: | ---: |")
    for slug in themes:
        held = bitmaps.for_revision(revision(None))
        titles = ranking.by_title(revision(None), held.last_change)
        started = time.perf_counter()
        data = geo.map_data(held.themes[slug] & held.published, held, titles=titles)
        elapsed = (time.perf_counter() - started) * 1000
        places = getattr(data, "place_count", len(data.places))
        print(f"| {slug} | {elapsed:.0f} | {len(data.points):,} | {places:,} |")
    print()
    print(
        "| GeoJSON of a theme | features | ms | first chunk ms | MB | features/s "
        "| COPY rows/s | GeoJSON / COPY |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for slug in themes:
        elapsed, body, first = timed(client, f"/initiatives/export.geojson?theme={slug}")
        features = len(json.loads(body)["features"])
        rows, seconds = copy_rate(url, slug)
        assert rows == features, (rows, features)
        rate, floor = features / elapsed * 1000, rows / seconds
        print(
            f"| {slug} | {features:,} | {elapsed:.0f} | {first:.0f} | {len(body) / 2**20:.1f} "
            f"| {rate:,.0f} | {floor:,.0f} | {rate / floor:.2f} |"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


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
