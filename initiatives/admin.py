from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.forms import SimpleArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from .exports import csv_response
from .models import (
    Acronym,
    Citation,
    Contact,
    Initiative,
    InitiativePlace,
    LinkCheck,
    Organisation,
    Partnership,
    Place,
    Result,
    Source,
    Suggestion,
    SuggestionState,
    TargetPublic,
    Theme,
    ThesaurusEntry,
    validate_phone,
)


def has_nul(values: Iterable[str]) -> bool:
    """Whether any of `values` holds a NUL byte, which PostgreSQL refuses in any text."""
    return any("\x00" in value for value in values)


class LookupsCheckedMixin:
    """What an address may hold that the admin would otherwise pass on to a query unchecked
    (a NUL byte, an id that is not a number): a 404, a list reset or nothing, not a 500."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # The list's own search is checked by its ChangeList; the autocomplete's is not.
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)  # type: ignore[misc]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Filters are applied lazily, past the ChangeList's own check of bad lookups: answer as
        # it does (the list without its filters, « ?e=1 »).
        if has_nul(request.GET.keys()) or has_nul(
            value for values in request.GET.lists() for value in values[1]
        ):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """The add form's initial values from the address, each kept only if its field would
        accept it: a wrong one (a choice's id that is not a number) would fail its rendering."""
        initial = super().get_changeform_initial_data(request)  # type: ignore[misc]
        fields = self.get_form(request).base_fields  # type: ignore[attr-defined]
        for name, value in list(initial.items()):
            try:
                if name in fields:
                    fields[name].clean(value)
            except ValidationError:
                del initial[name]
        return initial


class CatalogueModelAdmin(LookupsCheckedMixin, SimpleHistoryAdmin):
    """Every catalogue model keeps its history: who changed what, browsable and revertible."""

    formfield_overrides: dict = {models.URLField: {"assume_scheme": "https"}}

    def check_id(self, object_id: str) -> None:
        """A 404 for an address whose id could be no row's (the history of a row since deleted
        stays readable)."""
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError as error:
            raise Http404 from error

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self.check_id(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not version_id.isascii() or not version_id.isdigit():
            raise Http404
        self.check_id(object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class VocabularyAdmin(CatalogueModelAdmin):
    list_display = ("name", "name_en", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "name_en", "description")
    prepopulated_fields = {"slug": ("name",)}


admin.site.register(Theme, VocabularyAdmin)
admin.site.register(TargetPublic, VocabularyAdmin)


@admin.register(Acronym)
class AcronymAdmin(CatalogueModelAdmin):
    """Acronyms searched for as their expansion, and the reverse."""

    list_display = ("acronym", "expansion")
    search_fields = ("acronym", "expansion")


@admin.register(ThesaurusEntry)
class ThesaurusEntryAdmin(CatalogueModelAdmin):
    """Readers' words searched for as the catalogue's terms too."""

    list_display = ("words", "terms", "both_ways")
    list_filter = ("both_ways",)
    search_fields = ("words", "terms")


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
        (
            _("Coordonnées"),
            {"fields": ("website", "address", "city", "country", ("email", "phones"))},
        ),
    )

    def formfield_for_dbfield(
        self, db_field: models.Field, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if isinstance(db_field, ArrayField):
            kwargs["form_class"] = PhoneListField  # each number checked, as for contacts
        return super().formfield_for_dbfield(db_field, request, **kwargs)


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
        ("position", "nature"),
        "text",
        ("text_translation", "text_language"),
        ("qualifier", "value", "value_max"),
        ("unit", "measure"),
        ("as_of", "as_of_precision"),
        "source",
    )


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "location", "title_assigned", "staff_note")


@admin.register(Place)
class PlaceAdmin(LookupsCheckedMixin, admin.ModelAdmin):
    """The reference places, read only: they come from the offline dataset (initiatives/geodata)
    and are searched here and from an initiative's places."""

    list_display = ("name", "kind", "code", "department_code", "region_name", "country")
    list_filter = ("kind", "country")
    search_fields = ("name", "=code", "=postcodes__0", "department_name", "region_name")
    ordering = ("kind", "name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Place | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Place | None = None) -> bool:
        return False


class PlaceInline(admin.TabularInline):
    model = InitiativePlace
    extra = 0
    autocomplete_fields = ("place",)
    fields = ("position", "place")


class InitiativeAdminForm(forms.ModelForm):
    """The admin builds the fields (with its overrides); this adds the cross-field checks and
    refuses a form made from an older version of the initiative (optimistic locking)."""

    # The version the form was made from; the admin validates and saves in one transaction,
    # with the row locked from the check on.
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.update(self.instance.edit_initial())

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
        super().clean()
        cleaned_data = self.cleaned_data
        if self.instance.pk:
            self.instance.check_version(cleaned_data.get("base_version"))
        main_theme = cleaned_data.get("main_theme")
        themes = cleaned_data.get("themes")
        if main_theme and themes is not None and main_theme not in themes:
            self.add_error(
                "themes",
                _("Le thème principal « %(theme)s » doit figurer parmi les thèmes.")
                % {"theme": main_theme},
            )
        return cleaned_data


class ReviewFilter(admin.SimpleListFilter):
    """« À revérifier »: the initiatives to check again (InitiativeQuerySet.due_for_review), or
    those without a way to reach anyone, or showing a broken link."""

    title = _("à revérifier")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return (
            ("due", _("date dépassée ou jamais vérifiée")),
            ("soon", _("dans les 30 jours")),
            ("no_contact", _("sans contact")),
            ("broken_links", _("lien cassé")),
        )

    def queryset(self, request, queryset):
        today = timezone.localdate()
        match self.value():
            case "due":
                return queryset.due_for_review(today)
            case "soon":
                return queryset.due_for_review(today + timedelta(days=30))
            case "no_contact":
                return queryset.without_contact()
            case "broken_links":
                return queryset.with_broken_links()
        return queryset


@admin.register(Initiative)
class InitiativeAdmin(CatalogueModelAdmin):
    form = InitiativeAdminForm
    list_display = (
        "title",
        "leads",
        "main_theme",
        "place_names",
        "status",
        "is_published",
        "verified_on",
        "review_before",
        "updated_at",
    )
    list_filter = (
        ReviewFilter,
        "is_published",
        "status",
        "main_theme",
        "themes",
        ("places__country", admin.AllValuesFieldListFilter),
        "scope",
        "sources",
        ("verified_on", admin.EmptyFieldListFilter),
    )
    list_select_related = ("main_theme",)
    search_fields = ("title", "aim", "organisations__name", "organisations__acronym")
    search_help_text = _("Titre, objectif, pilote ou partenaire.")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("main_theme", "themes", "publics", "parent", "related")
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "updated_at"
    inlines = (PartnershipInline, PlaceInline, ContactInline, ResultInline, CitationInline)
    actions = ("publish", "unpublish", "mark_verified", "export_csv")
    fieldsets = (
        (None, {"fields": ("title", "slug", "aim", "description", "is_published")}),
        (_("Thèmes et publics"), {"fields": ("main_theme", "themes", "publics")}),
        (
            _("Territoire et période"),
            {
                "fields": (
                    "scope",
                    ("start_year", "end_year", "status"),
                )
            },
        ),
        (_("Financement et liens"), {"fields": ("funding", "website")}),
        (
            _("Langue et traduction du catalogue"),
            {
                "fields": (
                    "language",
                    "aim_translation",
                    "description_translation",
                    "funding_translation",
                ),
                "description": _(
                    "Un texte qui n'est pas en français garde son original ; sa traduction "
                    "française est présentée au public comme celle du catalogue."
                ),
            },
        ),
        (_("Liens entre initiatives"), {"fields": ("parent", "related")}),
        (
            _("Suivi"),
            {
                "fields": (
                    ("verified_on", "review_before"),
                    "created_at",
                    "updated_at",
                    "base_version",
                )
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_related()

    @admin.display(description=_("pilote"))
    def leads(self, initiative: Initiative) -> str:
        return ", ".join(str(organisation) for organisation in initiative.leads)

    @admin.display(description=_("lieux"))
    def place_names(self, initiative: Initiative) -> str:
        return ", ".join(str(place) for place in initiative.place_list)

    # One history entry per edit: the admin saves the initiative, then its themes, publics and
    # inlines, then logs the addition or change, which records the entry.
    def save_model(self, request, obj, form, change):
        obj.save_edit()

    def log_addition(self, request, obj, message):
        obj.record_edit(request.user, created=True)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        obj.record_edit(request.user, created=False)
        return super().log_change(request, obj, message)

    def _set_published(self, request, queryset, published):
        """Publishes or withdraws the selection; returns how many changed."""
        changed = queryset.set_published(published, request.user)
        return self._log_changes(request, changed, "is_published")

    def _log_changes(self, request, changed, field):
        """Lists each initiative whose `field` an action changed in the admin's log; returns how
        many there are."""
        for initiative in changed:
            self.log_change(request, initiative, [{"changed": {"fields": [field]}}])
        return len(changed)

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

    @admin.action(
        description=_("Marquer les initiatives sélectionnées comme vérifiées aujourd'hui"),
        permissions=["change"],
    )
    def mark_verified(self, request, queryset):
        changed = self._log_changes(request, queryset.mark_verified(request.user), "verified_on")
        self.message_user(
            request,
            ngettext(
                "%(count)d initiative marquée comme vérifiée aujourd'hui.",
                "%(count)d initiatives marquées comme vérifiées aujourd'hui.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Exporter les initiatives sélectionnées en CSV"))
    def export_csv(self, request, queryset):
        return csv_response(queryset.order_by("title"), request, filename_labels=["selection"])


@admin.register(Suggestion)
class SuggestionAdmin(CatalogueModelAdmin):
    """The review queue: readers' suggestions by state, newest first, each linked to its
    initiative's change form; setting the state records who handled it and when."""

    list_display = ("created_at", "initiative_link", "part", "summary", "state", "handled_by")
    list_filter = ("state", "part")
    list_select_related = ("initiative", "handled_by")
    search_fields = ("message", "name", "email", "initiative__title")
    date_hierarchy = "created_at"
    actions = ("accept", "reject")
    fields = (
        "initiative_link",
        "created_at",
        "part",
        "message",
        ("name", "email"),
        "state",
        "staff_note",
        ("handled_by", "handled_at"),
    )
    readonly_fields = (
        "initiative_link",
        "created_at",
        "part",
        "message",
        "name",
        "email",
        "handled_by",
        "handled_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # readers send them, from the public site

    @admin.display(description=_("initiative"), ordering="initiative__title")
    def initiative_link(self, suggestion: Suggestion) -> str:
        url = reverse("admin:initiatives_initiative_change", args=[suggestion.initiative_id])
        return format_html('<a href="{}">{}</a>', url, suggestion.initiative.title)

    @admin.display(description=_("message"))
    def summary(self, suggestion: Suggestion) -> str:
        return Truncator(suggestion.message).chars(120)

    def save_model(self, request, obj, form, change):
        if "state" in form.changed_data:
            obj.handle(obj.state, request.user)
        else:
            super().save_model(request, obj, form, change)

    def _handle(self, request, queryset, state):
        changed = queryset.handle(state, request.user)
        for suggestion in changed:
            self.log_change(request, suggestion, [{"changed": {"fields": ["state"]}}])
        self.message_user(
            request,
            ngettext(
                "%(count)d suggestion marquée « %(state)s ».",
                "%(count)d suggestions marquées « %(state)s ».",
                len(changed),
            )
            % {"count": len(changed), "state": SuggestionState(state).label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Marquer comme acceptées"), permissions=["change"])
    def accept(self, request, queryset):
        self._handle(request, queryset, SuggestionState.ACCEPTED)

    @admin.action(description=_("Marquer comme rejetées"), permissions=["change"])
    def reject(self, request, queryset):
        self._handle(request, queryset, SuggestionState.REJECTED)


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    """What check_links found: broken links first, each with the initiatives showing it."""

    list_display = ("target", "kind", "ok", "status", "detail", "checked_at", "shown_by")
    list_filter = ("ok", "kind")
    search_fields = ("target", "final_url")
    readonly_fields = ("shown_by",)
    exclude = ("initiatives",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("initiatives")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LinkCheck | None = None) -> bool:
        return False  # check_links writes them

    @admin.display(description=_("affiché par"))
    def shown_by(self, check: LinkCheck) -> str:
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:initiatives_initiative_change", args=[item.pk]), item.title)
                for item in check.initiatives.all()
            ),
        )
