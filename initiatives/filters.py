"""The one FilterSet behind the list, the theme pages and the CSV export."""

from typing import Any

import django_filters
from django import forms
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.expressions import OrderBy
from django.utils.functional import Promise, cached_property
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from . import caching, geo
from .exports import organisation_display_name
from .models import (
    Initiative,
    InitiativeQuerySet,
    Organisation,
    Partnership,
    Place,
    PlaceKind,
    Source,
    StatusNow,
    TargetPublic,
    Theme,
)
from .search import Search

# The display name of an initiative's first lead, to sort by.
FIRST_LEAD = Subquery(
    Partnership.objects.leads()
    .filter(initiative=OuterRef("pk"))
    .order_by("position", "organisation__name")
    .values(name=organisation_display_name("organisation__"))[:1]
)


class Sort:
    RELEVANCE = "relevance"
    TITLE = "title"
    PILOT = "pilot"
    RECENT = "recent"

    choices = [
        (RELEVANCE, _("pertinence")),
        (TITLE, _("titre")),
        (PILOT, _("pilote")),
        (RECENT, _("les plus récentes")),
    ]
    orderings: dict[str, list[str | OrderBy]] = {
        TITLE: ["title"],
        PILOT: [FIRST_LEAD.asc(nulls_last=True), "title"],
        RECENT: [F("start_year").desc(nulls_last=True), "title"],
    }


class RelatedSlugFilter(django_filters.ModelMultipleChoiceFilter):
    """Initiatives related to any of the chosen rows (OR), by slug in the query string.

    A semi-join (`pk IN (…)`) rather than a join: no duplicate rows, so no DISTINCT."""

    def filter(self, queryset: QuerySet, value: list[Any]) -> QuerySet:
        if not value:
            return queryset
        related = Initiative.objects.filter(**{f"{self.related_name}__in": value})
        return queryset.filter(pk__in=related.values("pk"))


class OrganisationFilter(RelatedSlugFilter):
    """Initiatives in which any of the chosen organisations has the role the filter is for; its
    `related_name` is the InitiativeQuerySet method saying so (led_by, partnered_with,
    involving)."""

    def filter(self, queryset: QuerySet, value: list[Organisation]) -> QuerySet:
        if not value:
            return queryset
        return getattr(queryset, self.related_name)(value)


def slug_filter(
    related_name: str,
    queryset: QuerySet,
    label: str | Promise,
    filter_class: type[RelatedSlugFilter] = RelatedSlugFilter,
) -> RelatedSlugFilter:
    slug_filter = filter_class(
        to_field_name="slug",
        queryset=queryset,
        label=label,
        widget=forms.CheckboxSelectMultiple,
    )
    slug_filter.related_name = related_name
    return slug_filter


def organisation_filter(involvement: str, label: str | Promise) -> RelatedSlugFilter:
    return slug_filter(involvement, Organisation.objects.all(), label, OrganisationFilter)


class InitiativeFilterForm(forms.Form):
    """The list's form: `near` names one commune (`near_commune`), or the page lists the
    communes it may mean (`near_matches`) and says what to type."""

    near_commune: Place | None = None
    near_matches: list[Place] = []

    def clean_near(self) -> str:
        text = (self.cleaned_data.get("near") or "").strip()
        if not text:
            return ""
        found = geo.find_communes(text)
        if len(found) == 1:
            self.near_commune = found[0]
            return text
        if not found:
            raise forms.ValidationError(
                _("Aucune commune ne s'appelle « %(near)s » ni n'a ce code postal."),
                params={"near": text},
                code="unknown",
            )
        self.near_matches = found[: geo.LISTED_MATCHES]
        raise forms.ValidationError(
            _("Plusieurs communes répondent à « %(near)s » : choisissez-en une."),
            params={"near": text},
            code="ambiguous",
        )


class InitiativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Rechercher"), method="filter_search", max_length=200)
    theme = slug_filter("themes", Theme.objects.all(), _("Thème"))
    public = slug_filter("publics", TargetPublic.objects.all(), _("Public"))
    country = django_filters.MultipleChoiceFilter(
        label=_("Pays"), method="filter_country", widget=forms.CheckboxSelectMultiple
    )
    region = django_filters.MultipleChoiceFilter(
        label=_("Région"), method="filter_region", widget=forms.CheckboxSelectMultiple
    )
    department = django_filters.MultipleChoiceFilter(
        label=_("Département"), method="filter_department", widget=forms.CheckboxSelectMultiple
    )
    pilot = organisation_filter("led_by", _("Pilote"))
    partner = organisation_filter("partnered_with", _("Partenaire"))
    organisation = organisation_filter("involving", _("Organisation"))
    # The status a reader is shown (StatusNow): the source's, or ended per the source's dates.
    status = django_filters.MultipleChoiceFilter(
        label=_("Statut"),
        choices=StatusNow.choices,
        method="filter_status",
        widget=forms.CheckboxSelectMultiple,
    )
    source = slug_filter("sources", Source.objects.all(), _("Source"))
    # The search exactly as typed: neither corrected nor shortened (see Search.correction).
    verbatim = django_filters.ChoiceFilter(
        label=_("Rechercher exactement"),
        choices=[("1", _("oui"))],
        method="filter_verbatim",
        widget=forms.HiddenInput,
    )
    # Orders by closeness to a commune (a name or postcode), filters nothing.
    near = django_filters.CharFilter(label=_("Près de"), method="filter_near", max_length=100)
    sort = django_filters.ChoiceFilter(
        label=_("Trier par"), choices=Sort.choices, method="filter_sort", empty_label=None
    )

    class Meta:
        model = Initiative
        fields: list[str] = []
        form = InitiativeFilterForm

    # Parameters that choose how the list is shown, not which initiatives.
    NOT_FILTERS = ("sort", "near")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Countries by ISO code, regions by the slug of their name, départements by code.
        places: dict[str, dict[str, str]] = {kind: {} for kind in PlaceKind.values}
        for kind, code, name in caching.places(self.request):
            places[kind][code] = name
        self.regions = {slugify(name): code for code, name in places[PlaceKind.REGION].items()}
        self.filters["country"].extra["choices"] = [
            (code, code) for code in places[PlaceKind.COUNTRY]
        ]
        self.filters["region"].extra["choices"] = [(slug, slug) for slug in self.regions]
        self.filters["department"].extra["choices"] = [
            (code, code) for code in places[PlaceKind.DEPARTMENT]
        ]

    def chosen(self, name: str) -> list:
        """The valid values chosen for the filter `name`: slugs for rows, else the values."""
        return [getattr(value, "slug", value) for value in self.form.cleaned_data.get(name) or []]

    @cached_property
    def search(self) -> Search | None:
        """The search typed in `q`, once the form is valid: the list and each facet filter by
        its one query. Its text may be corrected first (see ListCache.correct)."""
        typed = (self.form.cleaned_data.get("q") or "").strip()
        verbatim = bool(self.form.cleaned_data.get("verbatim"))
        return Search(typed, verbatim=verbatim) if typed else None

    def filter_search(
        self, queryset: InitiativeQuerySet, name: str, value: str
    ) -> InitiativeQuerySet:
        return queryset if self.search is None else queryset.search(self.search)

    def filter_verbatim(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # read by `search`

    def filter_country(
        self, queryset: InitiativeQuerySet, name: str, value: list[str]
    ) -> InitiativeQuerySet:
        return queryset.in_places(country=value) if value else queryset

    def filter_region(
        self, queryset: InitiativeQuerySet, name: str, value: list[str]
    ) -> InitiativeQuerySet:
        codes = [self.regions[slug] for slug in value]
        return queryset.in_places(region_code=codes) if value else queryset

    def filter_department(
        self, queryset: InitiativeQuerySet, name: str, value: list[str]
    ) -> InitiativeQuerySet:
        return queryset.in_places(department_code=value) if value else queryset

    def filter_status(
        self, queryset: InitiativeQuerySet, name: str, value: list[str]
    ) -> InitiativeQuerySet:
        return queryset.with_status_now().filter(status_now__in=value)

    @property
    def near_commune(self) -> Place | None:
        """The commune of `near`, once the form is valid."""
        return self.form.near_commune if self.is_valid() else None

    def filter_near(
        self, queryset: InitiativeQuerySet, name: str, value: str
    ) -> InitiativeQuerySet:
        commune = self.near_commune
        return queryset if commune is None else queryset.near(commune)

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == Sort.RELEVANCE:
            return queryset  # filter_queryset orders by rank when there is a search
        return queryset.order_by(*Sort.orderings[value])

    @property
    def by_relevance(self) -> bool:
        """Whether the list is sorted by relevance (the default), once the form is valid."""
        return self.form.cleaned_data.get("sort") in ("", None, Sort.RELEVANCE)

    # The initiatives the filters let through, when already known (their keys, a few): the
    # list is then read by key rather than through each filter's semi-join.
    selected: list[int] | None = None

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.selected is None or self.search is not None:
            queryset = super().filter_queryset(queryset)
        else:
            queryset = queryset.filter(pk__in=self.selected)
            for name in self.NOT_FILTERS:
                queryset = self.filters[name].filter(queryset, self.form.cleaned_data.get(name))
        searching = "rank" in queryset.query.annotations
        by_relevance = self.by_relevance
        if by_relevance and "near_order" in queryset.query.annotations:
            # The closest first; among as close, the most relevant.
            queryset = queryset.order_by("near_order", *(["-rank"] if searching else []), "title")
        elif searching and by_relevance:
            queryset = queryset.order_by("-rank", "title", "pk")
        return queryset
