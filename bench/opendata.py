"""Open-data benchmark: the API's list and the open-data dumps at scale, time and peak memory.

    .venv/bin/python bench/opendata.py [--sizes 1000 100000] [--total 100000]

It fills a scratch database as bench/export.py does (--total synthetic initiatives, a source
`bench-<size>` citing the first <size> published ones), then, in a fresh process each, requests:
the API's list (`/api/v1/initiatives/`, its first and its last page, a search) over the whole
catalogue, as the list page is measured; for each size, the spreadsheet
(`/initiatives/export.xlsx?source=bench-<size>`) and the partnerships' and contacts' tables; and
the data·inclusion and HSDS services of the whole catalogue. It prints seconds and peak memory
growth. Targets: the API's list within the list page's (bench/RESULTS.md); memory of each dump
grows by less than 50 MB from the smallest size to the largest.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.export import prepare, server_settings  # noqa: E402
from tests.harness import scratch_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# A benchmark is one client asking many times.
os.environ.setdefault("API_THROTTLE_RATE", "100000/minute")


def measure(url: str) -> None:
    """Run in a fresh process: request `url`, read its whole body, report its size, seconds
    and peak memory growth."""
    import django

    django.setup()
    from django.http import StreamingHttpResponse
    from django.test import Client

    client = Client()
    client.get("/api/v1/themes/")  # warm up imports and the connection
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get(url)
    # Counted as read, not kept: what grows is the response's own memory.
    if isinstance(response, StreamingHttpResponse):
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert response.status_code == 200, (url, response.status_code)
    print(json.dumps({"bytes": size, "seconds": elapsed, "memory_growth_kb": peak - baseline}))


def run(url: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", url],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    growth = figures["memory_growth_kb"] / 1024
    print(f"{url:<60} {figures['bytes']:>12,} B {figures['seconds']:>8.2f} s {growth:>8.1f} MB")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return

    settings = server_settings()
    with scratch_database(settings, f"{settings['NAME']}_bench") as url:
        os.environ["DATABASE_URL"] = url
        prepare(args.sizes, args.total)
        last_page = (args.total + 19) // 20
        for path in (
            "/api/v1/initiatives/",
            f"/api/v1/initiatives/?page={last_page // 2}",
            "/api/v1/initiatives/?q=logement",
            "/initiatives/?q=logement",
        ):
            run(path)
        for size in args.sizes:
            for path in (
                "/initiatives/export.xlsx",
                "/initiatives/partnerships.csv",
                "/initiatives/contacts.csv",
            ):
                run(f"{path}?source=bench-{size}")
        for path in ("data-inclusion/services.json", "hsds/services.json"):
            run(f"/open-data/{path}")


if __name__ == "__main__":
    main()
