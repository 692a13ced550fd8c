from django import forms
from django.contrib import admin, messages
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.forms import SimpleArrayField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.formats import date_format
from django.utils.timezone import localtime
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
    Organisation,
    Partnership,
    Result,
    Source,
    TargetPublic,
    Theme,
    initiative_history,
    validate_phone,
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


@admin.register(Organisation)
class OrganisationAdmin(CatalogueModelAdmin):
    list_display = ("name", "acronym", "kind", "city", "country")
    list_filter = ("kind", "country")
    search_fields = ("name", "acronym", "description", "city")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "acronym", "slug", "kind", "description")}),
        (_("Coordonnées"), {"fields": ("website", "address", "city", "country")}),
    )


class PartnershipInline(admin.TabularInline):
    """The organisations of an initiative: its leads and its partners, by role."""

    model = Partnership
    extra = 0
    autocomplete_fields = ("organisation",)
    fields = ("position", "organisation", "role", "level", "note")


class PhoneListField(SimpleArrayField):
    """Phone numbers separated by commas. Django's array field shows only « item n is not
    valid » for a bad one; this checks each number and shows what is wrong with it."""

    def to_python(self, value):
        if isinstance(value, list):
            items = value
        else:
            items = [item.strip() for item in value.split(self.delimiter)] if value else []
        errors = []
        for item in items:
            try:
                self.base_field.clean(item)
                validate_phone(item)
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return items


class ContactInline(admin.StackedInline):
    model = Contact
    formfield_overrides = {
        **CatalogueModelAdmin.formfield_overrides,
        ArrayField: {"form_class": PhoneListField},
    }
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


def changes_since(initiative_pk, version):
    """What was changed in an initiative since `version`, by whom and when, from its history:
    (field and inline names, user names, date of the latest change)."""
    records = Initiative.history.filter(id=initiative_pk).select_related("history_user")
    seen = records.filter(version__lte=version).first()
    newer = list(records.filter(version__gt=version))
    if not newer:
        return [], [], None
    latest = newer[0]
    names = []
    if seen is not None:
        for field in latest.diff_against(seen).changed_fields:
            names.append(str(Initiative._meta.get_field(field).verbose_name))
        for model in (Partnership, Contact, Result, Citation):
            changed = model.history.filter(
                initiative_id=initiative_pk, history_date__gt=seen.history_date
            )
            if changed.exists():
                names.append(str(model._meta.verbose_name_plural))
    users = []
    for record in newer:
        user = record.history_user
        name = (user.get_full_name() or user.get_username()) if user else str(_("un script"))
        if name not in users:
            users.append(name)
    return names, users, localtime(latest.history_date)


class InitiativeAdminForm(forms.ModelForm):
    """The admin builds the fields (with its overrides); this adds the cross-field checks and
    refuses a form made from an older version of the initiative (optimistic locking)."""

    # The version the form was made from; the admin validates and saves in one transaction,
    # with the row locked from the check on.
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = to_historic(self.instance)
        if self.instance.pk:
            # A reverted form replaces today's version, not the one it shows.
            self.fields["base_version"].initial = (
                Initiative.objects.values_list("version", flat=True).get(pk=self.instance.pk)
                if record is not None
                else self.instance.version
            )
        # Reverting: the form shows the themes and publics of that version, not today's, when
        # the version recorded them (entries made in bulk, or before any theme, did not).
        if record is not None and record.themes.exists():
            for name in initiative_history.m2m_fields:
                if name in self.fields:
                    field_name = Initiative._meta.get_field(name).m2m_reverse_field_name()
                    self.initial[name] = [
                        getattr(row, f"{field_name}_id") for row in getattr(record, name).all()
                    ]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        other = Initiative.objects.filter(slug=slug).exclude(pk=self.instance.pk).first()
        if other is not None:
            raise ValidationError(
                _(
                    "Le slug « %(slug)s » est déjà celui de l'initiative « %(title)s » : "
                    "choisissez-en un autre, par exemple en ajoutant la ville."
                ),
                code="unique",
                params={"slug": slug, "title": other.title},
            )
        return slug

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            self.check_version(cleaned_data.get("base_version"))
        main_theme = cleaned_data.get("main_theme")
        themes = cleaned_data.get("themes")
        if main_theme and themes is not None and main_theme not in themes:
            self.add_error(
                "themes",
                _("Le thème principal « %(theme)s » doit figurer parmi les thèmes.")
                % {"theme": main_theme},
            )
        return cleaned_data

    def check_version(self, base_version):
        rows = Initiative.objects.filter(pk=self.instance.pk)
        if transaction.get_connection().in_atomic_block:
            rows = rows.select_for_update()
        stored = rows.values_list("version", flat=True).get()
        if base_version is None:
            raise ValidationError(
                _("Ce formulaire ne dit pas de quelle version il part : rouvrez la fiche."),
                code="stale",
            )
        if base_version != stored:
            names, users, when = changes_since(self.instance.pk, base_version)
            raise ValidationError(
                _(
                    "Cette initiative a été modifiée depuis que vous avez ouvert ce formulaire, "
                    "par %(users)s (dernière modification le %(date)s) ; changé : %(fields)s. "
                    "Vos modifications n'ont pas été enregistrées : rouvrez la fiche pour voir "
                    "la version actuelle, puis refaites-les."
                )
                % {
                    "users": ", ".join(users) or _("quelqu'un"),
                    "date": date_format(when, "DATETIME_FORMAT") if when else "?",
                    "fields": ", ".join(names) or _("rien de visible ici"),
                },
                code="stale",
            )
        # Saving increments the version from the one stored.
        self.instance.version = stored


@admin.register(Initiative)
class InitiativeAdmin(CatalogueModelAdmin):
    form = InitiativeAdminForm
    list_display = (
        "title",
        "leads",
        "main_theme",
        "country",
        "status",
        "is_published",
        "updated_at",
    )
    list_filter = ("is_published", "status", "main_theme", "themes", "country", "scope", "sources")
    list_select_related = ("main_theme",)
    search_fields = ("title", "aim", "organisations__name", "organisations__acronym")
    search_help_text = _("Titre, objectif, pilote ou partenaire.")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("main_theme", "themes", "publics", "parent", "related")
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "updated_at"
    inlines = (PartnershipInline, ContactInline, ResultInline, CitationInline)
    actions = ("publish", "unpublish", "export_csv")
    fieldsets = (
        (None, {"fields": ("title", "slug", "aim", "description", "is_published")}),
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
        (_("Suivi"), {"fields": ("created_at", "updated_at", "base_version")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_related()

    @admin.display(description=_("pilote"))
    def leads(self, initiative: Initiative) -> str:
        return ", ".join(str(organisation) for organisation in initiative.leads)

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
