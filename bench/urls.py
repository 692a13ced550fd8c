"""The catalogue's URLs, plus /bench/floor/: a trivial view through the same middleware and URL
resolution, the framework's floor for bench/scale.py. Only for benchmarks (bench.settings)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from catalogue.urls import handler500
from catalogue.urls import urlpatterns as catalogue_urlpatterns
from initiatives.urls import read_only

__all__ = ["handler500", "urlpatterns"]


def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")


# Last, so that the catalogue's own pages resolve exactly as they do under catalogue.urls.
urlpatterns = [*catalogue_urlpatterns, path("bench/floor/", read_only(floor), name="bench-floor")]
