import sys

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from initiatives.caching import cache_works

from .middleware import DATABASE_ERRORS, RETRY_AFTER_SECONDS, database_unavailable, watchdog

# A load balancer's probe waits a few seconds at most: a database slower than this is down.
HEALTH_CHECK_SECONDS = 3


@csrf_exempt
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """{"database": "ok", "cache": …} with a 200, or {"database": "down"} with a 503.

    The cache is "ok" or "unavailable": pages are served without it (slower), so the node stays
    in service, and the figure tells why it is slow."""
    try:
        with watchdog.bounded(HEALTH_CHECK_SECONDS), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        response = JsonResponse({"database": "down"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse({"database": "ok", "cache": "ok" if cache_works() else "unavailable"})


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, or the 503 page when the error is the database being unreachable."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return database_unavailable(request, error)
    return defaults.server_error(request)
