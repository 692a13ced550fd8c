"""What the site answers when PostgreSQL cannot be reached."""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


class Watchdog:
    """Cuts the database connections of a request still waiting after its time is up.

    PostgreSQL's statement_timeout is enforced by the server: a paused server (stopped, frozen,
    its host unresponsive) enforces nothing, and the kernel keeps the connection open, so a
    query would wait until gunicorn kills the worker. A thread of each process checks the
    deadlines and shuts the sockets of the late ones down: the waiting query then fails at once
    with an OperationalError, answered 503, and the connection is replaced on the next request.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.deadlines: dict[object, tuple[float, list[BaseDatabaseWrapper]]] = {}
        self.thread: threading.Thread | None = None

    @contextmanager
    def bounded(self, seconds: float) -> Iterator[None]:
        """Within this block, this thread's database connections are cut after `seconds`."""
        key = object()
        with self.lock:
            self.deadlines[key] = (time.monotonic() + seconds, list(connections.all()))
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self.run, name="db-watchdog", daemon=True)
                self.thread.start()
        try:
            yield
        finally:
            with self.lock:
                self.deadlines.pop(key, None)

    def run(self) -> None:
        while True:
            time.sleep(0.2)
            now = time.monotonic()
            with self.lock:
                late = [key for key, (deadline, _) in self.deadlines.items() if deadline < now]
                expired = [self.deadlines.pop(key)[1] for key in late]
            for wrappers in expired:
                for wrapper in wrappers:
                    cut(wrapper)


def cut(wrapper: BaseDatabaseWrapper) -> None:
    """Shuts the socket of `wrapper`'s connection down, if it has one."""
    try:
        descriptor = wrapper.connection.pgconn.socket
    except Exception:  # no connection, or one already closed
        return
    logger.warning("Database %s unresponsive: its connection is cut.", wrapper.alias)
    with socket.socket(fileno=os.dup(descriptor)) as duplicate:
        try:
            duplicate.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


watchdog = Watchdog()


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
    whether the database is up and whether the cache works (catalogue.views.healthz)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from .views import healthz

        self.get_response = get_response
        self.healthz = healthz

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return self.healthz(request)
        return self.get_response(request)


class CachedPageMiddleware:
    """Answers a reader's request for a public page the cache keeps, or its revalidation (304),
    before the session, language, CSRF, authentication, messages and history middleware below,
    with the headers they would have given it (initiatives.caching.kept_page). Requests that may
    see something else go on through the whole stack: any method but GET and HEAD, the admin's
    addresses, and any request with a session cookie (a signed-in editor)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        from initiatives.caching import kept_page

        self.get_response = get_response
        self.kept_page = kept_page
        self.admin_path = f"/{settings.ADMIN_URL}"

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            request.method in {"GET", "HEAD"}
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path_info.startswith(self.admin_path)
        ):
            answer = self.kept_page(request)
            if answer is not None:
                return answer
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Turns a database connection failure in a view into a 503 instead of a 500.

    Failures raised by other middleware (a session read, say) reach the 500 handler instead,
    `catalogue.views.server_error`, which answers the same 503.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The response's body (a streamed export) is read afterwards, without this bound.
        with watchdog.bounded(settings.DATABASE_REQUEST_TIMEOUT):
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request, exception)
        return None
