"""What is cached, under which key and for how long: figures computed over many initiatives
(the home page's counts, the filters' choices and counts, a list's count, the correction of a
search) and the rendered form and results of a list, kept until the catalogue changes.

Every write to one of REVISION_TABLES gives the catalogue a new revision key (database triggers,
see CatalogueRevision), read once per request, and a value is cached under the key it was
computed at: a change makes every older value unreachable at once, in every process, whatever
wrote it (the admin, a fixture load, a restore, SQL by hand). Without a revision nothing is
cached, and a list caches nothing while one of its parameters is invalid: the page then shows
the error, not the list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.translation import get_language

from .models import CatalogueRevision, Place, current_year

if TYPE_CHECKING:
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
)


def revision(request: HttpRequest | None) -> UUID | None:
    """The catalogue's revision when `request` began: read once, then kept on the request."""
    if request is None:
        return CatalogueRevision.objects.current()
    if not hasattr(request, "catalogue_revision"):
        request.catalogue_revision = CatalogueRevision.objects.current()  # type: ignore[attr-defined]
    return request.catalogue_revision  # type: ignore[attr-defined]


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
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, CACHE_TIMEOUT)
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

    def correct(self, search: Search, initiatives: InitiativeQuerySet) -> Search:
        """`search` with the text it searches among `initiatives`: corrected if need be, unless
        the reader asked for the search exactly as typed."""
        if search.verbatim:
            return search
        # Not the key of the text alone it once cached: a Correction holds the words left out too.
        key = ("correction", search.typed)
        search.apply(cached(self.revision, key, lambda: search.correction(initiatives)))
        return search

    def facet(self, name: str, count: Callable[[], list[T]]) -> list[T]:
        """The options of the filter `name`. Labels of countries and statuses are translated:
        one entry per language."""
        return cached(self.revision, ("facet", name, get_language(), self.filters), count)

    def count(self, count: Callable[[], int]) -> int:
        """The number of initiatives in the list."""
        return cached(self.revision, ("count", self.filters), count)

    def results_key(self) -> str | None:
        revision = self.revision
        if revision is None:
            return None
        return cache_key(revision, ("results", get_language(), self.request.get_full_path()))

    def rendered_results(self) -> str | None:
        """The rendered form and results of this very address in this language, if cached."""
        key = self.results_key()
        return None if key is None else cache.get(key)

    def keep_rendered_results(self, html: str) -> None:
        """Caches `html` for `rendered_results`, unless a parameter turned out invalid."""
        key = self.results_key()
        if key is not None:
            cache.set(key, html, CACHE_TIMEOUT)
