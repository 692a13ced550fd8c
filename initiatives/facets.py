"""Counts for the options of the list's filters, given the other filters (facets).

Options of one filter combine with OR and different filters with AND, so an option's count is
the number of initiatives it would give with every *other* active filter kept. Options with no
initiative stay listed, disabled, unless chosen (a chosen option can always be unchosen). One
query per filter, whatever the number of initiatives shown, and none while the catalogue has not
changed since the same filters were last counted (initiatives.caching).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils.functional import Promise
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext_lazy as _

from .models import (
    Initiative,
    InitiativePlace,
    Organisation,
    PartnerRole,
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


def related_options(
    model: type[models.Model] | QuerySet,
    matching: QuerySet,
    selected: list[str],
    limit: int | None = None,
    role: Q | None = None,
) -> list[Option]:
    """Rows of `model` (a vocabulary, source or organisation, or a QuerySet of them) with their
    initiatives' count; for organisations, the initiatives where they have a role `role` (a Q on
    their partnerships).

    Each initiative is linked to a vocabulary or source at most once; an organisation may be
    linked to one in several roles."""
    if role is None:
        count = Count("initiatives", filter=Q(initiatives__in=matching))
    else:
        count = Count(
            "partnerships__initiative",
            filter=role & Q(partnerships__initiative__in=matching),
            distinct=True,
        )
    rows = (model if isinstance(model, QuerySet) else model._default_manager).annotate(count=count)
    if limit is not None:
        rows = rows.filter(Q(count__gt=0) | Q(slug__in=selected)).order_by("-count", "name")
        rows = rows[: max(limit, len(selected))]
    return [Option(row.slug, str(row), row.count, row.slug in selected) for row in rows]


def value_counts(field_name: str, matching: QuerySet) -> dict[str, int]:
    """{value of `field_name`: count among `matching`} for every value of published rows."""
    rows = (
        Initiative.objects.published()
        .values(field_name)
        .annotate(count=Count("pk", filter=Q(pk__in=matching)))
        .order_by(field_name)
    )
    return {row[field_name]: row["count"] for row in rows}


KINDS = {
    "country": PlaceKind.COUNTRY,
    "region_code": PlaceKind.REGION,
    "department_code": PlaceKind.DEPARTMENT,
}


def place_counts(field_name: str, matching: QuerySet) -> list[dict]:
    """The countries, regions or départements (by `field_name` of Place: `country`,
    `region_code`, `department_code`) where published initiatives act, each with its `code`,
    its `name` and `count`, how many initiatives of `matching` act there. One query, on the
    initiatives' places only (not the whole reference)."""
    place_field = f"place__{field_name}"
    names = Place.objects.filter(kind=KINDS[field_name], code=OuterRef(place_field))
    return list(
        InitiativePlace.objects.filter(initiative__is_published=True)
        .exclude(**{place_field: ""})
        .values(code=F(place_field))
        .annotate(
            name=Subquery(names.values("name")[:1]),
            count=Count("initiative", filter=Q(initiative__in=matching), distinct=True),
        )
        .order_by("code")
    )


def place_options(
    field_name: str, value: Callable[[dict], str], label: Callable[[dict], str]
) -> Callable[[QuerySet, list[str]], list[Option]]:
    """The options of a place filter: where published initiatives act, and the chosen ones
    (read from the reference only when one of them is elsewhere)."""

    def options(matching: QuerySet, selected: list[str]) -> list[Option]:
        rows = place_counts(field_name, matching)
        missing = set(selected) - {value(row) for row in rows}
        if missing:
            for kind, code, name in Place.objects.filter_choices():
                row = {"code": code, "name": name, "count": 0}
                if kind == KINDS[field_name] and value(row) in missing:
                    rows.append(row)
        found = [
            Option(value(row), label(row), row["count"], value(row) in selected) for row in rows
        ]
        return sorted(found, key=lambda option: option.label)

    return options


country_options = place_options(
    "country", lambda row: row["code"], lambda row: country_name(row["code"])
)
# Regions go by the slug of their name (« provence-alpes-cote-dazur »).
region_options = place_options(
    "region_code", lambda row: slugify(row["name"]), lambda row: row["name"]
)
department_options = place_options(
    "department_code", lambda row: row["code"], lambda row: f"{row['name']} ({row['code']})"
)


def status_options(matching: QuerySet, selected: list[str]) -> list[Option]:
    """The statuses a reader is shown (StatusNow), each offered only if some initiative has it
    (or it is chosen): a status the catalogue holds none of would only ever count 0."""
    rows = (
        Initiative.objects.published()
        .with_status_now()
        .values("status_now")
        .annotate(count=Count("pk", filter=Q(pk__in=matching)))
        .order_by()
    )
    counts = {row["status_now"]: row["count"] for row in rows}
    return [
        Option(value, str(capfirst(label)), counts.get(value, 0), value in selected)
        for value, label in StatusNow.choices
        if counts.get(value) or value in selected
    ]


def related_options_of(
    model: type[models.Model], limit: int | None = None, role: Q | None = None
) -> Callable[[QuerySet, list[str]], list[Option]]:
    return lambda matching, selected: related_options(model, matching, selected, limit, role)


def chosen_organisation_options(matching: QuerySet, selected: list[str]) -> list[Option]:
    """The organisations the `organisation` parameter chose, in any role: a filter offered only
    once chosen (a page links to it), so none is counted otherwise."""
    if not selected:
        return []
    chosen = Organisation.objects.filter(slug__in=selected)
    return related_options(chosen, matching, selected, role=Q())


AS_LEAD = Q(partnerships__role=PartnerRole.LEAD)


# The filters with counts, in the order the form shows them: name, option builder, note.
FACETS: list[tuple[str, Callable, str | Promise]] = [
    ("theme", related_options_of(Theme), ""),
    ("public", related_options_of(TargetPublic), ""),
    ("country", country_options, ""),
    ("region", region_options, ""),
    ("department", department_options, ""),
    ("pilot", related_options_of(Organisation, ORGANISATION_OPTIONS, AS_LEAD), MOST_REPRESENTED),
    ("partner", related_options_of(Organisation, ORGANISATION_OPTIONS, ~AS_LEAD), MOST_REPRESENTED),
    ("organisation", chosen_organisation_options, ""),
    ("status", status_options, ""),
    ("source", related_options_of(Source), ""),
]


def build_facets(
    filterset: InitiativeFilter, cache: ListCache, locked: Mapping[str, str] | None = None
) -> list[Facet]:
    """The list's facets, each option counted with the other filters kept (and cached through
    `cache`, a ListCache); `locked` maps a filter's name to the value the page itself chose."""
    form = filterset.form
    locked = locked or {}
    facets = []
    for name, options, note in FACETS:

        def count(
            name: str = name,
            options: Callable[[QuerySet, list[str]], list[Option]] = options,
        ) -> list[Option]:
            return options(matching_without(filterset, name), filterset.chosen(name))

        counted = cache.facet(name, count)
        if name in locked:
            counted = [replace(option, locked=option.value == locked[name]) for option in counted]
        if counted or form[name].errors or name != "organisation":
            facets.append(Facet(name, form[name].label, counted, form[name].errors, note))
    return facets
