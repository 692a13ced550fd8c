"""The catalogue's settings, with bench/urls.py as URLconf: the same pages and middleware, plus
a floor page (bench/scale.py). Only for benchmarks."""

from catalogue.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
