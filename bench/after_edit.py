"""Each public page type alone right after an edit: what the first reader after an editor's
change waits for.

    .venv/bin/python bench/after_edit.py --database-url postgres://…/scale_copy [--rounds 5]

Serves the existing, migrated database of --database-url (say a copy of bench/scale.py's
100,000 initiatives) with gunicorn and gunicorn.conf.py in production settings on 127.0.0.1,
the addresses of bench/pages.py. Every address the rounds ask for is first requested three
times, so that each worker has read the catalogue once and each page has been asked for before
the edit (what a process does once in its life, and a page never asked for costs once, timed
apart as « first reads »). Then, --rounds times for each page type: a published initiative's
title is changed in SQL, as the admin would (the catalogue's revision moves, every kept page
and count is of the former revision), the time a process may hold the former revision passes,
and one of the page type's addresses is requested alone. It prints each page type's median and
longest time, against the target: none over 300 ms. Then, alone, searches for words no page
asked for before (the next --new-searches of bench/scale.py's): what a search never asked for
costs its first reader (its matches ranked whole), against the scale benchmark's 100 ms.
Writes to the database: the titles it changes get a space at their end.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench import scale  # noqa: E402
from bench.pages import page_paths  # noqa: E402
from tests.harness import Gunicorn, manage, production_environment  # noqa: E402

TARGET_MS = 300
# A process holds the revision it read for up to a second (initiatives.caching's
# REVISION_HOLD_SECONDS): a page requested sooner after an edit may be the former one, at once.
HOLD_SECONDS = 1.2
EDIT = (
    "UPDATE initiatives_initiative SET title = title || ' ' "
    "WHERE id = (SELECT min(id) FROM initiatives_initiative WHERE is_published)"
)


def timed(server: Gunicorn, path: str) -> float:
    started = time.perf_counter()
    status, _headers, _body = server.request(
        path, headers={"X-Forwarded-Proto": "https"}, timeout=600
    )
    assert status == 200, (path, status)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--new-searches", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="catalogue-after-edit-"))
    environment = production_environment(args.database_url, workdir, DATABASE_STATEMENT_TIMEOUT="0")
    manage(environment, "collectstatic", "--no-input")
    paths = page_paths(args.database_url)
    load_before = os.getloadavg()
    first: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in paths}
    # The addresses the rounds request, each asked for before the edits: what an edit costs
    # its first reader, not what a page never asked for costs (bench/scale.py's "alone").
    asked = {
        name: [addresses[number % len(addresses)] for number in range(args.rounds)]
        for name, addresses in paths.items()
    }
    with Gunicorn(environment, workdir / "gunicorn.log") as server:
        for _ in range(3):  # each worker reads the catalogue once
            for addresses in asked.values():
                for address in dict.fromkeys(addresses):
                    first.append(timed(server, address))
        with psycopg.connect(args.database_url, autocommit=True) as connection:
            for number in range(args.rounds):
                for name in paths:
                    connection.execute(EDIT)
                    time.sleep(HOLD_SECONDS)
                    times[name].append(timed(server, asked[name][number]))
        searches = {word: f"/initiatives/?{urlencode({'q': word})}" for word in scale.SEARCHES}
        new_searches = [
            (word, address) for word, address in searches.items() if address not in asked["search"]
        ][: args.new_searches]
        never_asked = [(word, timed(server, address)) for word, address in new_searches]
    load_after = os.getloadavg()
    print(
        f"\n{args.rounds} rounds; load average before {load_before[0]:.1f}, "
        f"after {load_after[0]:.1f}"
    )
    print(
        f"first reads (each address, three times, as workers start): longest {max(first):.0f} ms\n"
    )
    print("| page | median ms | longest ms | under 300 ms |")
    print("| --- | ---: | ---: | --- |")
    missed = []
    for name, measured in times.items():
        median, longest = statistics.median(measured), max(measured)
        met = longest < TARGET_MS
        if not met:
            missed.append(name)
        print(f"| {name} | {median:.0f} | {longest:.0f} | {'yes' if met else 'no'} |")
    print(f"\nmissed: {', '.join(missed)}" if missed else "\nevery page type under 300 ms")
    if never_asked:
        print("\n| search never asked for | ms |\n| --- | ---: |")
        for word, elapsed in never_asked:
            print(f"| {word} | {elapsed:.0f} |")
        spent = [elapsed for _, elapsed in never_asked]
        print(f"\nmedian {statistics.median(spent):.0f} ms, longest {max(spent):.0f} ms")


if __name__ == "__main__":
    main()
