from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .exports import csv_response
from .models import (
    Acronym,
    Citation,
    Contact,
    Initiative,
    Partner,
    Partnership,
    Pilot,
    Result,
    Source,
    TargetPublic,
    Theme,
)


class CatalogueModelAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class VocabularyAdmin(CatalogueModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}


admin.site.register(Theme, VocabularyAdmin)
admin.site.register(TargetPublic, VocabularyAdmin)


@admin.register(Acronym)
class AcronymAdmin(CatalogueModelAdmin):
    """Acronyms searched for as their expansion, and the reverse."""

    list_display = ("acronym", "expansion")
    search_fields = ("acronym", "expansion")


@admin.register(Source)
class SourceAdmin(CatalogueModelAdmin):
    list_display = ("title", "publisher", "published_on", "language")
    list_filter = ("language",)
    search_fields = ("title", "publisher", "description")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "published_on"


class OrganisationAdmin(CatalogueModelAdmin):
    list_display = ("name", "acronym", "kind", "city", "country")
    list_filter = ("kind", "country")
    search_fields = ("name", "acronym", "description", "city")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "acronym", "slug", "kind", "description")}),
        (_("Coordonnées"), {"fields": ("website", "address", "city", "country")}),
    )


@admin.register(Pilot)
class PilotAdmin(OrganisationAdmin):
    pass


@admin.register(Partner)
class PartnerAdmin(OrganisationAdmin):
    pass


class PartnershipInline(admin.TabularInline):
    model = Partnership
    extra = 0
    autocomplete_fields = ("partner",)
    fields = ("position", "partner", "role", "level", "note")


class ContactInline(admin.StackedInline):
    model = Contact
    formfield_overrides = CatalogueModelAdmin.formfield_overrides
    extra = 0
    fields = (
        ("position", "hide_personal_data"),
        ("name", "role"),
        "organisation",
        ("email", "phones"),
        "address",
        "website",
    )


class ResultInline(admin.StackedInline):
    model = Result
    extra = 0
    autocomplete_fields = ("source",)
    fields = (
        "position",
        "text",
        ("value", "unit", "measure"),
        ("as_of", "as_of_precision"),
        "source",
    )


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "location")


class InitiativeAdminForm(forms.ModelForm):
    """The admin builds the fields (with its overrides); this adds the cross-field checks."""

    def clean(self):
        cleaned_data = super().clean()
        main_theme = cleaned_data.get("main_theme")
        themes = cleaned_data.get("themes")
        if main_theme and themes is not None and main_theme not in themes:
            self.add_error(
                "themes",
                _("Le thème principal « %(theme)s » doit figurer parmi les thèmes.")
                % {"theme": main_theme},
            )
        return cleaned_data


@admin.register(Initiative)
class InitiativeAdmin(CatalogueModelAdmin):
    form = InitiativeAdminForm
    list_display = (
        "title",
        "pilot",
        "main_theme",
        "country",
        "status",
        "is_published",
        "updated_at",
    )
    list_filter = ("is_published", "status", "main_theme", "themes", "country", "scope", "sources")
    list_select_related = ("pilot", "main_theme")
    search_fields = ("title", "aim", "pilot__name", "pilot__acronym", "partners__name")
    search_help_text = _("Titre, objectif, pilote ou partenaire.")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("pilot", "main_theme", "themes", "publics", "parent", "related")
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "updated_at"
    inlines = (PartnershipInline, ContactInline, ResultInline, CitationInline)
    actions = ("export_csv",)
    fieldsets = (
        (None, {"fields": ("title", "slug", "aim", "description", "is_published")}),
        (_("Porteur"), {"fields": ("pilot",)}),
        (_("Thèmes et publics"), {"fields": ("main_theme", "themes", "publics")}),
        (
            _("Territoire et période"),
            {
                "fields": (
                    ("city", "department"),
                    ("region", "country"),
                    "scope",
                    ("start_year", "end_year", "status"),
                )
            },
        ),
        (_("Financement et liens"), {"fields": ("funding", "website", "language")}),
        (_("Liens entre initiatives"), {"fields": ("parent", "related")}),
        (_("Suivi"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.action(description=_("Exporter les initiatives sélectionnées en CSV"))
    def export_csv(self, request, queryset):
        return csv_response(queryset.order_by("title"), request, filename_labels=["selection"])
