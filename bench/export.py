"""Export benchmark: rows per second and peak memory of the CSV export, next to PostgreSQL's COPY.

    .venv/bin/python bench/export.py [--sizes 1000 100000] [--total 100000]

It fills a scratch database on the server of DATABASE_URL (its name with the suffix `_bench`,
dropped at the end; tests/harness.py) with --total synthetic initiatives of realistic shape
(bench/synthetic.py: varied French texts, themes, publics, places, partners, contacts,
results), adds a source `bench-<size>` citing the first <size> published initiatives for each
size, then, for each size, streams `/initiatives/export.csv?source=bench-<size>` (one row per
initiative) and `/initiatives/results.csv?source=bench-<size>` (one row per result of these
initiatives) in a fresh process each and measures their throughput and how much their peak
memory grew. The floor is `COPY (…) TO STDOUT` of the same rows and columns.
Targets: peak memory grows by less than 50 MB from the smallest size to the largest; throughput
is at least a third of COPY's.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import synthetic  # noqa: E402
from tests.harness import scratch_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

TOTAL = 100_000

# The sources `bench-<size>`, each citing the first <size> published initiatives.
BENCH_SOURCES_SQL = [
    """
    INSERT INTO initiatives_source (slug, title, publisher, url, language, description)
    SELECT 'bench-' || size, 'Banc d''essai ' || size, 'Banc', '', 'fr', ''
    FROM unnest(%(sizes)s::int[]) AS size
    """,
    """
    INSERT INTO initiatives_citation (initiative_id, source_id, location, staff_note,
                                      title_assigned)
    SELECT i.id, s.id, '', '', false
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS rank
          FROM initiatives_initiative WHERE is_published) AS i
    JOIN initiatives_source AS s
      ON s.slug LIKE 'bench-%%' AND i.rank <= substring(s.slug from 7)::int
    """,
]

# The same rows and columns as the export, produced by PostgreSQL alone.
COPY_SQL = """
COPY (
  SELECT 'http://testserver/initiatives/' || i.slug || '/', i.title, i.aim,
    (SELECT string_agg(o.name, ' | ' ORDER BY l.position) FROM initiatives_partnership l
       JOIN initiatives_organisation o ON o.id = l.organisation_id
       WHERE l.initiative_id = i.id AND l.role = 'lead'),
    t.name,
    (SELECT string_agg(th.name, ' | ' ORDER BY th.position) FROM initiatives_initiative_themes it
       JOIN initiatives_theme th ON th.id = it.theme_id WHERE it.initiative_id = i.id),
    (SELECT string_agg(tp.name, ' | ' ORDER BY tp.position) FROM initiatives_initiative_publics ip
       JOIN initiatives_targetpublic tp ON tp.id = ip.targetpublic_id
       WHERE ip.initiative_id = i.id),
    (SELECT string_agg(pa.name, ' | ' ORDER BY ps.position) FROM initiatives_partnership ps
       JOIN initiatives_organisation pa ON pa.id = ps.organisation_id
       WHERE ps.initiative_id = i.id AND ps.role <> 'lead'),
    (SELECT string_agg(concat_ws(', ', c.name, c.role, c.organisation, c.email,
                                 array_to_string(c.phones, ', '), c.address), ' | ')
       FROM initiatives_contact c WHERE c.initiative_id = i.id),
    (SELECT string_agg(concat(CASE r.nature WHEN 'target' THEN 'objectif : '
                                            WHEN 'context' THEN 'contexte : ' END,
                              concat_ws(' ', nullif(r.qualifier, ''), trim_scale(r.value),
                                        'à ' || trim_scale(r.value_max), nullif(r.unit, ''),
                                        nullif(r.measure, ''), '(' || r.as_of || ')'),
                              ' : ' || r.text), ' | ' ORDER BY r.position)
       FROM initiatives_result r WHERE r.initiative_id = i.id),
    (SELECT string_agg(p.name, ' | ' ORDER BY l.position) FROM initiatives_initiativeplace l
       JOIN initiatives_place p ON p.id = l.place_id
       WHERE l.initiative_id = i.id AND p.kind = 'commune'),
    (SELECT string_agg(DISTINCT p.department_name, ' | ') FROM initiatives_initiativeplace l
       JOIN initiatives_place p ON p.id = l.place_id
       WHERE l.initiative_id = i.id AND p.department_name <> ''),
    (SELECT string_agg(DISTINCT p.region_name, ' | ') FROM initiatives_initiativeplace l
       JOIN initiatives_place p ON p.id = l.place_id
       WHERE l.initiative_id = i.id AND p.region_name <> ''),
    (SELECT string_agg(DISTINCT p.country, ' | ') FROM initiatives_initiativeplace l
       JOIN initiatives_place p ON p.id = l.place_id WHERE l.initiative_id = i.id),
    i.scope, i.start_year, i.end_year, i.status, i.funding, i.website,
    (SELECT string_agg(so.title, ' | ') FROM initiatives_citation ci
       JOIN initiatives_source so ON so.id = ci.source_id WHERE ci.initiative_id = i.id),
    (SELECT extract(year FROM max(so.published_on)) FROM initiatives_citation ci
       JOIN initiatives_source so ON so.id = ci.source_id WHERE ci.initiative_id = i.id),
    i.verified_on
  FROM initiatives_initiative i
  JOIN initiatives_theme t ON t.id = i.main_theme_id
  WHERE EXISTS (SELECT 1 FROM initiatives_citation ci JOIN initiatives_source so
                ON so.id = ci.source_id WHERE ci.initiative_id = i.id AND so.slug = %s)
  ORDER BY i.title
) TO STDOUT WITH (FORMAT csv, HEADER)
"""
# The same rows and columns as the results' export: one row per result.
RESULTS_COPY_SQL = """
COPY (
  SELECT 'http://testserver/initiatives/' || i.slug || '/', i.title,
    CASE r.nature WHEN 'achieved' THEN 'resultat' WHEN 'target' THEN 'objectif'
                  ELSE 'contexte' END,
    CASE r.qualifier WHEN 'more-than' THEN 'plus_de' WHEN 'at-least' THEN 'au_moins'
                     WHEN 'about' THEN 'environ' WHEN 'less-than' THEN 'moins_de'
                     WHEN 'up-to' THEN 'jusqu_a' ELSE '' END,
    trim_scale(r.value), trim_scale(r.value_max), r.unit, r.measure, r.as_of,
    CASE r.as_of_precision WHEN 'year' THEN 'annee' WHEN 'quarter' THEN 'trimestre'
                           WHEN 'month' THEN 'mois' WHEN 'day' THEN 'jour' ELSE '' END,
    r.text, r.text_translation, so.slug
  FROM initiatives_initiative i
  JOIN initiatives_result r ON r.initiative_id = i.id
  LEFT JOIN initiatives_source so ON so.id = r.source_id
  WHERE EXISTS (SELECT 1 FROM initiatives_citation ci JOIN initiatives_source so
                ON so.id = ci.source_id WHERE ci.initiative_id = i.id AND so.slug = %s)
  ORDER BY i.title, i.id, r.position
) TO STDOUT WITH (FORMAT csv, HEADER)
"""
# What each benchmark streams, and its floor.
EXPORTS = {
    "initiatives": ("/initiatives/export.csv", COPY_SQL),
    "results": ("/initiatives/results.csv", RESULTS_COPY_SQL),
}


def server_settings() -> dict[str, Any]:
    """The database settings of DATABASE_URL (from the environment or .env)."""
    from environs import Env

    env = Env()
    env.read_env(ROOT / ".env", recurse=False)
    return env.dj_db_url("DATABASE_URL", "postgres:///catalogue")


def prepare(sizes: list[int], total: int) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        synthetic.fill(cursor, total)
        for statement in BENCH_SOURCES_SQL:
            cursor.execute(statement, {"sizes": list(sizes)})
        cursor.execute("ANALYZE")
    print(f"filled {total:,} initiatives in {time.perf_counter() - started:.1f} s", flush=True)


def measure_export(export: str, size: int) -> None:
    """Run in a fresh process: stream the export `export` of the initiatives citing the source
    `bench-<size>`, report its rows, seconds and memory growth."""
    import django

    django.setup()
    from django.http import StreamingHttpResponse
    from django.test import Client

    client = Client()
    client.get("/initiatives/", {"source": f"bench-{size}"})  # warm up imports and connection
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get(EXPORTS[export][0], {"source": f"bench-{size}"})
    assert isinstance(response, StreamingHttpResponse), response.status_code
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert response.status_code == 200, response.status_code
    print(json.dumps({"rows": lines - 1, "seconds": elapsed, "memory_growth_kb": peak - baseline}))


def measure_copy(export: str, size: int) -> tuple[int, float]:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        lines = 0
        with cursor.copy(EXPORTS[export][1].replace("%s", f"'bench-{size}'")) as copy:
            for chunk in copy:
                lines += bytes(chunk).count(b"\n")
        elapsed = time.perf_counter() - started
    return lines - 1, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument(
        "--total", type=int, default=TOTAL, help=f"initiatives to fill (default {TOTAL:,})"
    )
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        measure_export(args.measure[0], int(args.measure[1]))
        return
    if max(args.sizes) > args.total:
        parser.error("every size must be at most --total")

    settings = server_settings()
    with scratch_database(settings, f"{settings['NAME']}_bench") as url:
        os.environ["DATABASE_URL"] = url
        prepare(args.sizes, args.total)
        for export in EXPORTS:
            measure_all(export, args.sizes)


def measure_all(export: str, sizes: list[int]) -> None:
    print(f"\n{EXPORTS[export][0]}: initiatives, then rows (one per {export[:-1]})")
    headers = ("initiatives", "rows", "export rows/s", "COPY rows/s", "ratio", "peak memory growth")
    print("{:>11} {:>8} {:>14} {:>12} {:>6} {:>19}".format(*headers))
    growth = {}
    for size in sizes:
        output = subprocess.run(
            [sys.executable, __file__, "--measure", export, str(size)],
            stdout=subprocess.PIPE,  # its errors, if any, on the terminal
            text=True,
            env=os.environ,
            check=True,
        ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        rows = figures["rows"]
        copy_rows, copy_seconds = measure_copy(export, size)
        assert copy_rows == rows, (copy_rows, rows)
        assert export != "initiatives" or rows == size, (rows, size)
        export_rate = rows / figures["seconds"]
        copy_rate = rows / copy_seconds
        growth[size] = figures["memory_growth_kb"] / 1024
        print(
            f"{size:>11,} {rows:>8,} {export_rate:>14,.0f} {copy_rate:>12,.0f}"
            f" {export_rate / copy_rate:>6.2f} {growth[size]:>16.1f} MB",
            flush=True,
        )
    smallest, largest = min(growth), max(growth)
    print(
        f"peak memory growth from {smallest:,} to {largest:,} initiatives: "
        f"{growth[largest] - growth[smallest]:.1f} MB (target < 50 MB)"
    )


if __name__ == "__main__":
    main()
