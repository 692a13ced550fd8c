"""The catalogue's benchmarks (RESULTS.md). A package, so that gunicorn can load bench.settings."""
