from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import to_historic

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
    initiative_history,
)


class CatalogueModelAdmin(SimpleHistoryAdmin):
    """Every catalogue model keeps its history: who changed what, browsable and revertible."""

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = to_historic(self.instance)
        # Reverting: the form shows the themes and publics of that version, not today's, when
        # the version recorded them (entries made in bulk, or before any theme, did not).
        if record is not None and record.themes.exists():
            for name in initiative_history.m2m_fields:
                if name in self.fields:
                    field_name = Initiative._meta.get_field(name).m2m_reverse_field_name()
                    self.initial[name] = [
                        getattr(row, f"{field_name}_id") for row in getattr(record, name).all()
                    ]

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
    actions = ("publish", "unpublish", "export_csv")
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

    def save_model(self, request, obj, form, change):
        # The themes and publics are saved after the initiative: one history entry is recorded
        # once both are, by log_addition or log_change.
        obj.skip_history_when_saving = True
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        self._record_history(request, obj, "+")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._record_history(request, obj, "~")
        return super().log_change(request, obj, message)

    def _record_history(self, request, obj, history_type):
        if hasattr(obj, "skip_history_when_saving"):
            del obj.skip_history_when_saving
            obj._history_user = request.user
            initiative_history.create_historical_record(obj, history_type)

    def _set_published(self, request, queryset, published):
        """Saves each initiative whose state changes, so that its history records it."""
        changed = 0
        for initiative in queryset.exclude(is_published=published):
            initiative.is_published = published
            initiative._history_user = request.user
            initiative.save(update_fields=["is_published", "updated_at"])
            self.log_change(request, initiative, [{"changed": {"fields": ["is_published"]}}])
            changed += 1
        return changed

    @admin.action(description=_("Publier les initiatives sélectionnées"), permissions=["change"])
    def publish(self, request, queryset):
        changed = self._set_published(request, queryset, True)
        self.message_user(
            request,
            ngettext("%(count)d initiative publiée.", "%(count)d initiatives publiées.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Retirer du site public les initiatives sélectionnées"),
        permissions=["change"],
    )
    def unpublish(self, request, queryset):
        changed = self._set_published(request, queryset, False)
        self.message_user(
            request,
            ngettext(
                "%(count)d initiative retirée du site public.",
                "%(count)d initiatives retirées du site public.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Exporter les initiatives sélectionnées en CSV"))
    def export_csv(self, request, queryset):
        return csv_response(queryset.order_by("title"), request, filename_labels=["selection"])
