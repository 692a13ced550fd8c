"""Counts for the options of the list's filters, given the other filters (facets).

Options of one filter combine with OR and different filters with AND, so an option's count is
the number of initiatives it would give with every *other* active filter kept. Options with no
initiative stay listed, disabled, unless chosen (a chosen option can always be unchosen). Each
count is the size of an intersection of bitmaps (initiatives.bitmaps), whatever the number of
initiatives: no query but the vocabularies' rows.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext_lazy as _
from pyroaring import FrozenBitMap

from .bitmaps import EMPTY, Bitmaps, OrganisationName
from .models import (
    Organisation,
    Place,
    PlaceKind,
    Source,
    StatusNow,
    TargetPublic,
    Theme,
    country_name,
)

if TYPE_CHECKING:
    from .caching import ListCache
    from .filters import InitiativeFilter

# Organisations are many: their filters list the ones with most initiatives, and the chosen ones.
ORGANISATION_OPTIONS = 10
MOST_REPRESENTED = _("Les plus représentés dans cette liste.")
# A filter with more options than LONG_FACET shows its first SHOWN_OF_LONG and folds the rest.
LONG_FACET = 8
SHOWN_OF_LONG = 6


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool
    # Chosen by the page itself (a theme page's theme): shown, not to be unchosen.
    locked: bool = False

    def __post_init__(self) -> None:
        self.label = str(self.label)  # translated now: options are cached per language

    @property
    def disabled(self) -> bool:
        return self.locked or (self.count == 0 and not self.selected)


@dataclass
class Facet:
    name: str
    label: str
    options: list
    errors: list = field(default_factory=list)
    note: str | Promise = ""

    @property
    def selected(self) -> list[Option]:
        return [option for option in self.options if option.selected]

    @property
    def chosen(self) -> list[Option]:
        """The options the reader chose (not those the page itself chose)."""
        return [option for option in self.selected if not option.locked]

    @property
    def long(self) -> bool:
        return len(self.options) > LONG_FACET

    @property
    def first_options(self) -> list[Option]:
        """The options shown at once; the others (more_options) are folded."""
        return self.options[:SHOWN_OF_LONG] if self.long else self.options

    @property
    def more_options(self) -> list[Option]:
        return self.options[SHOWN_OF_LONG:] if self.long else []

    @property
    def more_chosen(self) -> bool:
        """Whether a folded option is chosen: the fold is then open, so it shows."""
        return any(option.selected and not option.locked for option in self.more_options)


def matching_without(filterset: InitiativeFilter, name: str) -> QuerySet:
    """The primary keys of the initiatives every active filter but `name` lets through."""
    queryset = filterset.queryset
    for field_name, value in filterset.form.cleaned_data.items():
        if field_name != name and field_name not in filterset.NOT_FILTERS:
            queryset = filterset.filters[field_name].filter(queryset, value)
    return queryset.order_by().values("pk")


# An option builder: (the catalogue's bitmaps, the initiatives the other filters let through,
# the values chosen) → the options, with their counts.
OptionBuilder = Callable[[Bitmaps, FrozenBitMap, list[str]], list[Option]]


def vocabulary_options(model: type[Theme | TargetPublic | Source], held: str) -> OptionBuilder:
    """The options of a vocabulary or of the sources (`held`: their Bitmaps attribute), every
    row in its order, with its initiatives' count."""

    def options(bitmaps: Bitmaps, matching: FrozenBitMap, selected: list[str]) -> list[Option]:
        initiatives = getattr(bitmaps, held)
        return [
            Option(
                row.slug,
                str(row),
                initiatives.get(row.slug, EMPTY).intersection_cardinality(matching),
                row.slug in selected,
            )
            for row in model._default_manager.all()
        ]

    return options


def organisation_options(held: str, limit: int) -> OptionBuilder:
    """The `limit` organisations with most initiatives in the role `held` (the Bitmaps
    attribute: leads, partners), and the chosen ones. Organisations are counted from those
    with most initiatives overall, until no other can have more in the list than the
    `limit`-th found: a few dozen of thousands, whatever the filters."""

    def options(bitmaps: Bitmaps, matching: FrozenBitMap, selected: list[str]) -> list[Option]:
        counts: dict[str, int] = {}
        largest: list[int] = []  # the `limit` largest counts found, smallest first (a heap)
        for slug, initiatives in bitmaps.by_size(held):
            if len(largest) == limit and len(initiatives) < largest[0]:
                break
            count = initiatives.intersection_cardinality(matching)
            if count:
                counts[slug] = count
                if len(largest) < limit:
                    heapq.heappush(largest, count)
                elif count > largest[0]:
                    heapq.heapreplace(largest, count)
        for slug in selected:
            if slug not in counts:
                counts[slug] = (
                    getattr(bitmaps, held).get(slug, EMPTY).intersection_cardinality(matching)
                )
        names = dict(bitmaps.organisations)
        missing = [slug for slug in selected if slug not in names]
        for organisation in Organisation.objects.filter(slug__in=missing):
            names[organisation.slug] = OrganisationName(organisation.name, str(organisation))
        shown = [slug for slug in counts if counts[slug] or slug in selected if slug in names]
        shown.sort(key=lambda slug: (-counts[slug], names[slug].name))
        return [
            Option(slug, names[slug].display_name, counts[slug], slug in selected)
            for slug in shown[: max(limit, len(selected))]
        ]

    return options


def chosen_organisation_options(
    bitmaps: Bitmaps, matching: FrozenBitMap, selected: list[str]
) -> list[Option]:
    """The organisations the `organisation` parameter chose, in any role: a filter offered only
    once chosen (a page links to it), so none is counted otherwise."""
    if not selected:
        return []
    return [
        Option(
            organisation.slug,
            str(organisation),
            bitmaps.involving(organisation.slug).intersection_cardinality(matching),
            True,
        )
        for organisation in Organisation.objects.filter(slug__in=selected)
    ]


def place_options(
    kind: str, held: str, value: Callable[[str, str], str], label: Callable[[str, str], str]
) -> OptionBuilder:
    """The options of a place filter (`held`: the Bitmaps attribute of places of `kind`): where
    published initiatives act, and the chosen ones (read from the reference only when one of
    them is elsewhere). `value` and `label` make an option's from the place's code and name."""

    def options(bitmaps: Bitmaps, matching: FrozenBitMap, selected: list[str]) -> list[Option]:
        found = [
            Option(
                value(code, name := bitmaps.place_names.get((kind, code), "")),
                label(code, name),
                initiatives.intersection_cardinality(matching),
                value(code, name) in selected,
            )
            for code, initiatives in getattr(bitmaps, held).items()
            if initiatives
        ]
        missing = set(selected) - {option.value for option in found}
        if missing:
            for place_kind, code, name in Place.objects.filter_choices():
                if place_kind == kind and value(code, name) in missing:
                    found.append(Option(value(code, name), label(code, name), 0, True))
        return sorted(found, key=lambda option: option.label)

    return options


country_options = place_options(
    PlaceKind.COUNTRY, "countries", lambda code, name: code, lambda code, name: country_name(code)
)
# Regions go by the slug of their name (« provence-alpes-cote-dazur »).
region_options = place_options(
    PlaceKind.REGION, "regions", lambda code, name: slugify(name), lambda code, name: name
)
department_options = place_options(
    PlaceKind.DEPARTMENT,
    "departments",
    lambda code, name: code,
    lambda code, name: f"{name} ({code})",
)


def status_options(bitmaps: Bitmaps, matching: FrozenBitMap, selected: list[str]) -> list[Option]:
    """The statuses a reader is shown (StatusNow), each offered only if some initiative of the
    list has it (or it is chosen)."""
    counts = {
        value: initiatives.intersection_cardinality(matching)
        for value, initiatives in bitmaps.statuses.items()
    }
    return [
        Option(value, str(capfirst(label)), counts.get(value, 0), value in selected)
        for value, label in StatusNow.choices
        if counts.get(value) or value in selected
    ]


# The filters with counts, in the order the form shows them: name, option builder, note.
FACETS: list[tuple[str, OptionBuilder, str | Promise]] = [
    ("theme", vocabulary_options(Theme, "themes"), ""),
    ("public", vocabulary_options(TargetPublic, "publics"), ""),
    ("country", country_options, ""),
    ("region", region_options, ""),
    ("department", department_options, ""),
    ("pilot", organisation_options("leads", ORGANISATION_OPTIONS), MOST_REPRESENTED),
    ("partner", organisation_options("partners", ORGANISATION_OPTIONS), MOST_REPRESENTED),
    ("organisation", chosen_organisation_options, ""),
    ("status", status_options, ""),
    ("source", vocabulary_options(Source, "sources"), ""),
]


def build_facets(
    filterset: InitiativeFilter, cache: ListCache, locked: Mapping[str, str] | None = None
) -> list[Facet]:
    """The list's facets, each option counted with the other filters kept, from the bitmaps of
    `cache` (a ListCache); `locked` maps a filter's name to the value the page itself chose.
    Not cached apart: counting costs less than keeping, and the page is kept whole."""
    form = filterset.form
    locked = locked or {}
    bitmaps = cache.bitmaps
    facets = []
    for name, options, note in FACETS:
        counted = options(bitmaps.bitmaps, bitmaps.matching(without=name), filterset.chosen(name))
        if name in locked:
            counted = [replace(option, locked=option.value == locked[name]) for option in counted]
        if counted or form[name].errors or name != "organisation":
            facets.append(Facet(name, form[name].label, counted, form[name].errors, note))
    return facets
