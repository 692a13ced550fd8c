"""wrk, the HTTP load generator, driven from Python (bench/load.py, bench/scale.py).

A script is a Lua body that defines request(), followed by REPORT: every thread counts the
statuses it got, and done() prints one line, `RESULT {…}`, with the requests, the duration, the
statuses, the socket errors and the latency percentiles, which `result()` reads.
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from typing import Any

PRELUDE = "threads = {}\n"
REPORT = r"""
statuses = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + tonumber(tostring({}):sub(8), 16))
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[tostring(status)] = (counts[tostring(status)] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, string.format('"%s": %d', status, n)) end
  local e = summary.errors
  io.write("RESULT {",
    string.format('"requests": %d, "duration_us": %d, ', summary.requests, summary.duration),
    string.format('"statuses": {%s}, ', table.concat(parts, ", ")),
    string.format('"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ',
                  e.connect, e.read, e.write, e.timeout),
    string.format('"p50_ms": %.2f, "p95_ms": %.2f, ',
                  latency:percentile(50) / 1000, latency:percentile(95) / 1000),
    string.format('"p99_ms": %.2f, "max_ms": %.2f',
                  latency:percentile(99) / 1000, latency.max / 1000),
    "}\n")
end
"""


def script(body: str) -> str:
    """A wrk script: `body` (which defines request()) with the counting and the report."""
    return PRELUDE + body + REPORT


def lua_list(paths: Iterable[str]) -> str:
    """A Lua table's items: the paths as JSON strings, which Lua reads alike (ASCII paths)."""
    return ", ".join(json.dumps(path) for path in paths)


def find_wrk() -> str:
    found = shutil.which("wrk")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk (Debian package)", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        found = shutil.which("wrk")
    if found is None:
        sys.exit("wrk is needed: apt-get install wrk")
    return found


def result(completed: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The figures of the RESULT line of a finished wrk (a CompletedProcess), or exit."""
    line = next((row for row in completed.stdout.splitlines() if row.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk gave no result:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(line.removeprefix("RESULT "))
