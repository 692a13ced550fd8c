"""The one FilterSet behind the list, the theme pages and the CSV export."""

import django_filters
from django import forms
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .exports import ExportFormat
from .models import Initiative, Partner, Pilot, Source, Status, TargetPublic, Theme


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
        PILOT: ["pilot__name", "title"],
        RECENT: [F("start_year").desc(nulls_last=True), "title"],
    }


def slug_filter(field_name, queryset, label):
    return django_filters.ModelMultipleChoiceFilter(
        field_name=f"{field_name}__slug",
        to_field_name="slug",
        queryset=queryset,
        label=label,
        widget=forms.CheckboxSelectMultiple,
    )


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
    pilot = slug_filter("pilot", Pilot.objects.all(), _("Pilote"))
    partner = slug_filter("partners", Partner.objects.all(), _("Partenaire"))
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        countries = (
            Initiative.objects.order_by("country").values_list("country", flat=True).distinct()
        )
        self.filters["country"].extra["choices"] = [(code, code) for code in countries]
        self.regions = {
            slugify(name): name
            for name in Initiative.objects.exclude(region="")
            .order_by("region")
            .values_list("region", flat=True)
            .distinct()
        }
        self.filters["region"].extra["choices"] = list(self.regions.items())

    def keep_all(self, queryset, name, value):
        return queryset

    def filter_search(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

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
