"""Which database a query goes to when a streaming replica is configured (DATABASE_REPLICA_URL).

The public pages read from the replica: they only read, and a replica a little behind shows what
the catalogue held a moment ago, under that moment's revision (cached pages included). Writes go to
the primary, and so does every request that may write or must see its own writes: the admin,
any method but GET and HEAD, any request carrying a session (a signed-in editor reading the site),
and every query of a request after its first write.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponseBase

REPLICA = "replica"

# Whether the queries of the request being served may read from the replica.
reads_from_replica: ContextVar[bool] = ContextVar("reads_from_replica", default=False)


class ReplicaRouter:
    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        return REPLICA if reads_from_replica.get() else None

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str | None:
        reads_from_replica.set(False)  # what follows reads what was written
        return None

    def allow_relation(self, first: models.Model, second: models.Model, **hints: Any) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


class ReplicaMiddleware:
    """Lets the public reads of a request go to the replica (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.admin_path = f"/{settings.ADMIN_URL}"

    def may_read_replica(self, request: HttpRequest) -> bool:
        return (
            request.method in {"GET", "HEAD"}
            and not request.path_info.startswith(self.admin_path)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = reads_from_replica.set(self.may_read_replica(request))
        try:
            return self.get_response(request)
        finally:
            reads_from_replica.reset(token)
