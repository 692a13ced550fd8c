"""The one FilterSet behind the list, the theme pages and the CSV export."""

import re

import django_filters
from django import forms
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.functional import Promise, cached_property
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .caching import cached
from .exports import ExportFormat, organisation_display_name
from .models import (
    CatalogueRevision,
    CatalogueSearchQuery,
    Initiative,
    Organisation,
    Partnership,
    SearchWord,
    Source,
    Status,
    TargetPublic,
    Theme,
)

# The words of a search worth correcting when they match nothing: not operators, not short words.
WORD = re.compile(r"(?<![-\w])\w{4,}")


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
    orderings = {
        TITLE: ["title"],
        PILOT: [FIRST_LEAD.asc(nulls_last=True), "title"],
        RECENT: [F("start_year").desc(nulls_last=True), "title"],
    }


class RelatedSlugFilter(django_filters.ModelMultipleChoiceFilter):
    """Initiatives related to any of the chosen rows (OR), by slug in the query string.

    A semi-join (`pk IN (…)`) rather than a join: no duplicate rows, so no DISTINCT."""

    def filter(self, queryset, value):
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


class InitiativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Rechercher"), method="filter_search", max_length=200)
    theme = slug_filter("themes", Theme.objects.all(), _("Thème"))
    public = slug_filter("publics", TargetPublic.objects.all(), _("Public"))
    country = django_filters.MultipleChoiceFilter(
        label=_("Pays"), widget=forms.CheckboxSelectMultiple
    )
    region = django_filters.MultipleChoiceFilter(
        label=_("Région"), method="filter_region", widget=forms.CheckboxSelectMultiple
    )
    pilot = organisation_filter("led_by", _("Pilote"))
    partner = organisation_filter("partnered_with", _("Partenaire"))
    organisation = organisation_filter("involving", _("Organisation"))
    status = django_filters.MultipleChoiceFilter(
        label=_("Statut"), choices=Status.choices, widget=forms.CheckboxSelectMultiple
    )
    source = slug_filter("sources", Source.objects.all(), _("Source"))
    sort = django_filters.ChoiceFilter(
        label=_("Trier par"), choices=Sort.choices, method="filter_sort", empty_label=None
    )

    # The CSV export's variant. It filters nothing, but validating it here gives the export the
    # same 400 answer as every other parameter.
    format = django_filters.ChoiceFilter(
        label=_("Format d'export"),
        choices=ExportFormat.choices,
        method="keep_all",
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Initiative
        fields = []

    # Parameters that choose how the list is shown or exported, not which initiatives.
    NOT_FILTERS = ("sort", "format")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expanded_queries = {}
        places = cached(self.revision, ("places",), self.places)
        self.filters["country"].extra["choices"] = [
            (code, code) for code in dict.fromkeys(country for country, _region in places)
        ]
        self.regions = {slugify(region): region for _country, region in places if region}
        self.filters["region"].extra["choices"] = list(self.regions.items())

    @cached_property
    def revision(self):
        """The catalogue's revision when this request began (see initiatives.caching)."""
        return CatalogueRevision.objects.current()

    @property
    def cache_revision(self):
        """The revision to cache this list's figures under; None (nothing cached) when a
        parameter is invalid: the page then shows the error, not the list."""
        return self.revision if self.form.is_valid() else None

    @staticmethod
    def places():
        """Every (country, region) of the initiatives, for the choices of those filters."""
        places = Initiative.objects.order_by("country", "region").values_list("country", "region")
        return list(places.distinct())

    def chosen(self, name):
        """The valid values chosen for the filter `name`: slugs for rows, else the values."""
        return [getattr(value, "slug", value) for value in self.form.cleaned_data.get(name) or []]

    @cached_property
    def filters_key(self):
        """The valid filters and search as sorted plain values: the same list, the same key."""
        key = []
        for name, value in sorted(self.form.cleaned_data.items()):
            if name in self.NOT_FILTERS or not value:
                continue
            if isinstance(value, str):
                key.append((name, value.strip()))
            else:
                key.append((name, tuple(sorted(self.chosen(name)))))
        return tuple(key)

    def keep_all(self, queryset, name, value):
        return queryset

    def filter_search(self, queryset, name, value):
        search_query = self.search_query
        return queryset if search_query is None else queryset.search(search_query)

    @cached_property
    def search_query(self):
        """The query `q` asks for; if it finds nothing anywhere, the same with its unknown words
        replaced by the closest words of the catalogue (`corrected_search` then says so)."""
        self.corrected_search = None
        typed = (self.form.cleaned_data.get("q") or "").strip()
        if not typed:
            return None
        searched = cached(self.revision, ("searched", typed), lambda: self.text_to_search(typed))
        if searched != typed:
            self.corrected_search = searched
        return self.expanded_query(searched)

    def text_to_search(self, typed):
        """`typed`, or the same with its unknown words corrected if only that finds something."""
        if self.queryset.search(self.expanded_query(typed)).exists():
            return typed
        words = {word for word in WORD.findall(typed) if word.lower() != "or"}
        corrections = SearchWord.objects.corrections(words)
        if not corrections:
            return typed
        corrected = WORD.sub(lambda match: corrections.get(match[0], match[0]), typed)
        return corrected if self.queryset.search(self.expanded_query(corrected)).exists() else typed

    def expanded_query(self, text):
        """CatalogueSearchQuery(text), expanded once per request."""
        if text not in self.expanded_queries:
            self.expanded_queries[text] = CatalogueSearchQuery(text)
        return self.expanded_queries[text]

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__in=[self.regions[slug] for slug in value])

    def filter_sort(self, queryset, name, value):
        if value == Sort.RELEVANCE:
            return queryset  # filter_queryset orders by rank when there is a search
        return queryset.order_by(*Sort.orderings[value])

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        searching = "rank" in queryset.query.annotations
        if searching and self.form.cleaned_data.get("sort") in ("", None, Sort.RELEVANCE):
            queryset = queryset.order_by("-rank", "title")
        return queryset
