"""The catalogue's settings, with bench/urls.py as URLconf: the same pages and middleware, plus
a floor page (bench/scale.py). Only for benchmarks."""

import os

from catalogue.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The SQL a page needs is recorded with nothing cached (bench/scale.py, capture).
if os.environ.get("BENCH_NO_CACHE"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
