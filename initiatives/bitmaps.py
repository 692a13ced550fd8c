"""The published initiatives each filter option selects, as compressed bitmaps of their keys.

A facet count is how many initiatives an option would give with every other active filter kept.
With each option's initiatives held as a Roaring bitmap (pyroaring), that count is the size of an
intersection of bitmaps, computed in microseconds whatever the size of the catalogue, where SQL
would scan the links of every matching initiative for each filter (seconds at 100,000
initiatives). The list's count is the size of the intersection of every active filter.

`Bitmaps` holds them as of one change of the catalogue (CatalogueChange, whose rows database
triggers write) and one year (the status a reader is shown depends on the year). A process reads
them whole once (eight queries, a second or two at 100,000 initiatives), or takes those another
process put in the cache, and then, when the catalogue's revision moves, reads again only the
initiatives changed since (`Bitmaps.updated`): no reader pays for reading everything after an
edit. The search gives the bitmap of its ranking (initiatives.ranking), kept current the same way.
"""

from __future__ import annotations

import gc
import hashlib
import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Q, QuerySet
from pyroaring import FrozenBitMap

from .caching import cache_delete, cache_get, cache_set
from .models import (
    CatalogueChange,
    Citation,
    Initiative,
    InitiativePlace,
    Organisation,
    PartnerRole,
    Partnership,
    Place,
    PlaceKind,
    current_year,
)

if TYPE_CHECKING:
    from .filters import InitiativeFilter
    from .ranking import Ranking

EMPTY = FrozenBitMap()


def union(bitmaps: Iterable[FrozenBitMap]) -> FrozenBitMap:
    return FrozenBitMap.union(EMPTY, *bitmaps)


def grouped(rows: Iterable[tuple[Any, list[int]]]) -> dict[Any, FrozenBitMap]:
    """{key: bitmap of the keys listed} from (key, [initiative keys]) rows."""
    return {key: FrozenBitMap(keys) for key, keys in rows}


@dataclass(frozen=True)
class OrganisationName:
    name: str
    display_name: str


# Beyond this many initiatives changed since the bitmaps were read, they are read whole again.
MOST_CHANGED = 10_000


def resized(
    by_size: list[tuple[str, FrozenBitMap]], moved: dict[str, FrozenBitMap]
) -> list[tuple[str, FrozenBitMap]]:
    """`by_size` (options, the largest first) with the options `moved` given new initiatives:
    each put back in its place rather than every option sorted again."""
    options = [option for option in by_size if option[0] not in moved]
    for key, initiatives in moved.items():
        position = bisect_left(options, -len(initiatives), key=lambda option: -len(option[1]))
        options.insert(position, (key, initiatives))
    return options


@dataclass
class Bitmaps:
    """Which published initiatives each option of the list's filters selects (keys: the
    options' values in the query string but for regions, by code), as of the catalogue's
    change `last_change` (CatalogueChange), in `year`."""

    year: int
    last_change: int
    published: FrozenBitMap
    statuses: dict[str, FrozenBitMap]
    themes: dict[str, FrozenBitMap]
    publics: dict[str, FrozenBitMap]
    sources: dict[str, FrozenBitMap]
    # Where published initiatives act: by country, region and département code.
    countries: dict[str, FrozenBitMap]
    regions: dict[str, FrozenBitMap]
    departments: dict[str, FrozenBitMap]
    # Where published initiatives act outside any département, but in no country as a whole:
    # by ("region", code), or ("country", code) for places in no region either.
    outside: dict[tuple[str, str], FrozenBitMap]
    # Organisations by slug: where they lead, where they have another role.
    leads: dict[str, FrozenBitMap]
    partners: dict[str, FrozenBitMap]
    # Where published initiatives act, by place key, but whole countries: the places of a map.
    places: dict[int, FrozenBitMap] = field(default_factory=dict)
    organisations: dict[str, OrganisationName] = field(default_factory=dict)
    # {(kind, code): name} of those countries, regions and départements.
    place_names: dict[tuple[str, str], str] = field(default_factory=dict)
    # Whether read whole (not brought up to date from older ones).
    read_whole: bool = True
    # Options by their number of initiatives, largest first (by_size()), per attribute.
    sizes: dict[str, list[tuple[str, FrozenBitMap]]] = field(default_factory=dict, repr=False)

    # The attributes mapping an option to its initiatives.
    OPTIONS = (
        "statuses",
        "themes",
        "publics",
        "sources",
        "countries",
        "regions",
        "departments",
        "outside",
        "leads",
        "partners",
        "places",
    )

    @classmethod
    def read(
        cls,
        year: int | None = None,
        initiatives: set[int] | None = None,
        last_change: int | None = None,
    ) -> Bitmaps:
        """The bitmaps of the catalogue as the database holds it now (nine queries); of the
        `initiatives` given only, if given, as of change `last_change` (eight queries)."""
        year = current_year() if year is None else year
        if last_change is None:
            # First: what follows is at least as new.
            last_change = CatalogueChange.objects.last_number()
        of: dict[str, Any] = {} if initiatives is None else {"initiative_id__in": initiatives}
        statuses = grouped(
            Initiative.objects.published()
            .filter(**({} if initiatives is None else {"pk__in": initiatives}))
            .with_status_now(year)
            .values("status_now")
            .annotate(keys=ArrayAgg("pk"))
            .values_list("status_now", "keys")
            .order_by()
        )
        published = union(statuses.values())

        def linked(links: QuerySet, slug: str) -> dict[str, FrozenBitMap]:
            rows = links.filter(**of).values(slug).annotate(keys=ArrayAgg("initiative_id"))
            return {
                key: keys & published
                for key, keys in grouped(rows.values_list(slug, "keys").order_by()).items()
            }

        themes = linked(Initiative.themes.through.objects.all(), "theme__slug")
        publics = linked(Initiative.publics.through.objects.all(), "targetpublic__slug")
        sources = linked(Citation.objects.all(), "source__slug")
        countries: dict[str, list[FrozenBitMap]] = defaultdict(list)
        regions: dict[str, list[FrozenBitMap]] = defaultdict(list)
        departments: dict[str, list[FrozenBitMap]] = defaultdict(list)
        outside: dict[tuple[str, str], list[FrozenBitMap]] = defaultdict(list)
        places: dict[int, FrozenBitMap] = {}
        rows = (
            InitiativePlace.objects.filter(**of)
            .values("place")
            .annotate(keys=ArrayAgg("initiative_id"))
            .values_list(
                "place",
                "place__country",
                "place__region_code",
                "place__department_code",
                "place__kind",
                "keys",
            )
            .order_by()
        )
        for place, country, region, department, kind, keys in rows:
            bitmap = FrozenBitMap(keys) & published
            for codes, code in ((countries, country), (regions, region), (departments, department)):
                if code:
                    codes[code].append(bitmap)
            if kind != PlaceKind.COUNTRY:
                places[place] = bitmap
                if not department:
                    outside[("region", region) if region else ("country", country)].append(bitmap)
        leads: dict[str, FrozenBitMap] = {}
        partners: dict[str, FrozenBitMap] = {}
        rows = (
            Partnership.objects.filter(**of)
            .values("organisation__slug")
            .annotate(
                leads=ArrayAgg("initiative_id", filter=Q(role=PartnerRole.LEAD), default=[]),
                others=ArrayAgg("initiative_id", filter=~Q(role=PartnerRole.LEAD), default=[]),
            )
            .values_list("organisation__slug", "leads", "others")
            .order_by()
        )
        for slug, led, other in rows:
            if led:
                leads[slug] = FrozenBitMap(led) & published
            if other:
                partners[slug] = FrozenBitMap(other) & published
        organisations = {
            organisation.slug: OrganisationName(organisation.name, organisation.display_name)
            for organisation in Organisation.objects.filter(
                slug__in=leads.keys() | partners.keys()
            ).only("slug", "name", "acronym")
        }
        wanted = Q(pk__in=[])
        for kind, codes in (
            (PlaceKind.COUNTRY, countries),
            (PlaceKind.REGION, regions),
            (PlaceKind.DEPARTMENT, departments),
        ):
            wanted |= Q(kind=kind, code__in=list(codes))
        place_names = {
            (kind, code): name
            for kind, code, name in Place.objects.filter(wanted).values_list("kind", "code", "name")
        }
        return cls(
            year=year,
            last_change=last_change,
            published=published,
            statuses=statuses,
            themes=themes,
            publics=publics,
            sources=sources,
            countries={code: union(maps) for code, maps in countries.items()},
            regions={code: union(maps) for code, maps in regions.items()},
            departments={code: union(maps) for code, maps in departments.items()},
            outside={key: union(maps) for key, maps in outside.items()},
            leads=leads,
            partners=partners,
            places=places,
            organisations=organisations,
            place_names=place_names,
        )

    def updated(self) -> Bitmaps:
        """These bitmaps brought up to the catalogue's latest change: the initiatives changed
        since read again (one query to know them, eight to read them), or everything if
        names changed, if they are many or if the year is another."""
        latest, changed = CatalogueChange.objects.since(self.last_change)
        year = current_year()
        if changed is None or len(changed) > MOST_CHANGED or year != self.year:
            return Bitmaps.read(year)
        if not changed:
            return self
        fresh = Bitmaps.read(year, changed, latest)
        gone = FrozenBitMap(changed)
        merged: dict[str, Any] = {}
        sizes: dict[str, list[tuple[str, FrozenBitMap]]] = {}
        for name in self.OPTIONS:
            held: dict[str, FrozenBitMap] = getattr(self, name)
            read: dict[str, FrozenBitMap] = getattr(fresh, name)
            options = dict(held)
            moved: dict[str, FrozenBitMap] = {}
            for key, initiatives in held.items():
                if initiatives.intersect(gone):
                    options[key] = moved[key] = initiatives - gone
            for key, initiatives in read.items():
                options[key] = moved[key] = options.get(key, EMPTY) | initiatives
            merged[name] = options
            if name in self.sizes:
                sizes[name] = resized(self.sizes[name], moved)
        return replace(
            self,
            read_whole=False,
            sizes=sizes,
            last_change=latest,
            published=(self.published - gone) | fresh.published,
            organisations={**self.organisations, **fresh.organisations},
            place_names={**self.place_names, **fresh.place_names},
            **merged,
        )

    def by_size(self, name: str) -> list[tuple[str, FrozenBitMap]]:
        """The options of the attribute `name` with their initiatives, those with most first."""
        if name not in self.sizes:
            options = getattr(self, name).items()
            self.sizes[name] = sorted(options, key=lambda option: -len(option[1]))
        return self.sizes[name]

    def counted(self, rows: Iterable[Any], name: str) -> list[Any]:
        """`rows` (themes, publics or sources, as the attribute `name` holds them), each with
        `initiative_count`, its published initiatives' count."""
        options = getattr(self, name)
        counted = list(rows)
        for row in counted:
            row.initiative_count = len(options.get(row.slug, EMPTY))
        return counted

    def involving(self, slug: str) -> FrozenBitMap:
        """The initiatives where the organisation `slug` has a role, lead or partner."""
        return self.leads.get(slug, EMPTY) | self.partners.get(slug, EMPTY)


# The bitmaps this process read last, with the revision they were read at, shared by its
# threads.
_latest: dict[tuple[str, int], tuple[UUID, Bitmaps]] = {}
_reading = threading.Lock()


def shared_key(year: int) -> str:
    """The cache's key of the bitmaps read whole, in this database and year, for this code: a
    Bitmaps of other fields (another version of the site) is another key."""
    names = repr([field.name for field in fields(Bitmaps)]).encode()
    layout = hashlib.blake2b(names, digest_size=4)
    return f"catalogue:{connection.settings_dict['NAME']}:bitmaps:{year}:{layout.hexdigest()}"


def for_revision(revision: UUID | None) -> Bitmaps:
    """The bitmaps at `revision` (None: the catalogue has none recorded, read afresh). This
    process reads them whole once, or takes those another process read from the cache, and
    then reads only what changed since (Bitmaps.updated)."""
    year = current_year()
    if revision is None:
        return Bitmaps.read(year)
    key = (connection.settings_dict["NAME"], year)
    held = _latest.get(key)
    if held is not None and held[0] == revision:
        return held[1]
    with _reading:
        held = _latest.get(key)
        if held is not None and held[0] == revision:
            return held[1]
        if held is not None:
            bitmaps = held[1].updated()
        else:
            shared = cache_get(shared_key(year))
            if isinstance(shared, Bitmaps):
                bitmaps = shared.updated()
            else:
                bitmaps = Bitmaps.read(year)
            if bitmaps.read_whole:
                # Megabytes at 100,000 initiatives: shared when read whole only, other processes
                # then reading what changed since.
                cache_set(shared_key(year), bitmaps)
        if held is None or bitmaps.read_whole:
            # Read whole or taken from the cache: hundreds of thousands of objects at 100,000
            # initiatives, which live as long as the process. Left out of the cyclic garbage
            # collector's full collections, each of which would traverse them again (100 ms
            # at that size, paid by whichever request it falls on).
            gc.freeze()
        _latest.clear()
        _latest[key] = (revision, bitmaps)
    return bitmaps


def forget() -> None:
    """Drops the bitmaps this process and the cache hold: the next reader reads them whole.
    What was left out of the garbage collector with them is given back to it."""
    with _reading:
        _latest.clear()
        gc.unfreeze()
        cache_delete(shared_key(current_year()))


def of_queryset(queryset: QuerySet) -> FrozenBitMap:
    """The keys of `queryset`'s initiatives as a bitmap (one query)."""
    return FrozenBitMap(queryset.order_by().values_list("pk", flat=True))


class FilterBitmaps:
    """The initiatives each active filter of `filterset` lets through, as bitmaps: from
    `bitmaps` for the filters by option, from the search's ranking (initiatives.ranking) at
    `revision` for the search, from SQL for the others."""

    def __init__(
        self, filterset: InitiativeFilter, bitmaps: Bitmaps, revision: UUID | None = None
    ) -> None:
        self.filterset = filterset
        self.bitmaps = bitmaps
        self.revision = revision
        self._by_name: dict[str, FrozenBitMap] = {}

    @property
    def active(self) -> list[str]:
        """The filters that select initiatives: those chosen, and the search if there is
        one (`verbatim` only says how to search)."""
        filterset = self.filterset
        active = [
            name
            for name, value in filterset.form.cleaned_data.items()
            if value and name not in (*filterset.NOT_FILTERS, "q", "verbatim")
        ]
        return active + (["q"] if filterset.search is not None else [])

    def of(self, name: str) -> FrozenBitMap:
        if name not in self._by_name:
            self._by_name[name] = self._read(name)
        return self._by_name[name]

    def _read(self, name: str) -> FrozenBitMap:
        bitmaps = self.bitmaps
        chosen = self.filterset.chosen(name)
        held: dict[str, dict[str, FrozenBitMap]] = {
            "theme": bitmaps.themes,
            "public": bitmaps.publics,
            "source": bitmaps.sources,
            "country": bitmaps.countries,
            "department": bitmaps.departments,
            "status": bitmaps.statuses,
            "pilot": bitmaps.leads,
            "partner": bitmaps.partners,
        }
        if name in held:
            return union(held[name].get(value, EMPTY) for value in chosen)
        if name == "region":
            codes = [self.filterset.regions[slug] for slug in chosen]
            return union(bitmaps.regions.get(code, EMPTY) for code in codes)
        if name == "organisation":
            return union(bitmaps.involving(slug) for slug in chosen)
        if name == "q" and self.filterset.search is not None:
            return self.ranking.found & bitmaps.published
        value = self.filterset.form.cleaned_data[name]
        filtered = self.filterset.filters[name].filter(self.filterset.queryset, value)
        return of_queryset(filtered) & bitmaps.published

    @cached_property
    def ranking(self) -> Ranking:
        """The ranking of the search (the text it searches, once corrected), looked up once
        for the list, its count and its facets."""
        from .ranking import for_search

        assert self.filterset.search is not None
        query = self.filterset.search.query().key
        return for_search(query, self.revision, self.bitmaps.last_change)

    def matching(self, without: str | None = None) -> FrozenBitMap:
        """The published initiatives every active filter but `without` lets through."""
        found = self.bitmaps.published
        for name in self.active:
            if name != without:
                found = found & self.of(name)
        return found
