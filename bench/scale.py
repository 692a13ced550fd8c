"""Scale benchmark: each page type at 1,000, 10,000 and 100,000 initiatives, against two floors
and against Datasette serving the same data.

    .venv/bin/python bench/scale.py [--sizes 1000 10000 100000] [--duration 15] [--connections 16]
                                    [--json figures.json] [--keep | --reuse DIR]

For each size, it builds a synthetic catalogue of realistic shape (bench/synthetic.py: varied
French texts, the real themes and publics, thousands of pilots and of partners shared with a
skewed distribution) in its own database of a throwaway PostgreSQL cluster, then VACUUM ANALYZE.
It serves it with gunicorn and gunicorn.conf.py in production settings, through bench.settings:
the catalogue's settings and URLs plus /bench/floor/, a trivial view behind the same middleware,
the framework's floor. wrk drives each page type on its own (home, list, theme page, search,
three filters combined, initiative page, CSV export of a theme, the floor) on loopback, after a
warm-up, sending `X-Forwarded-Proto: https` as the TLS-terminating proxy would; any status but
200 stops the run. The SQL floor of a page type is the SQL its pages run, captured in a Django
process with the same settings and replayed by pgbench with as many clients. The same data,
exported to SQLite with an FTS5 index, is then served by Datasette (its settings printed) and
measured alike on its equivalents of the theme page, the search and the CSV export.

Before its run, each page type's own time is taken too ("alone": the median of three requests
made one after the other, before anything is cached): under 16 connections a latency is mostly
the wait behind the others. The page types the catalogue caches per revision (all but the export
and the floor) are then requested once per address, one after the other, as a cache-warming
crawl would after a change ("primed": their mean and longest time), so that the measured run is
the steady state between two changes of the catalogue. After the runs, each page type is
requested three more times, each right after an edit made in SQL ("edited": the median), as
the first reader after an editor's change would be.
A page slower than the run completes no request there (shown as a dash); the queries of the
requests wrk leaves unanswered are cancelled after each run (Datasette is restarted), so that
they do not slow the next one.

It prints, for each size, each page's p50, p95, requests per second and ratios to both floors
(p50 / p50), then the comparison with Datasette (ours / Datasette), then the targets: from the
smallest size to the largest no page's p95 more than doubles; at 100,000, list and initiative
pages under 50 ms at p95 and searches under 100 ms; no page but the export over 300 ms right
after an edit; every page at least as fast as Datasette's equivalent. --json writes every
figure. --keep keeps the cluster and the SQLite files and says where; --reuse DIR measures
them again without rebuilding.

Needs wrk (Debian's package), PostgreSQL's pgbench, and the `bench` extra (Datasette).
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import synthetic, wrk  # noqa: E402
from bench.load import report_errors  # noqa: E402
from tests.harness import (  # noqa: E402
    Gunicorn,
    ThrowawayCluster,
    free_port,
    manage,
    production_environment,
)

SEED = 0.42
TEMPLATE = "scale_template"
# Page types, in the order measured and printed.
PAGES = ["home", "list", "theme", "search", "filters", "initiative", "export", "floor"]
# Typed searches: single words and two words, common and rare.
SEARCHES = [
    "logement", "emploi", "apprentissage du français", "santé mentale", "mineurs", "bénévoles",
    "hébergement", "formation professionnelle", "insertion", "parrainage", "accès aux droits",
    "jeunes", "femmes", "culture", "sport", "interprétariat", "réfugiés statutaires",
    "bail glissant", "accompagnement social", "demandeurs d'asile", "scolarisation", "mobilité",
    "permis de conduire", "soins", "service civique", "citoyenneté", "numérique", "familles",
    "asile", "OFII",
]  # fmt: skip
INITIATIVE_PAGES = 300  # initiative pages drawn at random
SQL_SCRIPTS = 10  # pages of a type whose SQL pgbench replays (it takes at most 128 scripts)
# Headers the middleware adds: the floor must carry them as the pages do.
MIDDLEWARE_HEADERS = [
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
]
# Targets: p95 at 100,000 initiatives, in ms.
# No page (but the export, which grows with its rows) over this alone right after an edit.
AFTER_EDIT_TARGET = 300
P95_TARGETS = {
    "home": 50,
    "list": 50,
    "theme": 50,
    "filters": 50,
    "initiative": 50,
    "search": 100,
}
# Datasette's equivalents of our pages, and the facets of our lists.
DATASETTE_PAGES = ["theme", "search", "export"]
DATASETTE_FACETS = [
    ("_facet_array", "themes"),
    ("_facet_array", "publics"),
    ("_facet_array", "countries"),
    ("_facet_array", "regions"),
    ("_facet_array", "departments"),
    ("_facet", "status"),
    ("_facet", "pilot"),
    ("_facet_array", "partners"),
    ("_facet_array", "sources"),
]
# Datasette's defaults but these: the time limit of a query long enough for a CSV export's pages,
# pages of 20 rows as ours, and no facet suggestions (which our pages do not compute).
DATASETTE_SETTINGS = {
    "sql_time_limit_ms": "20000",
    "default_page_size": "20",
    "suggest_facets": "off",
}

PAGE_LUA = r"""
local paths = {%s}

function request()
  return wrk.format("GET", paths[math.random(#paths)], {["X-Forwarded-Proto"] = "https"})
end
"""


class BenchError(Exception):
    pass


def build(cluster: ThrowawayCluster, size: int, seed: float) -> dict[str, float]:
    """The database of `size` initiatives, from the migrated template; its figures."""
    dbname = f"scale_{size}"
    cluster.create_database(dbname, template=TEMPLATE)
    started = time.perf_counter()
    with cluster.connect(dbname, autocommit=True) as connection:
        synthetic.fill(psycopg.ClientCursor(connection), size, seed)
        filled = time.perf_counter()
        connection.execute("VACUUM ANALYZE")
    done = time.perf_counter()
    print(
        f"  built {size:,} initiatives in {done - started:.1f} s "
        f"(fill {filled - started:.1f} s, VACUUM ANALYZE {done - filled:.1f} s)",
        file=sys.stderr,
    )
    return {"fill_s": round(filled - started, 1), "vacuum_analyze_s": round(done - filled, 1)}


def scalar(connection: psycopg.Connection, query: str, params: Sequence[Any] = ()) -> Any:
    """The one value `query` returns."""
    row = connection.execute(query, params).fetchone()
    assert row is not None, query
    return row[0]


def describe(cluster: ThrowawayCluster, dbname: str) -> dict[str, Any]:
    """Row counts, and the share of initiatives each search matches (what its shape gives)."""
    tables = ["initiative", "initiativeplace", "organisation", "partnership", "contact", "result"]
    tables += ["citation"]
    with cluster.connect(dbname) as connection:
        counts = {
            table: scalar(connection, f"SELECT count(*) FROM initiatives_{table}")
            for table in [*tables, "searchword"]
        }
        top_partner = scalar(
            connection,
            "SELECT count(*) FROM initiatives_partnership WHERE role <> 'lead' "
            "GROUP BY organisation_id ORDER BY 1 DESC LIMIT 1",
        )
        matches = {
            search: scalar(
                connection,
                "SELECT count(*) FROM initiatives_initiative "
                "WHERE search_vector @@ websearch_to_tsquery('french_unaccent', %s)",
                [search],
            )
            for search in SEARCHES
        }
    total = counts["initiative"]
    shares = sorted(count / total for count in matches.values())
    print(
        "  rows: "
        + ", ".join(f"{table} {count:,}" for table, count in counts.items())
        + f"; the most shared partner is in {top_partner:,} initiatives",
        file=sys.stderr,
    )
    print(
        f"  searches match from {shares[0]:.1%} to {shares[-1]:.1%} of the initiatives "
        f"(median {shares[len(shares) // 2]:.1%}; logement {matches['logement'] / total:.1%})",
        file=sys.stderr,
    )
    return {"rows": counts, "most_shared_partner": top_partner, "search_matches": matches}


def page_paths(
    cluster: ThrowawayCluster, dbname: str
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The paths each page type rotates over, ours and Datasette's."""
    with cluster.connect(dbname) as connection:
        themes = connection.execute(
            "SELECT slug, name FROM initiatives_theme ORDER BY position"
        ).fetchall()
        details = connection.execute(
            "SELECT slug FROM initiatives_initiative WHERE is_published "
            "ORDER BY md5(slug) LIMIT %s",
            [INITIATIVE_PAGES],
        ).fetchall()
        # Theme, public and département combined: ten combinations spread from the most common
        # to the rarest that still has initiatives.
        combinations = connection.execute(
            """
            SELECT t.slug, p.slug, d.department_code, count(DISTINCT i.id)
            FROM initiatives_initiative AS i
            JOIN initiatives_initiative_themes AS it ON it.initiative_id = i.id
            JOIN initiatives_theme AS t ON t.id = it.theme_id
            JOIN initiatives_initiative_publics AS ip ON ip.initiative_id = i.id
            JOIN initiatives_targetpublic AS p ON p.id = ip.targetpublic_id
            JOIN initiatives_initiativeplace AS l ON l.initiative_id = i.id
            JOIN initiatives_place AS d ON d.id = l.place_id AND d.department_code <> ''
            WHERE i.is_published
            GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3
            """
        ).fetchall()
    step = max(1, len(combinations) // 10)
    ours = {
        "home": ["/"],
        "list": ["/initiatives/"],
        "theme": [f"/themes/{slug}/" for slug, _name in themes],
        "search": [f"/initiatives/?{urlencode({'q': search})}" for search in SEARCHES],
        "filters": [
            f"/initiatives/?{urlencode({'theme': theme, 'public': public, 'department': code})}"
            for theme, public, code, _count in combinations[::step][:10]
        ],
        "initiative": [f"/initiatives/{slug}/" for (slug,) in details],
        "export": [f"/initiatives/export.csv?{urlencode({'theme': slug})}" for slug, _ in themes],
        "floor": ["/bench/floor/"],
    }
    table = "/db/initiatives"
    theirs = {
        "theme": [
            f"{table}?{urlencode([('themes__arraycontains', name), *DATASETTE_FACETS])}"
            for _slug, name in themes
        ],
        "search": [f"{table}?{urlencode([('_search', s), *DATASETTE_FACETS])}" for s in SEARCHES],
        "export": [
            f"{table}.csv?{urlencode([('themes__arraycontains', name), ('_stream', 'on')])}"
            for _slug, name in themes
        ],
    }
    return ours, theirs


def run_wrk(wrk_path, port, paths, args, workdir, name, settle):
    """wrk on `paths` (one picked at random per request): a warm-up, then the measured run, each
    followed by `settle()`, which ends the requests wrk left unanswered. A page slower than the
    run completes no request: its latencies are then None."""
    script = workdir / f"{name}.lua"
    script.write_text(wrk.script(PAGE_LUA % wrk.lua_list(paths)))
    abandoned = 0
    for duration in (args.warmup, args.duration):
        command = [wrk_path, f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s"]
        command += ["--timeout", "120s", "-s", str(script), f"http://127.0.0.1:{port}"]
        figures = wrk.result(subprocess.run(command, capture_output=True, text=True))
        abandoned += settle() or 0
        statuses = {status: n for status, n in figures["statuses"].items() if status != "200"}
        errors = {kind: n for kind, n in figures["socket_errors"].items() if n}
        if statuses or errors:
            raise BenchError(
                f"{name}: statuses {figures['statuses']}, socket errors {figures['socket_errors']}"
            )
    completed = figures["requests"]
    latencies = {key: figures[key] if completed else None for key in ("p50_ms", "p95_ms", "p99_ms")}
    return {
        **latencies,
        "requests": completed,
        "rps": round(completed / (figures["duration_us"] / 1e6), 1),
        "abandoned": abandoned,
    }


def request_times(server, paths):
    """The time (ms) of each of `paths`, requested one after the other."""
    times = []
    for path in paths:
        started = time.perf_counter()
        server.request(path, timeout=600)
        times.append((time.perf_counter() - started) * 1000)
    return times


def alone(server, paths, count=3):
    """The median time of `count` requests made one after the other (ms): a page's own time."""
    times = request_times(server, [paths[number % len(paths)] for number in range(count)])
    return round(sorted(times)[count // 2], 1)


# The page types the catalogue caches whole per revision (initiatives/caching.py, cached_page):
# every public page; an export is streamed, validated but never kept.
CACHED_PAGES = ("home", "list", "theme", "search", "filters", "initiative")


def prime(server, paths):
    """Each address requested once, one after the other, as a cache-warming crawl would after a
    change: the measured run is then the steady state. The time each took (ms), mean and max."""
    times = request_times(server, list(dict.fromkeys(paths)))
    return {
        "primed": len(times),
        "primed_mean_ms": round(sum(times) / len(times), 1),
        "primed_max_ms": round(max(times), 1),
    }


def after_edits(server, cluster: ThrowawayCluster, dbname: str, paths, count=3) -> float:
    """The median time (ms) of `count` requests of `paths`, each right after an edit: a
    published initiative's title changed in SQL, as the admin would (the catalogue's revision
    moves, so nothing cached before is read)."""
    times = []
    for number in range(count):
        with cluster.connect(dbname, autocommit=True) as connection:
            connection.execute(
                "UPDATE initiatives_initiative SET title = title || ' ' "
                "WHERE id = (SELECT min(id) FROM initiatives_initiative WHERE is_published)"
            )
        times += request_times(server, [paths[number % len(paths)]])
    return round(sorted(times)[count // 2], 1)


def cancel_abandoned(cluster: ThrowawayCluster, dbname: str) -> int:
    """Cancel the queries still running for requests no one waits for; their number."""
    with cluster.connect(dbname, autocommit=True) as connection:
        query = (
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        running = [pid for (pid,) in connection.execute(query, [dbname])]
        for pid in running:
            connection.execute("SELECT pg_cancel_backend(%s)", [pid])
        deadline = time.monotonic() + 60
        while connection.execute(query, [dbname]).fetchall() and time.monotonic() < deadline:
            time.sleep(0.2)
    return len(running)


def capture_sql(environment, paths, workdir):
    """The SQL of each page, as pgbench scripts: {page type: [script path, …]}."""
    chosen = {}
    for page, page_list in paths.items():
        sample = list(page_list)
        random.Random(page).shuffle(sample)
        chosen[page] = sample[:SQL_SCRIPTS]
    request = workdir / "capture.json"
    request.write_text(json.dumps(chosen))
    out = workdir / "sql"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    subprocess.run(
        [sys.executable, __file__, "--capture", str(request), str(out)],
        env={**environment, "BENCH_NO_CACHE": "1"},
        cwd=ROOT,
        check=True,
    )
    scripts = {}
    for page in paths:
        found = sorted(out.glob(f"{page}-*.sql"))
        scripts[page] = [path for path in found if path.read_text().strip()]
    return scripts


def capture(request_path, out):
    """In a process with the benchmark's settings and no cache: run each page, recording each
    statement as PostgreSQL receives it. That is the SQL a page needs when nothing is cached."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    import catalogue.settings as catalogue_settings

    if settings.MIDDLEWARE != catalogue_settings.MIDDLEWARE:
        sys.exit("bench.settings does not have the catalogue's middleware")
    client = Client(HTTP_HOST="127.0.0.1")

    def get(path):
        response = client.get(path, secure=True)
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}")
        # An export has run its query when it answers (the cursor is read in chunks after).
        response.close()

    statements = []

    def record(execute, sql, params, many, context):
        # compose_sql is PostgreSQL's own.
        statements.append(sql if params is None else connection.ops.compose_sql(sql, params))  # type: ignore[attr-defined]
        return execute(sql, params, many, context)

    get("/")  # the connection and what is loaded once per process
    for page, paths in json.loads(Path(request_path).read_text()).items():
        for number, path in enumerate(paths):
            statements.clear()
            with connection.execute_wrapper(record):
                get(path)
            script = "".join(statement.rstrip().rstrip(";") + ";\n" for statement in statements)
            (Path(out) / f"{page}-{number:03d}.sql").write_text(script)


def run_pgbench(cluster, dbname, scripts, args, prefix):
    """pgbench replaying `scripts` (one picked at random per transaction) with as many clients
    as wrk has connections, after a warm-up; then with one client, for the SQL's own time."""
    command = [str(cluster.bindir / "pgbench"), "-n", "-h", str(cluster.socket_dir)]
    command += ["-U", cluster.owner]
    for script in scripts:
        command += ["-f", str(script)]
    clients = ["-c", str(args.connections), "-j", str(args.threads)]
    pgbench([*command, *clients], dbname, args.warmup)
    figures = pgbench([*command, *clients], dbname, args.duration, prefix)
    alone_figures = pgbench([*command, "-c", "1"], dbname, min(args.duration, 5), prefix)
    return {**figures, "alone_ms": alone_figures["p50_ms"], "scripts": len(scripts)}


def pgbench(command, dbname, duration, prefix=None):
    """One pgbench run (logged under `prefix`): latencies in ms, transactions per second."""
    options = ["-T", str(duration)]
    if prefix:
        for old in prefix.parent.glob(prefix.name + ".*"):
            old.unlink()
        options += ["--log", f"--log-prefix={prefix}"]
    started = time.monotonic()
    # pgbench lets the transactions under way at the end finish, and counts them.
    completed = subprocess.run([*command, *options, dbname], capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if completed.returncode != 0 or "error" in completed.stderr.lower():
        raise BenchError(f"pgbench failed:\n{completed.stdout}\n{completed.stderr}")
    if not prefix:
        return None
    latencies = sorted(
        int(line.split()[2]) / 1000
        for log in prefix.parent.glob(prefix.name + ".*")
        for line in log.read_text().splitlines()
    )
    if not latencies:
        raise BenchError(f"pgbench logged no transaction:\n{completed.stdout}")
    return {
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "transactions": len(latencies),
        "tps": round(len(latencies) / elapsed, 1),
    }


def percentile(ordered, percent):
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


# An initiative's related rows as a JSON array: (link table, its column, table, value, order,
# which links).
JSON_LISTS = [
    ("initiatives_initiative_themes", "theme_id", "initiatives_theme", "v.name", "v.position", ""),
    (
        "initiatives_initiative_publics",
        "targetpublic_id",
        "initiatives_targetpublic",
        "v.name",
        "v.position",
        "",
    ),
    (
        "initiatives_partnership",
        "organisation_id",
        "initiatives_organisation",
        "v.name",
        "l.position, v.name",
        "AND l.role <> 'lead'",
    ),
    ("initiatives_citation", "source_id", "initiatives_source", "v.title", "v.title", ""),
]
# The countries, regions and départements of an initiative's places, each once, as JSON arrays.
PLACE_LIST_SQL = (
    "coalesce((SELECT json_agg(DISTINCT v.{field}) FROM initiatives_initiativeplace AS l "
    "JOIN initiatives_place AS v ON v.id = l.place_id "
    "WHERE l.initiative_id = i.id AND v.{field} <> ''), '[]')::text"
)
JSON_LIST_SQL = (
    "coalesce((SELECT json_agg({value} ORDER BY {order}) FROM {link} AS l "
    "JOIN {table} AS v ON v.id = l.{column} WHERE l.initiative_id = i.id {which}), '[]')::text"
)
SQLITE_QUERY = """
SELECT i.id, i.slug, i.title, i.aim, i.description,
       (SELECT o.name FROM initiatives_partnership AS l
        JOIN initiatives_organisation AS o ON o.id = l.organisation_id
        WHERE l.initiative_id = i.id AND l.role = 'lead' ORDER BY l.position LIMIT 1),
       t.name, i.status, i.start_year, {places}, {lists}
FROM initiatives_initiative AS i
JOIN initiatives_theme AS t ON t.id = i.main_theme_id
WHERE i.is_published
ORDER BY i.id
""".format(
    places=", ".join(
        PLACE_LIST_SQL.format(field=field)
        for field in ("country", "region_name", "department_name")
    ),
    lists=",\n       ".join(
        JSON_LIST_SQL.format(
            link=link, column=column, table=table, value=value, order=order, which=which
        )
        for link, column, table, value, order, which in JSON_LISTS
    ),
)
SQLITE_SCHEMA = """
CREATE TABLE initiatives (
    id INTEGER PRIMARY KEY, slug TEXT, title TEXT, aim TEXT, description TEXT, pilot TEXT,
    main_theme TEXT, status TEXT, start_year INTEGER, countries TEXT, regions TEXT,
    departments TEXT, themes TEXT, publics TEXT, partners TEXT, sources TEXT
);
"""
SQLITE_INDEXES = """
CREATE INDEX initiatives_pilot ON initiatives (pilot);
CREATE INDEX initiatives_main_theme ON initiatives (main_theme);
CREATE INDEX initiatives_status ON initiatives (status);
CREATE VIRTUAL TABLE initiatives_fts USING fts5(
    title, aim, description, content="initiatives", content_rowid="id",
    tokenize="unicode61 remove_diacritics 2"
);
INSERT INTO initiatives_fts (initiatives_fts) VALUES ('rebuild');
ANALYZE;
"""


def export_sqlite(cluster: ThrowawayCluster, dbname: str, path: Path) -> float:
    """The published initiatives as one flat SQLite table (lists as JSON arrays), with an FTS5
    index over title, aim and description, and indexes on the faceted columns."""
    import sqlite3

    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    target = sqlite3.connect(path)
    target.executescript(SQLITE_SCHEMA)
    with cluster.connect(dbname) as source, source.cursor(name="export") as cursor:
        cursor.execute(SQLITE_QUERY)
        while rows := cursor.fetchmany(5000):
            target.executemany(f"INSERT INTO initiatives VALUES ({', '.join('?' * 16)})", rows)
    target.commit()
    target.executescript(SQLITE_INDEXES)
    target.commit()
    target.execute("VACUUM")
    target.close()
    (path.parent / "metadata.json").write_text(
        json.dumps(
            {
                "databases": {
                    path.stem: {
                        "tables": {"initiatives": {"fts_table": "initiatives_fts", "fts_pk": "id"}}
                    }
                }
            }
        )
    )
    seconds = time.perf_counter() - started
    print(f"  exported to SQLite in {seconds:.1f} s", file=sys.stderr)
    return round(seconds, 1)


class Datasette(Gunicorn):
    """`datasette serve` of one SQLite file on a loopback port (requested and stopped as gunicorn
    is). restart() ends the queries of requests no one waits for any more."""

    def __init__(self, path, log_path):
        self.port = free_port()
        self.log = open(log_path, "ab")  # closed in stop()
        self.command = [sys.executable, "-m", "datasette", "serve", str(path)]
        self.command += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.command += ["--metadata", str(path.parent / "metadata.json")]
        for name, value in DATASETTE_SETTINGS.items():
            self.command += ["--setting", name, value]
        self.start()

    def start(self):
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self.wait_until_serving()  # gunicorn's: until it answers at all
        except RuntimeError as error:
            raise BenchError(f"datasette did not start ({error}): see its log") from error

    def restart(self):
        self.process.kill()  # at once: a graceful stop would wait for the abandoned streams
        self.process.wait()
        self.start()


def check_datasette(datasette, paths):
    """Every path answers 200; the facets each list page shows or reports timed out."""
    facets = {}
    for page in ("theme", "search"):
        shown, timed_out = set(), set()
        for path in paths[page]:
            status, _headers, body = datasette.request(path, timeout=120)
            if status != 200:
                raise BenchError(f"datasette: {path} answered {status}")
            html = body.decode()
            shown |= set(
                re.findall(r'class="facet-info [^"]*" id="[^"]*" data-column="([^"]+)"', html)
            )
            match = re.search(r"These facets timed out: ([^<]*)<", html)
            if match:
                timed_out |= {name.strip() for name in match[1].split(",")}
        expected = {name for _kind, name in DATASETTE_FACETS}
        missing = expected - shown - timed_out
        if missing:
            raise BenchError(f"datasette {page}: facets neither shown nor timed out: {missing}")
        facets[page] = {"shown": sorted(shown), "timed_out": sorted(timed_out)}
    for path in paths["export"][:2]:
        status, _headers, body = datasette.request(path, timeout=300)
        if status != 200 or not body.startswith(b"id,"):
            raise BenchError(f"datasette: {path} answered {status}: {body[:200]!r}")
    return facets


def check_pages(server, paths):
    """Each page type answers 200; the floor carries the headers the middleware adds to pages."""
    for page_paths in paths.values():
        status = server.request(page_paths[0], timeout=600)[0]
        if status != 200:
            raise BenchError(f"{page_paths[0]} answered {status}")
    _status, page_headers, _body = server.request("/")
    _status, floor_headers, _body = server.request("/bench/floor/")
    different = [
        name
        for name in MIDDLEWARE_HEADERS
        if page_headers.get(name) != floor_headers.get(name) or name not in page_headers
    ]
    if different:
        raise BenchError(f"the floor's middleware headers differ from a page's: {different}")


def ratio(numerator, denominator, digits=1):
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, digits)


def prepare(
    figures: dict[str, Any], cluster: ThrowawayCluster, args: argparse.Namespace, workdir: Path
) -> tuple[str, Path]:
    """The database and the SQLite file of `figures["size"]` initiatives, built unless reused."""
    size = figures["size"]
    dbname = f"scale_{size}"
    sqlite_path = workdir / f"sqlite-{size}" / "db.db"
    if cluster.database_exists(dbname):
        print(f"  reusing the database {dbname}, migrated", file=sys.stderr)
        manage(
            production_environment(
                cluster.url(dbname), workdir, DJANGO_SETTINGS_MODULE="bench.settings"
            ),
            "migrate",
            "--no-input",
        )
        with cluster.connect(dbname, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    else:
        figures["build"] = build(cluster, size, args.seed)
    figures.update(describe(cluster, dbname))
    if sqlite_path.exists():
        print(f"  reusing {sqlite_path}", file=sys.stderr)
    else:
        figures.setdefault("build", {})["sqlite_s"] = export_sqlite(cluster, dbname, sqlite_path)
    return dbname, sqlite_path


def measure_ours(
    cluster: ThrowawayCluster,
    dbname: str,
    paths: dict[str, list[str]],
    args: argparse.Namespace,
    wrk_path: str,
    workdir: Path,
) -> dict[str, dict[str, Any]]:
    """Each page type under wrk, then the SQL each runs under pgbench."""
    environment = production_environment(
        cluster.url(dbname),
        workdir,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="bench.settings",
        # An empty cache for each run: what the warm-up fills is all the pages find.
        CACHE_DIR=tempfile.mkdtemp(prefix=f"cache-{dbname}-", dir=workdir),
    )
    scripts = capture_sql(environment, {p: paths[p] for p in PAGES if p != "floor"}, workdir)
    workers = {"WEB_CONCURRENCY": str(args.workers)} if args.workers else {}
    log = workdir / f"gunicorn-{dbname}.log"
    server = Gunicorn(environment, log, **workers)
    pages = {}
    try:
        server.wait_until_serving()
        check_pages(server, paths)
        for page in PAGES:
            print(f"  wrk: {page}", file=sys.stderr)
            alone_ms = alone(server, paths[page])
            primed = prime(server, paths[page]) if page in CACHED_PAGES else {}
            pages[page] = {
                "alone_ms": alone_ms,
                **primed,
                **run_wrk(
                    wrk_path,
                    server.port,
                    paths[page],
                    args,
                    workdir,
                    f"{page}-{dbname}",
                    lambda: cancel_abandoned(cluster, dbname),
                ),
            }
        for page in PAGES:
            if page != "floor":
                pages[page]["after_edit_ms"] = after_edits(server, cluster, dbname, paths[page])
    finally:
        server.stop()
        report_errors(log.read_text(errors="replace"))
    abandoned = sum(page["abandoned"] for page in pages.values())
    if abandoned:
        print(f"  ({abandoned} queries of unanswered requests cancelled)", file=sys.stderr)
    for page, page_scripts in scripts.items():
        if page_scripts:
            print(f"  pgbench: {page}", file=sys.stderr)
            prefix = workdir / f"pgbench-{dbname}-{page}"
            pages[page]["sql"] = run_pgbench(cluster, dbname, page_scripts, args, prefix)
    for figures in pages.values():
        figures["floor_ratio"] = ratio(figures["p50_ms"], pages["floor"]["p50_ms"])
        figures["sql_ratio"] = ratio(figures["p50_ms"], figures.get("sql", {}).get("p50_ms"))
        sql_alone = figures.get("sql", {}).get("alone_ms")
        figures["sql_alone_ratio"] = ratio(figures["alone_ms"], sql_alone)
    return pages


def measure_datasette(sqlite_path, paths, pages, args, wrk_path, workdir):
    """Datasette's equivalents of our pages under wrk, and how ours compare."""
    datasette = Datasette(sqlite_path, workdir / f"datasette-{sqlite_path.parent.name}.log")
    compared = {}
    try:
        facets = check_datasette(datasette, paths)
        for page in DATASETTE_PAGES:
            print(f"  wrk: datasette {page}", file=sys.stderr)
            run = {
                "alone_ms": alone(datasette, paths[page]),
                **run_wrk(
                    wrk_path,
                    datasette.port,
                    paths[page],
                    args,
                    workdir,
                    f"datasette-{page}-{sqlite_path.parent.name}",
                    datasette.restart,
                ),
            }
            run["ratio_p50"] = ratio(pages[page]["p50_ms"], run["p50_ms"], 2)
            run["ratio_p95"] = ratio(pages[page]["p95_ms"], run["p95_ms"], 2)
            compared[page] = run
    finally:
        datasette.stop()
    return compared, facets


def measure(
    figures: dict[str, Any],
    cluster: ThrowawayCluster,
    args: argparse.Namespace,
    wrk_path: str,
    workdir: Path,
) -> None:
    """Fill `figures` (of one size) as the measures come, printing each table when complete."""
    dbname, sqlite_path = prepare(figures, cluster, args, workdir)
    ours, theirs = page_paths(cluster, dbname)
    figures["load_average_before"] = os.getloadavg()
    figures["pages"] = measure_ours(cluster, dbname, ours, args, wrk_path, workdir)
    print_ours(figures, args)
    figures["datasette"], figures["datasette_facets"] = measure_datasette(
        sqlite_path, theirs, figures["pages"], args, wrk_path, workdir
    )
    print_datasette(figures)


def table(columns, rows):
    """Rows (a label, then figures or None) under `columns`, each (title, width, decimals)."""
    (title, width, _), *figures = columns
    print(f"{title:<{width}} " + " ".join(f"{title:>{w}}" for title, w, _ in figures))
    for label, *values in rows:
        cells = [
            f"{value:>{w}.{digits}f}" if value is not None else f"{'—':>{w}}"
            for value, (_, w, digits) in zip(values, figures, strict=True)
        ]
        print(f"{label:<{width}} " + " ".join(cells))


def print_ours(figures, args):
    print(f"\n{figures['size']:,} initiatives")
    if "build" in figures:
        parts = [f"{name[:-2].replace('_', ' ')} {s} s" for name, s in figures["build"].items()]
        print("built in: " + ", ".join(parts))
    columns = [("", 11, 0), ("alone", 8, 1), ("p50", 8, 1), ("p95", 8, 1), ("req/s", 7, 1)]
    columns += [("÷ floor", 8, 1), ("SQL alone", 9, 1), ("SQL p50", 8, 1), ("SQL p95", 8, 1)]
    columns += [("÷ SQL", 6, 1), ("alone ÷", 8, 1), ("edited", 8, 1)]
    rows = []
    for page in PAGES:
        row, sql_figures = figures["pages"][page], figures["pages"][page].get("sql", {})
        rows.append(
            (page, row["alone_ms"], row["p50_ms"], row["p95_ms"], row["rps"], row["floor_ratio"])
            + tuple(sql_figures.get(key) for key in ("alone_ms", "p50_ms", "p95_ms"))
            + (row["sql_ratio"], row["sql_alone_ratio"], row.get("after_edit_ms"))
        )
    table(columns, rows)
    print(
        "(ms; alone: one request at a time; ÷ floor, ÷ SQL: p50 over the floor's p50, over the "
        f"SQL's p50 with {args.connections} clients; alone ÷: alone over SQL alone; edited: "
        "alone, each request right after an edit)"
    )
    slow = [page for page in PAGES if figures["pages"][page]["p50_ms"] is None]
    if slow:
        print(f"no request completed within {args.duration} s: {', '.join(slow)}")
    sys.stdout.flush()


def print_datasette(figures):
    settings = ", ".join(f"{name} {value}" for name, value in DATASETTE_SETTINGS.items())
    print(f"\nDatasette ({settings}); ×: ours / Datasette's")
    columns = [("", 11, 0), ("alone", 8, 1), ("its p50", 8, 1), ("its p95", 8, 1)]
    columns += [("req/s", 7, 1), ("our p50", 8, 1), ("our p95", 8, 1), ("p50 ×", 6, 2)]
    columns += [("p95 ×", 6, 2)]
    rows = []
    for page, run in figures["datasette"].items():
        ours = figures["pages"][page]
        rows.append(
            (page, run["alone_ms"], run["p50_ms"], run["p95_ms"], run["rps"], ours["p50_ms"])
            + (ours["p95_ms"], run["ratio_p50"], run["ratio_p95"])
        )
    table(columns, rows)
    for page, facets in figures["datasette_facets"].items():
        if facets["timed_out"]:
            print(
                f"Datasette {page}: facets timed out (facet_time_limit_ms 200) on some pages: "
                + ", ".join(facets["timed_out"])
            )
    sys.stdout.flush()


def evaluate(results, args):
    """The targets, each (description, passed). A page that completed no request misses."""
    sizes = sorted(results)
    smallest, largest = sizes[0], sizes[-1]
    never = f"no request completed within {args.duration} s"
    verdicts = []
    if len(sizes) > 1:
        for page in PAGES:
            before = results[smallest]["pages"][page]["p95_ms"]
            after = results[largest]["pages"][page]["p95_ms"]
            note = " (its CSV grows with the data)" if page == "export" else ""
            growth = ratio(after, before, 2)
            shown = f"×{growth:.2f}" if growth is not None else never
            verdicts.append(
                (
                    f"{page}: p95 from {smallest:,} to {largest:,}: {shown} (at most ×2){note}",
                    growth is not None and growth <= 2,
                )
            )
    at = results[largest]
    for page, target in P95_TARGETS.items():
        p95 = at["pages"][page]["p95_ms"]
        shown = f"{p95:.1f} ms" if p95 is not None else never
        verdicts.append(
            (
                f"{page}: p95 at {largest:,}: {shown} (under {target} ms)",
                p95 is not None and p95 < target,
            )
        )
    for page in PAGES:
        edited = at["pages"][page].get("after_edit_ms")
        if edited is not None and page != "export":
            verdicts.append(
                (
                    f"{page}: alone right after an edit at {largest:,}: {edited:.1f} ms "
                    f"(under {AFTER_EDIT_TARGET} ms)",
                    edited < AFTER_EDIT_TARGET,
                )
            )
    for page, run in at["datasette"].items():
        ratios = (run["ratio_p50"], run["ratio_p95"])
        ours_done = at["pages"][page]["p50_ms"] is not None
        if None not in ratios:
            shown, met = f"p50 ×{ratios[0]:.2f}, p95 ×{ratios[1]:.2f}", max(ratios) <= 1
        elif ours_done:  # Datasette completed no request: ours is faster, by how much unknown
            shown, met = "Datasette completed no request, ours did", True
        else:
            shown, met = f"neither completed a request ({never})", False
        verdicts.append((f"{page}: ours / Datasette's at {largest:,}: {shown} (at most ×1)", met))
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--duration", type=int, default=15, help="seconds per run (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds before each (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="(default 16)")
    parser.add_argument("--threads", type=int, default=2, help="of wrk and pgbench (default 2)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: its config's)")
    parser.add_argument("--seed", type=float, default=SEED, help="of the synthetic data")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    keeping = parser.add_mutually_exclusive_group()
    keeping.add_argument("--keep", action="store_true", help="keep the databases, say where")
    keeping.add_argument("--reuse", type=Path, metavar="DIR", help="a folder --keep left")
    parser.add_argument("--capture", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.capture:
        capture(*args.capture)
        return

    wrk_path = wrk.find_wrk()
    cluster: ThrowawayCluster
    if args.reuse:
        workdir = args.reuse.resolve()
        cluster = ThrowawayCluster(Path((workdir / "cluster-root").read_text().strip()))
    else:
        workdir = Path(tempfile.mkdtemp(prefix="catalogue-scale-"))
        cluster = ThrowawayCluster()
        (workdir / "cluster-root").write_text(str(cluster.root))
    keep = args.keep or args.reuse
    results: dict[int, dict[str, Any]] = {}
    failure: str | None = "interrupted"
    try:
        cluster.start()
        if not cluster.database_exists(TEMPLATE):
            print("Migrating the template database", file=sys.stderr)
            cluster.create_database(TEMPLATE)
        environment = production_environment(
            cluster.url(TEMPLATE), workdir, DJANGO_SETTINGS_MODULE="bench.settings"
        )
        manage(environment, "migrate", "--no-input")
        manage(environment, "collectstatic", "--no-input")
        for size in args.sizes:
            print(f"{size:,} initiatives", file=sys.stderr)
            results[size] = {"size": size}
            measure(results[size], cluster, args, wrk_path, workdir)
        failure = None
    except BenchError as error:
        failure = f"FAILED: {error}"
    finally:
        if keep:
            if cluster.is_running():
                cluster.stop()
            print(
                f"Kept in {workdir} (cluster in {cluster.root}); measure again with --reuse "
                f"{workdir}",
                file=sys.stderr,
            )
        else:
            cluster.destroy()
            shutil.rmtree(workdir, ignore_errors=True)
        report(results, args, failure)
    if failure:
        sys.exit(failure)


def report(results, args, failure):
    """The targets, over the sizes measured in full; --json gets every figure, even partial."""
    complete = {size: figures for size, figures in results.items() if "datasette" in figures}
    verdicts = evaluate(complete, args) if complete else []
    if verdicts:
        print("\nTargets")
    for description, passed in verdicts:
        print(f"  {'met   ' if passed else 'MISSED'} {description}")
    if args.json:
        document = {
            "machine": {"cores": os.cpu_count()},
            "settings": {
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "connections": args.connections,
                "threads": args.threads,
                "workers": args.workers or "gunicorn.conf.py",
                "seed": args.seed,
                "datasette": DATASETTE_SETTINGS,
            },
            "failure": failure,
            "sizes": results,
            "targets": [{"target": d, "met": passed} for d, passed in verdicts],
        }
        args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
