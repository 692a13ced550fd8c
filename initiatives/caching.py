"""What is cached, under which key and for how long: whole public pages (`cached_page`), and
figures computed over many initiatives that several pages share (the home page's counts, the
filters' choices and counts, a list's count, the correction of a search), kept until the
catalogue changes.

Every write to one of REVISION_TABLES gives the catalogue a new revision key (database triggers,
see CatalogueRevision), read once per request, and a value is cached under the key it was
computed at: a change makes every older value unreachable at once, in every process, whatever
wrote it (the admin, a fixture load, a restore, SQL by hand). Without a revision nothing is
cached, and a list caches nothing while one of its parameters is invalid: the page then shows
the error, not the list.

A reader's request for a page already kept, or its revalidation, is answered before most of the
middleware (`kept_page`, from catalogue.middleware.CachedPageMiddleware), under the revision
its process read at most REVISION_HOLD_SECONDS ago (`HeldRevision`): an edit shows there within
that time, at once in the process that made it.

The cache is an accelerator, never a dependency: when it fails (a full or unwritable folder, a
Redis server gone), pages are computed as if nothing were cached, a warning is logged, and
/healthz says so.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Hashable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import connection, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.template.response import SimpleTemplateResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.functional import cached_property
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language, get_language_from_path

from .models import CatalogueRevision, Place, Revision, current_year

if TYPE_CHECKING:
    from .bitmaps import FilterBitmaps
    from .filters import InitiativeFilter
    from .models import InitiativeQuerySet
    from .search import Search

T = TypeVar("T")

# Values of older revisions are never read again; the cache drops them as it fills up.
CACHE_TIMEOUT = 24 * 60 * 60

# The tables whose rows the cached values count or name: after each statement that writes to
# one of them, a trigger gives the catalogue a new revision (migrations 0008, 0011, 0016 and 0017;
# tests/test_caching.py checks the database's triggers against this list).
REVISION_TABLES = (
    "initiatives_initiative",
    "initiatives_initiative_themes",
    "initiatives_initiative_publics",
    "initiatives_partnership",
    "initiatives_citation",
    "initiatives_theme",
    "initiatives_targetpublic",
    "initiatives_organisation",
    "initiatives_source",
    "initiatives_acronym",
    "initiatives_initiativeplace",
    "initiatives_place",
    "initiatives_thesaurusentry",
    "initiatives_result",
    "initiatives_contact",
)

logger = logging.getLogger(__name__)

# A failing cache is reported at most once a minute per process, not once per request.
WARNING_INTERVAL = 60.0
_last_warning = -WARNING_INTERVAL
# When the cache last failed in this process (time.monotonic()), None if never.
_last_failure: float | None = None


def _cache_failed(error: Exception) -> None:
    global _last_warning, _last_failure
    now = time.monotonic()
    _last_failure = now
    if now - _last_warning >= WARNING_INTERVAL:
        _last_warning = now
        logger.warning("The cache failed, pages are computed without it: %r", error)


def cache_get(key: str) -> Any:
    """The value cached under `key`, None if there is none or the cache fails."""
    try:
        return cache.get(key)
    except Exception as error:  # noqa: BLE001 - any backend's failure: OSError, redis errors…
        _cache_failed(error)
        return None


def cache_set(key: str, value: Any) -> None:
    """Caches `value` under `key`, unless the cache fails."""
    try:
        cache.set(key, value, CACHE_TIMEOUT)
    except Exception as error:  # noqa: BLE001
        _cache_failed(error)


def cache_delete(key: str) -> None:
    """Drops what is cached under `key`, unless the cache fails."""
    try:
        cache.delete(key)
    except Exception as error:  # noqa: BLE001
        _cache_failed(error)


def cache_works() -> bool:
    """Whether the cache works, for /healthz: yes while no request of this process saw it fail
    in the last minute (a probe then costs nothing); else whether it keeps and gives back a
    value now."""
    global _last_failure
    if _last_failure is None or time.monotonic() - _last_failure > WARNING_INTERVAL:
        return True
    key = f"catalogue:healthz:{time.monotonic_ns()}"
    try:
        cache.set(key, True, 10)
        kept = cache.get(key) is True
        cache.delete(key)
    except Exception as error:  # noqa: BLE001
        _cache_failed(error)
        return False
    if kept:
        _last_failure = None
    return kept


def current_revision(request: HttpRequest | None) -> Revision | None:
    """The catalogue's revision (key and time) when `request` began: read once, then kept on
    the request."""
    if request is None:
        return CatalogueRevision.objects.current()
    if not hasattr(request, "catalogue_revision"):
        request.catalogue_revision = CatalogueRevision.objects.current()  # type: ignore[attr-defined]
    return request.catalogue_revision  # type: ignore[attr-defined]


def revision(request: HttpRequest | None) -> UUID | None:
    """The key of the catalogue's revision when `request` began."""
    state = current_revision(request)
    return None if state is None else state.key


# How long a process serves kept pages under the revision it read last (`kept_page`) before
# reading it again: an edit made by another process shows on them within this time.
REVISION_HOLD_SECONDS = 1.0


class HeldRevision:
    """The catalogue's revision as this process read it last, for REVISION_HOLD_SECONDS: at most
    one query a second for the pages answered early, whatever their number.

    It is forgotten as soon as this process writes to the database (`forget_after_writes`), so the
    process that made an edit serves it at once; and it is never held from inside a transaction,
    whose own writes may still be rolled back (there it is read every time, exactly)."""

    def __init__(self) -> None:
        self.clock: Callable[[], float] = time.monotonic
        self.generation = 0
        # (revision, until when it is held, the generation it was read in)
        self.held: tuple[Revision | None, float, int] = (None, -math.inf, -1)

    def current(self) -> tuple[Revision | None, bool]:
        """The revision, and whether it was read now (rather than held from a while ago)."""
        state, until, generation = self.held
        now = self.clock()
        if generation == self.generation and now < until:
            return state, False
        alias = router.db_for_read(CatalogueRevision)
        generation = self.generation
        state = CatalogueRevision.objects.using(alias).current()
        if not connections[alias].in_atomic_block and generation == self.generation:
            self.held = (state, now + REVISION_HOLD_SECONDS, generation)
        return state, True

    def forget(self) -> None:
        """Reads the revision again next time (a write of this process may have moved it)."""
        self.generation += 1


held_revision = HeldRevision()


def forget_after_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """A database connection's execute wrapper (see `watch_writes`): after any statement but a
    SELECT, and again when its transaction commits, the held revision is forgotten."""
    result = execute(sql, params, many, context)
    if not (isinstance(sql, str) and sql.lstrip()[:6].upper() == "SELECT"):
        held_revision.forget()
        wrapper: BaseDatabaseWrapper = context["connection"]
        if wrapper.in_atomic_block and not any(
            entry[1] == held_revision.forget for entry in wrapper.run_on_commit
        ):
            wrapper.on_commit(held_revision.forget)
    return result


def watch_writes(connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Receiver of `connection_created` (InitiativesConfig.ready): every connection of the
    process forgets the held revision after its writes."""
    if forget_after_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(forget_after_writes)


def cache_key(revision: UUID, key: Hashable) -> str:
    """The cache's key for `key` (a tuple of plain values) at `revision`, in this database,
    this year: a status shown depends on the year (an end year passes) as well as on the
    data, so nothing cached in one year is read in the next."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    return f"catalogue:{connection.settings_dict['NAME']}:{revision}:{current_year()}:{digest}"


def cached(revision: UUID | None, key: Hashable, compute: Callable[[], T]) -> T:
    """compute(), or its value cached for `revision` under `key` (a tuple of plain values)."""
    if revision is None:
        return compute()
    full_key = cache_key(revision, key)
    value = cache_get(full_key)
    if value is None:
        value = compute()
        cache_set(full_key, value)
    return value


def home_figures(request: HttpRequest, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The home page's themes, sources and totals."""
    return cached(revision(request), ("home",), compute)


def places(request: HttpRequest | None) -> list[tuple[str, str, str]]:
    """(kind, code, name) of every country, region and département of the reference: the
    choices of those filters."""
    return cached(revision(request), ("places",), Place.objects.filter_choices)


def filters_key(filterset: InitiativeFilter) -> tuple:
    """The valid filters and search of `filterset` as sorted plain values: the same list, the
    same key, whatever the order of the parameters (and without the ones that only sort)."""
    key: list[tuple[str, object]] = []
    for name, value in sorted(filterset.form.cleaned_data.items()):
        if name in filterset.NOT_FILTERS or not value:
            continue
        if isinstance(value, str):
            key.append((name, value.strip()))
        else:
            key.append((name, tuple(sorted(filterset.chosen(name)))))
    return tuple(key)


class ListCache:
    """What one request for a list (or its export) may cache, under the revision it began at:
    nothing while a parameter of `filterset` is invalid, an error added later included."""

    def __init__(self, request: HttpRequest, filterset: InitiativeFilter) -> None:
        self.request = request
        self.filterset = filterset

    @property
    def revision(self) -> UUID | None:
        return revision(self.request) if self.filterset.is_valid() else None

    @cached_property
    def filters(self) -> tuple:
        return filters_key(self.filterset)

    @cached_property
    def bitmaps(self) -> FilterBitmaps:
        """The initiatives each active filter lets through, as bitmaps (the catalogue's at the
        revision the request began at, whatever the filters' validity)."""
        from .bitmaps import FilterBitmaps, for_revision

        at = revision(self.request)
        return FilterBitmaps(self.filterset, for_revision(at), at)

    def correct(self, search: Search, initiatives: InitiativeQuerySet) -> Search:
        """`search` with the text it searches among `initiatives`: corrected if need be, unless
        the reader asked for the search exactly as typed."""
        if search.verbatim:
            return search
        # Not the key of the text alone it once cached: a Correction holds the words left out too.
        key = ("correction", search.typed)
        search.apply(cached(self.revision, key, lambda: search.correction(initiatives)))
        return search

    def count(self, count: Callable[[], int]) -> int:
        """The number of initiatives in the list."""
        return cached(self.revision, ("count", self.filters), count)

    def matching_count(self) -> int:
        """The number of initiatives in the list, counted from its filters' bitmaps."""
        return self.count(lambda: len(self.bitmaps.matching()))


def known_query(query: QueryDict, parameters: Iterable[str]) -> QueryDict:
    """`query` with only the `parameters` a page reads, in their order: any other parameter
    changes nothing on the page, so it neither reaches the page's links nor makes a new cache
    entry (a crawler adding random parameters fills no disk)."""
    known = QueryDict(mutable=True)
    for name, values in query.lists():
        if name in parameters:
            known.setlist(name, values)
    known._mutable = False
    return known


def entity_tag(state: Revision, language: str) -> str:
    """The validator of every page at revision `state` in `language`, this year."""
    return quote_etag(f"{state.key.hex}-{language}-{current_year()}")


def revalidated(
    request: HttpRequest, response: HttpResponseBase, state: Revision, language: str
) -> HttpResponseBase:
    """`response` with its validators, or a 304 if the request holds the same page already."""
    etag = entity_tag(state, language)
    last_modified = int(state.changed_at.timestamp())
    # Django's stubs say HttpResponse; a streamed response is validated the same way.
    conditional = get_conditional_response(
        request,
        etag=etag,
        last_modified=last_modified,
        response=response,  # type: ignore[arg-type]
    )
    answer = conditional or response
    for validated in {response, answer}:
        validated.headers["ETag"] = etag
        validated.headers["Last-Modified"] = http_date(last_modified)
        patch_cache_control(validated, public=True, no_cache=True)
    return answer


def page_address(request: HttpRequest, query: QueryDict) -> tuple:
    """What names a page in the cache besides its language: `request`'s host (a page's alternates
    in other languages are absolute addresses) and path, and the parameters `query`, sorted."""
    return (request.get_host(), request.path, sorted(query.lists()))


def page_key(state: Revision, language: str, address: tuple) -> str:
    """The cache's key of the page at `address` (`page_address`) in `language`."""
    return cache_key(state.key, ("page", language, *address))


class KeptPaths:
    """The paths of the pages this process has served through `cached_page`: the only ones worth
    looking up early (`kept_page`), so that other requests (the API, a 404, the sitemap) read
    neither the revision nor the cache for nothing. At most MAX_SIZE: past it, learnt again."""

    MAX_SIZE = 50_000

    def __init__(self) -> None:
        self.paths: set[str] = set()

    def __contains__(self, path: str) -> bool:
        return path in self.paths

    def add(self, path: str) -> None:
        if len(self.paths) >= self.MAX_SIZE:
            self.paths = set()
        self.paths.add(path)


kept_paths = KeptPaths()


def cached_page(
    parameters: Iterable[str] = (),
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A public page served whole from the cache while the catalogue is at the same revision,
    keyed on its path, language and the `parameters` it reads (any other is dropped from the
    request), with an ETag and a Last-Modified from the revision: a request revalidating what it
    holds gets a 304. Only a 200 is kept; a streamed response (an export) is validated, never
    kept. The headers let a shared cache keep the page and revalidate it at every request, so an
    edit shows at once."""
    parameters = frozenset(parameters)

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            request.GET = known_query(request.GET, parameters)  # type: ignore[assignment]
            state = current_revision(request)
            if state is None:
                return view(request, *args, **kwargs)
            language = get_language()
            key = page_key(state, language, page_address(request, request.GET))
            stored = cache_get(key)
            if stored is not None:
                content, headers = stored
                response: HttpResponseBase = HttpResponse(content, headers=headers)
            else:
                response = view(request, *args, **kwargs)
                if response.status_code != 200:
                    return response
                if isinstance(response, SimpleTemplateResponse):
                    response.render()
                if isinstance(response, HttpResponse):
                    cache_set(key, (response.content, dict(response.items())))
            kept_paths.add(request.path)
            return revalidated(request, response, state, language)

        return page

    return decorator


# The conditions a page kept is not answered early for: the whole stack evaluates them.
UNUSUAL_CONDITIONS = ("HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE")


def kept_page(request: HttpRequest) -> HttpResponseBase | None:
    """The answer to a reader's GET or HEAD for a page the cache keeps (`cached_page`), or its
    304, as the whole stack would give it, from the request's address alone and the revision the
    process holds (`HeldRevision`); None if that is not enough to answer, and the request goes on
    through the stack. Only the paths this process has served through `cached_page` are looked
    up (`KeptPaths`).

    The key is `cached_page`'s, with every parameter of the request: an address with one the page
    does not read (utm_source…) was never kept under it, and goes on. So does a revalidation that
    names another revision than the one held (the client may have seen a newer one), and any
    condition but If-None-Match and If-Modified-Since."""
    if request.path not in kept_paths:
        return None
    if any(condition in request.META for condition in UNUSUAL_CONDITIONS):
        return None
    try:
        address = page_address(request, request.GET)
    except SuspiciousOperation:  # another host, too many parameters: the stack answers
        return None
    state, read_now = held_revision.current()
    if read_now:  # as exact as the stack's own read: the page computed below uses it
        request.catalogue_revision = state  # type: ignore[attr-defined]
    if state is None:
        return None
    # The language LocaleMiddleware gives the address (the i18n_patterns leave French unprefixed).
    language = get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    tags = request.META.get("HTTP_IF_NONE_MATCH")
    if tags is not None and entity_tag(state, language) not in tags:
        return None
    stored = cache_get(page_key(state, language, address))
    if stored is None:
        return None
    content, headers = stored
    answer = revalidated(request, HttpResponse(content, headers=headers), state, language)
    # What the middleware below add to every answer of a page, in their order: CommonMiddleware
    # its length, LocaleMiddleware its language (its Vary is taken back by AddressLocaleMiddleware).
    if isinstance(answer, HttpResponse) and not answer.has_header("Content-Length"):
        answer.headers["Content-Length"] = str(len(answer.content))
    answer.headers.setdefault("Content-Language", language)
    return answer
