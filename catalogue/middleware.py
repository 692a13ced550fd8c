"""What the site answers when PostgreSQL cannot be reached."""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
    """503 with a static page: rendering it needs neither the database nor the request."""
    logger.warning("Database unavailable for %s: %s", request.path, error)
    return HttpResponse(
        render_to_string("503.html"),
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
    )


class HealthCheckMiddleware:
    """Answers /healthz before any middleware below reads the Host header: a load balancer
    probes each node by its address, which ALLOWED_HOSTS need not list. The answer says only
    whether the database is up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from .views import healthz

        self.get_response = get_response
        self.healthz = healthz

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return self.healthz(request)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Turns a database connection failure in a view into a 503 instead of a 500.

    Failures raised by other middleware (a session read, say) reach the 500 handler instead,
    `catalogue.views.server_error`, which answers the same 503.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request, exception)
        return None
