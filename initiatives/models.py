"""The catalogue's data model.

Every model that fixtures reference has a natural key (its slug, or its parent's slug and a
position), so that `loaddata fixtures/*.json` updates rows in place instead of duplicating them.
"""

import calendar
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connection, models, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Length, Now
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries
from simple_history.models import HistoricalRecords, to_historic

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

from .nested import Nested, with_nested
from .search import Search, as_query, headline, relevance

MIN_YEAR = 1900
MAX_YEAR = 2100

# An initiative verified today is to be verified again within this many months, by default.
REVIEW_MONTHS = 12


def review_date(verified_on: date, months: int = REVIEW_MONTHS) -> date:
    """The default « à revérifier avant »: `months` after `verified_on`, on the same day of the
    month or the month's last day (29 February gives 28 February)."""
    month_index = verified_on.month - 1 + months
    year, month = verified_on.year + month_index // 12, month_index % 12 + 1
    return verified_on.replace(
        year=year, month=month, day=min(verified_on.day, calendar.monthrange(year, month)[1])
    )


country_code_validator = RegexValidator(
    r"^[A-Z]{2}$", _("Saisissez un code pays ISO 3166 alpha-2 en majuscules (FR, BE, NL…).")
)


def validate_country_known(value: str) -> None:
    """Refuses a code of the right shape that names no country (ZZ, XX)."""
    if value and not countries.name(value):
        raise ValidationError(
            _("« %(value)s » n'est le code d'aucun pays."),
            code="unknown_country",
            params={"value": value},
        )


def country_name(code: str) -> str:
    """The name of the country of ISO code `code` in the current language, or the code if it
    names none (nothing for no code)."""
    if not code:
        return ""
    return countries.name(code) or code


PHONE_CHARACTERS = re.compile(r"\+?[0-9 .()\-]+")


def validate_phone(value: str) -> None:
    """A phone number as people write it: digits, spaces, dots, hyphens, parentheses, a leading +;
    from 3 digits (short numbers) to 15 (the international maximum)."""
    digits = sum(character.isdigit() for character in value)
    if not PHONE_CHARACTERS.fullmatch(value) or not 3 <= digits <= 15:
        raise ValidationError(
            _(
                "« %(value)s » n'est pas un numéro de téléphone : de 3 à 15 chiffres, avec "
                "espaces, points, tirets ou parenthèses, et un + au début seulement."
            ),
            code="invalid_phone",
            params={"value": value},
        )


# A local part as addresses are really written: letters, digits and « . _ + ' - ». Quoted local
# parts and characters such as « ? & = % » are valid in RFC 5322 but would read as a mailto:
# link's parameters (« "a?cc=x@evil.example"@example.org » adds a recipient).
EMAIL_LOCAL_PART = re.compile(r"[A-Za-z0-9._+'-]+")


def validate_plain_email(value: str) -> None:
    """Refuses an email address whose local part (before the last @) is quoted or holds other
    characters than EMAIL_LOCAL_PART, after Django's own check of the whole address."""
    local_part = value.rpartition("@")[0]
    if local_part and not EMAIL_LOCAL_PART.fullmatch(local_part):
        raise ValidationError(
            _(
                "Avant le @, une adresse de courriel ne peut contenir que des lettres sans "
                "accent, des chiffres et les signes . _ + ' -"
            ),
            code="unsafe_email",
        )


def phone_list_field(help_text: Any) -> ArrayField:
    """Phone numbers, each as people write it (validate_phone)."""
    return ArrayField(
        models.CharField(max_length=40, validators=[validate_phone]),
        verbose_name=_("téléphones"),
        default=list,
        blank=True,
        help_text=help_text,
    )


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug: str) -> models.Model:
        return self.get(slug=slug)


class Language(models.TextChoices):
    FRENCH = "fr", _("français")
    DUTCH = "nl", _("néerlandais")
    ENGLISH = "en", _("anglais")


class Source(models.Model):
    """A document the catalogue's facts are drawn from."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("titre"), max_length=300)
    publisher = models.CharField(_("éditeur"), max_length=300, blank=True)
    published_on = models.DateField(_("date de publication"), null=True, blank=True)
    url = models.URLField(_("adresse web"), max_length=500, blank=True)
    language = models.CharField(
        _("langue"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    description = models.TextField(_("description"), blank=True)

    objects = SlugManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-published_on", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="source_title_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="source_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class Vocabulary(models.Model):
    """A controlled vocabulary, shown in `position` order."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("nom"), max_length=200, unique=True)
    name_en = models.CharField(
        _("nom en anglais"),
        max_length=200,
        blank=True,
        default="",
        db_default="",  # empty for rows written by SQL
        help_text=_("Montré sur les pages en anglais, et cherché comme le nom français."),
    )
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    objects = SlugManager()
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="%(class)s_name_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="%(class)s_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """Its name in the current language: the English name on English pages when it has one,
        else the French name."""
        if self.name_en and translation.get_language() == Language.ENGLISH:
            return self.name_en
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class Theme(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")

    def get_absolute_url(self) -> str:
        return reverse("initiatives:theme-detail", args=[self.slug])


class TargetPublic(Vocabulary):
    """The people an initiative is meant for."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("public cible")
        verbose_name_plural = _("publics cibles")


class OrganisationKind(models.TextChoices):
    ASSOCIATION = "association", _("association")
    STATE_SERVICE = "state-service", _("service de l'État")
    LOCAL_AUTHORITY = "local-authority", _("collectivité territoriale")
    PUBLIC_BODY = "public-body", _("établissement ou organisme public")
    FOUNDATION = "foundation", _("fondation ou fonds de dotation")
    COMPANY = "company", _("entreprise")
    INTERNATIONAL = "international", _("organisation internationale")
    NETWORK = "network", _("réseau ou collectif")
    OTHER = "other", _("autre")


@dataclass
class RoleInitiatives:
    """Initiatives an organisation has a role in, by title: the first ones, and how many."""

    initiatives: list["Initiative"]
    count: int

    def __iter__(self) -> Iterator["Initiative"]:
        return iter(self.initiatives)

    def __len__(self) -> int:
        return len(self.initiatives)

    @property
    def more(self) -> bool:
        """Whether there are more than those listed."""
        return self.count > len(self.initiatives)


class Organisation(models.Model):
    """An organisation or group: it leads (« porte ») some initiatives and is partner in others,
    the role being on the link (Partnership)."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("nom"), max_length=300)
    acronym = models.CharField(_("sigle"), max_length=60, blank=True)
    kind = models.CharField(
        _("type"), max_length=20, choices=OrganisationKind.choices, default=OrganisationKind.OTHER
    )
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("site web"), max_length=300, blank=True)
    address = models.TextField(_("adresse"), blank=True)
    city = models.CharField(_("ville"), max_length=120, blank=True)
    country = models.CharField(
        _("pays"),
        max_length=2,
        default="FR",
        blank=True,
        validators=[country_code_validator, validate_country_known],
        help_text=_("Vide pour un fonds ou un programme européen, qui n'est d'aucun pays."),
    )
    email = models.EmailField(
        _("courriel"),
        blank=True,
        validators=[validate_plain_email],
        help_text=_("Celui de l'organisation elle-même, tel que la source le donne."),
    )
    phones = phone_list_field(_("Ceux de l'organisation elle-même ; séparez-les par des virgules."))

    objects = SlugManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="organisation_name_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="organisation_slug_not_empty"),
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{2}$"),
                name="organisation_country_iso",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name, with the acronym in brackets unless the name already holds it.

        `exports.organisation_display_name` is the same rule in SQL (a test proves they agree)."""
        if self.acronym and self.acronym.lower() not in self.name.lower():
            return f"{self.name} ({self.acronym})"
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def get_absolute_url(self) -> str:
        return reverse("initiatives:organisation-detail", args=[self.slug])

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def has_contact_details(self) -> bool:
        """Whether the documents give a way to reach the organisation itself."""
        return bool(self.website or self.address or self.email or self.phones)

    def published_initiatives_by_role(
        self, limit: int | None = None
    ) -> tuple[RoleInitiatives, RoleInitiatives]:
        """The published initiatives it leads, and those it is partner in, each by title (the
        first `limit` of each, if given) with their number, read with what their cards show;
        the latter with `roles_of_organisation`, its partnerships in them."""
        published = Initiative.objects.published()
        led = published.led_by([self])
        partnered = published.partnered_with([self]).prefetch_related(
            Prefetch(
                "partnerships",
                queryset=Partnership.objects.partners().filter(organisation=self),
                to_attr="roles_of_organisation",
            )
        )
        counts = published.aggregate(
            led=Count("pk", filter=Q(pk__in=led.values("pk"))),
            partnered=Count("pk", filter=Q(pk__in=partnered.values("pk"))),
        )
        listed = []
        for initiatives, count in ((led, counts["led"]), (partnered, counts["partnered"])):
            ordered = initiatives.with_related().order_by("title")
            shown = ordered if limit is None else ordered[:limit]
            listed.append(RoleInitiatives(list(shown) if count else [], count))
        return listed[0], listed[1]


class Status(models.TextChoices):
    """The status as the source gives it, at the source's date."""

    PLANNED = "planned", _("en projet")
    ONGOING = "ongoing", _("en cours")
    COMPLETED = "completed", _("terminée")
    UNKNOWN = "unknown", _("inconnu")


class StatusNow(models.TextChoices):
    """The status a reader is shown today: the source's, unless the source said the initiative
    was planned or ongoing and its end year has passed since (`status_now()`). The `status`
    filter takes these codes."""

    PLANNED = Status.PLANNED.value, Status.PLANNED.label
    ONGOING = Status.ONGOING.value, Status.ONGOING.label
    ENDED_PER_SOURCE = "ended-per-source", _("terminée d'après les dates de la source")
    COMPLETED = Status.COMPLETED.value, Status.COMPLETED.label
    UNKNOWN = Status.UNKNOWN.value, Status.UNKNOWN.label


def current_year() -> int:
    """The year today, in the site's time zone: what a status is read against."""
    return timezone.localdate().year


def status_now(year: int) -> Case:
    """StatusNow in SQL: the source's status, or ENDED_PER_SOURCE for an initiative the source
    said planned or ongoing whose end year is before `year`."""
    return Case(
        When(
            Q(status__in=[Status.PLANNED, Status.ONGOING], end_year__lt=year),
            then=Value(StatusNow.ENDED_PER_SOURCE.value),
        ),
        default=F("status"),
        output_field=models.CharField(),
    )


def latest_source_date() -> Subquery:
    """An initiative's source date in SQL: the date of its most recent dated source, None if
    no source of it is dated."""
    return Subquery(
        Citation.objects.filter(initiative=OuterRef("pk"), source__published_on__isnull=False)
        .order_by("-source__published_on")
        .values("source__published_on")[:1]
    )


@dataclass(frozen=True)
class CatalogueText:
    """A text of an initiative as a reader gets it: the original, in `language`, or, when the
    catalogue translated it into French, the translation, the original kept beside it."""

    original: str
    language: str
    translation: str = ""

    def __bool__(self) -> bool:
        return bool(self.original or self.translation)

    @property
    def text(self) -> str:
        """The text shown first: the translation if there is one, else the original."""
        return self.translation or self.original

    @property
    def lang(self) -> str:
        """The language of `text`, for its `lang` attribute."""
        return Language.FRENCH.value if self.translation else self.language

    @property
    def language_name(self) -> str:
        """The name of the original's language."""
        return str(Language(self.language).label) if self.language in Language.values else ""


class Scope(models.TextChoices):
    LOCAL = "local", _("locale")
    DEPARTMENTAL = "departmental", _("départementale")
    REGIONAL = "regional", _("régionale")
    NATIONAL = "national", _("nationale")
    CROSS_BORDER = "cross-border", _("transfrontalière")
    INTERNATIONAL = "international", _("internationale")


class AcronymManager(models.Manager):
    def get_by_natural_key(self, acronym: str) -> models.Model:
        return self.get(acronym=acronym)


class Acronym(models.Model):
    """An acronym of the field and what it stands for: a search for either finds both."""

    acronym = models.CharField(_("sigle"), max_length=30, unique=True)
    expansion = models.CharField(_("forme développée"), max_length=300)

    objects = AcronymManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sigle")
        verbose_name_plural = _("sigles")
        ordering = ["acronym"]
        constraints = [
            models.CheckConstraint(condition=~Q(acronym=""), name="acronym_not_empty"),
            models.CheckConstraint(condition=~Q(expansion=""), name="acronym_expansion_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.acronym} ({self.expansion})"

    def natural_key(self) -> tuple[str]:
        return (self.acronym,)


class ThesaurusEntryManager(models.Manager):
    def get_by_natural_key(self, words: str) -> models.Model:
        return self.get(words=words)


class ThesaurusEntry(models.Model):
    """Words a reader types (in English, or everyday French) and the catalogue's terms for them:
    a search for the words also finds each term, and, both ways, a search for a term the words."""

    words = models.CharField(
        _("mots du lecteur"),
        max_length=200,
        unique=True,
        help_text=_("Un mot ou une expression que tape un lecteur, par exemple « housing »."),
    )
    terms = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("termes du catalogue"),
        help_text=_(
            "Les mots ou expressions des initiatives qu'ils désignent, séparés par des virgules, "
            "par exemple « logement,hébergement »."
        ),
    )
    both_ways = models.BooleanField(
        _("dans les deux sens"),
        default=False,
        help_text=_("Une recherche d'un des termes trouve aussi les mots du lecteur."),
    )

    objects = ThesaurusEntryManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("entrée du thésaurus")
        verbose_name_plural = _("thésaurus des lecteurs")
        ordering = ["words"]
        constraints = [
            models.CheckConstraint(condition=~Q(words=""), name="thesaurus_words_not_empty"),
            models.CheckConstraint(condition=~Q(terms=[]), name="thesaurus_terms_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.words} → {', '.join(self.terms)}"

    def natural_key(self) -> tuple[str]:
        return (self.words,)


class SearchWord(models.Model):
    """A word found in the initiatives (lower case, no accents), to correct typos in searches.

    Filled by the trigger that keeps initiatives' search vectors current (migration 0004)."""

    word = models.CharField(max_length=100, unique=True)

    class Meta:
        indexes = [
            GinIndex(OpClass(F("word"), name="gin_trgm_ops"), name="search_word_trigram"),
        ]

    def __str__(self) -> str:
        return self.word


class PlaceKind(models.TextChoices):
    COUNTRY = "country", _("pays")
    REGION = "region", _("région")
    DEPARTMENT = "department", _("département")
    COMMUNE = "commune", _("commune")


class PlaceQuerySet(models.QuerySet):
    def get_by_natural_key(self, kind: str, code: str) -> "Place":
        return self.get(kind=kind, code=code)

    def load_reference(self) -> int:
        """Fills the table from the reference file (initiatives.geodata) if it is empty, as
        after a flush; returns the number of places loaded."""
        from . import geodata

        if self.model._default_manager.exists():
            return 0
        with transaction.get_connection().cursor() as cursor:
            loaded = geodata.copy_rows(cursor, self.model._meta.db_table)
        self.name_countries_in_english()
        return loaded

    def name_countries_in_english(self) -> None:
        """Gives each country its English name (django-countries), which searches find as they
        find its French one."""
        countries_ = self.filter(kind=PlaceKind.COUNTRY)
        with translation.override(Language.ENGLISH):
            names = {code: country_name(code) for code in countries_.values_list("code", flat=True)}
        for code, name in names.items():
            countries_.filter(code=code).update(name_en=name)

    def filter_choices(self) -> list[tuple[str, str, str]]:
        """(kind, code, name) of every country, region and département: what the `country`,
        `region` and `department` filters accept."""
        kinds = [PlaceKind.COUNTRY, PlaceKind.REGION, PlaceKind.DEPARTMENT]
        rows = self.filter(kind__in=kinds).order_by("kind", "code")
        return list(rows.values_list("kind", "code", "name"))


class Place(models.Model):
    """A place an initiative acts in: a commune (for France, its INSEE code), a département,
    a region or a country, from the offline reference (initiatives/geodata), never typed.

    Each place names the département, region and country it is in, itself included, so that a
    filter on a département finds its communes with the département itself."""

    kind = models.CharField(_("type"), max_length=12, choices=PlaceKind.choices)
    code = models.CharField(
        _("code"),
        max_length=80,
        help_text=_(
            "Code INSEE pour une commune, une région ou un département français, code ISO 3166 "
            "pour un pays, codes GeoNames ailleurs."
        ),
    )
    name = models.CharField(_("nom"), max_length=200)
    name_en = models.CharField(
        _("nom en anglais"),
        max_length=200,
        blank=True,
        default="",
        db_default="",  # empty for the reference's rows, copied by SQL
        help_text=_("Pour un pays, son nom en anglais, cherché comme le nom français."),
    )
    department_code = models.CharField(_("code du département"), max_length=3, blank=True)
    department_name = models.CharField(_("département"), max_length=200, blank=True)
    region_code = models.CharField(_("code de la région"), max_length=20, blank=True)
    region_name = models.CharField(_("région"), max_length=200, blank=True)
    country = models.CharField(_("pays"), max_length=2, validators=[country_code_validator])
    postcodes = ArrayField(
        models.CharField(max_length=10), verbose_name=_("codes postaux"), default=list, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="place_unique_code"),
            models.CheckConstraint(condition=~Q(code=""), name="place_code_not_empty"),
            models.CheckConstraint(condition=~Q(name=""), name="place_name_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=PlaceKind.values), name="place_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["department_code"], name="place_department"),
            models.Index(fields=["region_code"], name="place_region"),
            models.Index(fields=["country"], name="place_country"),
        ]

    def __str__(self) -> str:
        """Its name as a card shows it: a French commune or département with the département's
        code, a foreign one with its country."""
        if self.kind == PlaceKind.COUNTRY:
            return self.country_name
        if self.department_code:
            return f"{self.name} ({self.department_code})"
        if self.country != "FR":
            return f"{self.name} ({self.country_name})"
        return self.name

    def natural_key(self) -> tuple[str, str]:
        return (self.kind, self.code)

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def parts(self) -> list[str]:
        """What the site shows of it, the smallest first: « Marseille », « Bouches-du-Rhône
        (13) », « Provence-Alpes-Côte d'Azur », « France »."""
        parts = [self.name] if self.kind == PlaceKind.COMMUNE else []
        if self.department_code:
            parts.append(f"{self.department_name} ({self.department_code})")
        if self.region_name:
            parts.append(self.region_name)
        parts.append(self.country_name)
        return parts


class InitiativeQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug: str) -> "Initiative":
        return self.get(slug=slug)

    def published(self) -> "InitiativeQuerySet":
        return self.filter(is_published=True)

    def for_theme(self, theme: Theme) -> "InitiativeQuerySet":
        return self.filter(
            Exists(Initiative.themes.through.objects.filter(initiative=OuterRef("pk"), theme=theme))
        )

    def in_places(self, **lookups: Iterable[str]) -> "InitiativeQuerySet":
        """Initiatives with a place in any of the départements, regions or countries given,
        as `department_code=[…]`, `region_code=[…]` or `country=[…]` (a semi-join)."""
        links = InitiativePlace.objects.filter(
            **{f"place__{field}__in": values for field, values in lookups.items()}
        )
        return self.filter(pk__in=links.values("initiative"))

    def near(self, commune: "Place") -> "InitiativeQuerySet":
        """Each with how close it acts to `commune`: `near_order` (initiatives.geo.closeness),
        its level (initiatives.geo.Closeness) and the km to its closest commune in one number."""
        from . import geo

        return self.annotate(**geo.closeness(commune))

    def search(self, query: Search | SearchQuery | str) -> "InitiativeQuerySet":
        """Initiatives matching `query` in web-search syntax ("phrase", -word, or), in French,
        ignoring case and accents, acronyms expanded, ranked by relevance (`rank`).
        `query` is the text typed (expanded now, in one query) or a Search (initiatives.search)."""
        search_query = as_query(query)
        return self.filter(search_vector=search_query).annotate(rank=relevance(search_query))

    def ranked(self, query: SearchQuery) -> "InitiativeQuerySet":
        """(key, relevance) of those matching `query` (an expanded query), in the order of a
        search's list: the most relevant first, then by title."""
        return (
            self.filter(search_vector=query)
            .annotate(rank=relevance(query))
            .order_by("-rank", "title", "pk")
            .values_list("pk", "rank")
        )

    def by_title(self) -> "InitiativeQuerySet":
        """(key, relevance) of these initiatives in the order of their titles, then keys, as
        `ranked()` gives them: all as relevant (0)."""
        return (
            self.annotate(rank=Value(0.0, output_field=FloatField()))
            .order_by("title", "pk")
            .values_list("pk", "rank")
        )

    def by_closeness(
        self, commune: "Place", keys: Iterable[int] | None = None
    ) -> "InitiativeQuerySet":
        """(key, relevance) of these initiatives as `ranked()` gives them, the closest to
        `commune` first: relevance is minus `near_order` (geo.closeness(), of `keys` only if
        given), then by title."""
        from . import geo

        return (
            self.annotate(**geo.closeness(commune, keys))
            .annotate(rank=-F("near_order"))
            .order_by("-rank", "title", "pk")
            .values_list("pk", "rank")
        )

    def search_counts(self, queries: Sequence[SearchQuery]) -> list[int]:
        """How many of these initiatives each of `queries` finds (one query)."""
        if not queries:
            return []
        counts = self.aggregate(
            **{
                f"found_{number}": Count("pk", filter=Q(search_vector=query))
                for number, query in enumerate(queries)
            }
        )
        return [counts[f"found_{number}"] for number in range(len(queries))]

    def highlighted(self, query: Search | SearchQuery) -> "InitiativeQuerySet":
        """Title and aim with the words matching `query` between the search's highlight marks."""
        search_query = as_query(query)
        return self.annotate(
            title_highlighted=headline("title", search_query, highlight_all=True),
            aim_highlighted=headline("aim", search_query, max_words=45, min_words=25),
        )

    def led_by(self, organisations: Iterable["Organisation"]) -> "InitiativeQuerySet":
        """Initiatives that any of `organisations` leads."""
        return self.filter(pk__in=Partnership.objects.leads().involving(organisations))

    def partnered_with(self, organisations: Iterable["Organisation"]) -> "InitiativeQuerySet":
        """Initiatives in which any of `organisations` is a partner (a role other than lead)."""
        return self.filter(pk__in=Partnership.objects.partners().involving(organisations))

    def involving(self, organisations: Iterable["Organisation"]) -> "InitiativeQuerySet":
        """Initiatives in which any of `organisations` has a role, lead or partner."""
        return self.filter(pk__in=Partnership.objects.involving(organisations))

    def around(
        self, initiative: "Initiative", limit: int = 6
    ) -> tuple[list["Initiative"], list["Initiative"]]:
        """What an initiative's page shows next to it, as cards, in two queries:

        - `linked`: its parts, then the initiatives related to it, each by title;
        - `close`: up to `limit` others close to it, a lead in common first, then a shared
          partner, then the same main theme, by title, each with its `closeness` (a Closeness).

        Its parts, the initiatives related to it and the close ones are found by five short,
        index-driven queries sent as one UNION, from the initiative's partnerships (read with
        it); then the cards are read by key."""
        is_part = Q(parent=initiative)
        is_linked = is_part | Q(pk__in=initiative.related.values("pk"))
        links = initiative.partnerships.all()
        lead_ids = [link.organisation_id for link in links if link.is_lead]
        partner_ids = [link.organisation_id for link in links if not link.is_lead]
        others = self.exclude(is_linked).exclude(pk=initiative.pk).order_by("title")
        kinds = [
            (Closeness.SAME_LEAD, others.led_by(lead_ids)),
            (Closeness.SHARED_PARTNER, others.partnered_with(partner_ids)),
            (Closeness.SAME_MAIN_THEME, others.filter(main_theme=initiative.main_theme_id)),
        ]
        # Markers of the linked ones, below every Closeness.
        part, related = -2, -1
        found = [
            self.filter(is_part).annotate(kind=Value(part)).values_list("pk", "kind"),
            self.filter(pk__in=initiative.related.values("pk"))
            .annotate(kind=Value(related))
            .values_list("pk", "kind"),
            *(
                queryset.annotate(kind=Value(kind.value)).values_list("pk", "kind")[:limit]
                for kind, queryset in kinds
            ),
        ]
        # Each initiative by the first reason it is shown for: a part, related, then closest.
        kind_of: dict[int, int] = {}
        for pk, kind in found[0].union(*found[1:], all=True):
            kind_of[pk] = min(kind, kind_of.get(pk, kind))
        linked, close = [], []
        for card in self.filter(pk__in=list(kind_of)).with_related():
            kind = kind_of[card.pk]
            card.is_part = kind == part
            card.is_linked = kind in (part, related)
            if card.is_linked:
                linked.append(card)
            else:
                card.closeness = Closeness(kind)
                close.append(card)
        linked.sort(key=lambda card: (not card.is_part, card.title))
        close.sort(key=lambda card: (card.closeness, card.title))
        return linked, close[:limit]

    def with_status_now(self, year: int | None = None) -> "InitiativeQuerySet":
        """Each with `status_now`, the status a reader is shown in `year` (this year unless
        given): a StatusNow code, computed in SQL so that lists filter and count by it."""
        return self.annotate(status_now=status_now(current_year() if year is None else year))

    def with_freshness(self, year: int | None = None) -> "InitiativeQuerySet":
        """Each with `status_now` (with_status_now) and `source_date` (latest_source_date)."""
        return self.with_status_now(year).annotate(source_date=latest_source_date())

    def mark_verified(
        self, user: "AbstractBaseUser | None", day: date | None = None
    ) -> list["Initiative"]:
        """Records that a person verified the initiatives selected on `day` (today unless
        given), and returns those whose date changed, each saved as set_published() does."""
        return self.set_each("verified_on", day or timezone.localdate(), user)

    def due_for_review(self, day: date | None = None) -> "InitiativeQuerySet":
        """Those to check again by `day` (today unless given): their « à revérifier avant »
        date reached, or never verified."""
        return self.filter(Q(review_before__lte=day or timezone.localdate()) | Q(verified_on=None))

    def without_contact(self) -> "InitiativeQuerySet":
        """Those whose page gives no way to reach anyone: no contact, and no lead whose own
        details the documents give (what includes/initiative_contacts.html falls back to)."""
        reachable_leads = Partnership.objects.leads().filter(
            Q(organisation__phones__len__gt=0)
            | ~Q(organisation__website="")
            | ~Q(organisation__email="")
            | ~Q(organisation__address=""),
            initiative=OuterRef("pk"),
        )
        return self.filter(
            ~Exists(Contact.objects.filter(initiative=OuterRef("pk"))), ~Exists(reachable_leads)
        )

    def with_broken_links(self) -> "InitiativeQuerySet":
        """Those showing a website or an email domain that check_links found broken."""
        return self.filter(
            Exists(
                LinkCheck.initiatives.through.objects.filter(
                    initiative=OuterRef("pk"), linkcheck__ok=False
                )
            )
        )

    def with_related(self) -> "InitiativeQuerySet":
        """What a card of an initiative shows (its main theme, themes, places and leads, its
        status now and its source's date), read in the same query (initiatives.nested)."""
        cards = self.with_freshness().select_related("main_theme")
        return with_nested(
            cards,
            Nested("themes", Theme.objects.all(), "initiatives"),
            Nested("place_links", InitiativePlace.objects.all(), "initiative", ("place",)),
            Nested(
                "partnerships",
                Partnership.objects.leads(),
                "initiative",
                ("organisation",),
                to_attr="lead_partnerships",
            ),
        )

    def with_page(self) -> "InitiativeQuerySet":
        """Everything an initiative's page shows of it, read in one query: its freshness, main
        theme and parent, themes, publics, partners, contacts, results, sources and places."""
        page = self.with_freshness().select_related("main_theme", "parent")
        return with_nested(
            page,
            Nested("themes", Theme.objects.all(), "initiatives"),
            Nested("publics", TargetPublic.objects.all(), "initiatives"),
            Nested("partnerships", Partnership.objects.all(), "initiative", ("organisation",)),
            Nested("contacts", Contact.objects.all(), "initiative"),
            Nested("results", Result.objects.all(), "initiative", ("source",)),
            Nested("citations", Citation.objects.all(), "initiative", ("source",)),
            Nested("place_links", InitiativePlace.objects.all(), "initiative", ("place",)),
        )

    def set_published(self, published: bool, user: "AbstractBaseUser | None") -> list["Initiative"]:
        """Publishes (or withdraws from the public site) the initiatives selected whose state
        changes, and returns them. Each is saved, so that its version moves on and its history
        records `user`; the rows are locked first, so that an edit saved meanwhile is either
        seen here or refused as made from an older version."""
        return self.set_each("is_published", published, user)

    def set_each(
        self, field: str, value: Any, user: "AbstractBaseUser | None"
    ) -> list["Initiative"]:
        """Sets `field` to `value` on the initiatives selected whose value differs, saving each
        (its version moves on, its history records `user`) with its row locked first, and
        returns them."""
        changed = []
        with transaction.atomic():
            for initiative in self.select_for_update().exclude(**{field: value}):
                setattr(initiative, field, value)
                initiative._history_user = user
                initiative.save(update_fields=[field, "updated_at"])
                changed.append(initiative)
        return changed


class Closeness(models.IntegerChoices):
    """Why an initiative is shown as close to another, closest first."""

    SAME_LEAD = 1, _("Même pilote")
    SHARED_PARTNER = 2, _("Un partenaire en commun")
    SAME_MAIN_THEME = 3, _("Même thème principal")


# An edit saves an initiative's fields, then its themes and publics: one entry records both,
# through this (see Initiative.save_edit and Initiative.record_edit).
initiative_history = HistoricalRecords(
    excluded_fields=["search_vector"], m2m_fields=["themes", "publics"]
)


class Initiative(models.Model):
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    title = models.CharField(_("titre"), max_length=300)
    aim = models.TextField(_("objectif"), blank=True, help_text=_("L'objectif en une phrase."))
    description = models.TextField(_("description"), blank=True)
    organisations: "models.ManyToManyField[Organisation, Partnership]" = models.ManyToManyField(
        Organisation,
        through="Partnership",
        related_name="initiatives",
        blank=True,
        verbose_name=_("organisations"),
    )
    main_theme = models.ForeignKey(
        Theme,
        on_delete=models.PROTECT,
        related_name="main_initiatives",
        verbose_name=_("thème principal"),
    )
    themes = models.ManyToManyField(
        Theme,
        related_name="initiatives",
        verbose_name=_("thèmes"),
        help_text=_("Le thème principal et, pour une action transversale, les autres."),
    )
    publics = models.ManyToManyField(
        TargetPublic, related_name="initiatives", blank=True, verbose_name=_("publics cibles")
    )
    places: "models.ManyToManyField[Place, InitiativePlace]" = models.ManyToManyField(
        Place,
        through="InitiativePlace",
        related_name="initiatives",
        blank=True,
        verbose_name=_("lieux"),
    )
    scope = models.CharField(
        _("échelle"), max_length=20, choices=Scope.choices, default=Scope.LOCAL
    )
    start_year = models.PositiveSmallIntegerField(
        _("année de début"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
    )
    end_year = models.PositiveSmallIntegerField(
        _("année de fin"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.UNKNOWN
    )
    funding = models.TextField(_("financement"), blank=True)
    website = models.URLField(_("site web"), max_length=300, blank=True)
    sources: "models.ManyToManyField[Source, Citation]" = models.ManyToManyField(
        Source, through="Citation", related_name="initiatives", verbose_name=_("sources")
    )
    language = models.CharField(
        _("langue de la source"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("fait partie de"),
    )
    related = models.ManyToManyField("self", blank=True, verbose_name=_("initiatives liées"))
    is_published = models.BooleanField(_("publiée"), default=True)
    # Kept current by database triggers (migrations 0003, 0011, 0013): title > aim and its
    # translation > description and its translation > organisations (leads, then partners), in
    # the `french_unaccent` text search configuration.
    search_vector = SearchVectorField(null=True, editable=False)
    aim_translation = models.TextField(
        _("objectif traduit"),
        blank=True,
        help_text=_("Traduction française du catalogue, quand l'objectif n'est pas en français."),
    )
    description_translation = models.TextField(
        _("description traduite"),
        blank=True,
        help_text=_(
            "Traduction française du catalogue, quand la description n'est pas en français."
        ),
    )
    funding_translation = models.TextField(
        _("financement traduit"),
        blank=True,
        help_text=_(
            "Traduction française du catalogue, quand le financement n'est pas en français."
        ),
    )
    # The last date a person checked the entry (with its lead or a newer document); never set
    # by loading data, so that nothing looks more recently checked than it was.
    verified_on = models.DateField(
        _("vérifiée le"),
        null=True,
        blank=True,
        help_text=_(
            "Dernière date à laquelle une personne a vérifié la fiche. Vide : jamais vérifiée "
            "depuis la source."
        ),
    )
    # Set to REVIEW_MONTHS after verified_on whenever that changes, unless given with it.
    review_before = models.DateField(
        _("à revérifier avant"),
        null=True,
        blank=True,
        help_text=_(
            "Douze mois après la vérification si vous la laissez telle quelle en changeant la "
            "date de vérification."
        ),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    # The row's modification time, for staff: not a date the public reads as "checked".
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    # Incremented by every save: an edit made from an older version is refused (check_version).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = InitiativeQuerySet.as_manager()
    history = initiative_history

    # Annotated by InitiativeQuerySet.with_freshness(), which the pages' querysets call.
    status_now: str
    source_date: date | None

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["title"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["-updated_at"]),
            # The lists' default order: a page of them is read in order, without sorting them all;
            # by title then key, every initiative in that order (ranking.by_title) and, with the
            # slug, the first few of a set of keys (the GeoJSON of a list known from its bitmaps)
            # are read from the index alone.
            models.Index(
                fields=["title", "id"],
                include=["slug"],
                condition=Q(is_published=True),
                name="initiative_published_title",
            ),
            # What the facets count, readable without the wide rows (index-only scans).
            models.Index(
                fields=["id"],
                include=["status"],
                condition=Q(is_published=True),
                name="initiative_published_facets",
            ),
            GinIndex(fields=["search_vector"], name="initiative_search_vector"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="initiative_title_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="initiative_slug_not_empty"),
            # /initiatives/map/ is the map of the list, not an initiative's page.
            models.CheckConstraint(
                condition=~Q(slug="map"),
                name="initiative_slug_not_a_page",
                violation_error_message=_(
                    "« map » est l'adresse de la carte : choisissez un autre slug."
                ),
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(start_year__gte=MIN_YEAR, start_year__lte=MAX_YEAR),
                name="initiative_start_year_range",
                violation_error_message=_(
                    "L'année de début doit être comprise entre 1900 et 2100."
                ),
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True)
                | Q(end_year__gte=MIN_YEAR, end_year__lte=MAX_YEAR),
                name="initiative_end_year_range",
                violation_error_message=_("L'année de fin doit être comprise entre 1900 et 2100."),
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="initiative_end_after_start",
                violation_error_message=_("L'année de fin ne peut précéder l'année de début."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="initiative_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(scope__in=Scope.values), name="initiative_scope_valid"
            ),
            models.CheckConstraint(
                condition=~Q(language=Language.FRENCH)
                | Q(aim_translation="", description_translation="", funding_translation=""),
                name="initiative_translation_of_other_language",
                violation_error_message=_(
                    "Un texte d'origine en français n'a pas de traduction : changez la langue de "
                    "la source ou videz les traductions."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="initiative_not_its_own_parent",
                violation_error_message=_("Une initiative ne peut faire partie d'elle-même."),
            ),
            models.CheckConstraint(
                condition=Q(review_before__isnull=True)
                | Q(verified_on__isnull=True)
                | Q(review_before__gt=models.F("verified_on")),
                name="initiative_review_after_verification",
                violation_error_message=_(
                    "La date « à revérifier avant » doit suivre celle de la vérification."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    natural_key.dependencies = [  # type: ignore[attr-defined]
        "initiatives.theme",
        "initiatives.targetpublic",
    ]

    def get_absolute_url(self) -> str:
        return reverse("initiatives:initiative-detail", args=[self.slug])

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any]
    ) -> "Initiative":
        instance = super().from_db(db, field_names, values)
        # From what was read alone: a deferred field is not fetched for this.
        loaded = instance.__dict__
        instance._loaded_review = (loaded.get("verified_on"), loaded.get("review_before"))
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        extra = {"version"}
        if self.set_default_review_date():
            extra.add("review_before")
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], *extra}
        super().save(*args, **kwargs)
        self._loaded_review = (self.verified_on, self.review_before)

    def set_default_review_date(self) -> bool:
        """Sets « à revérifier avant » REVIEW_MONTHS after verified_on when the verification
        date changed and the review date did not (or there is none); returns whether it did."""
        loaded_verified, loaded_review = getattr(self, "_loaded_review", (None, None))
        if not self.verified_on:
            return False
        changed = self.verified_on != loaded_verified and self.review_before == loaded_review
        if self.review_before is None or changed:
            self.review_before = review_date(self.verified_on)
            return True
        return False

    def edit_initial(self) -> dict[str, Any]:
        """What an edit of this initiative starts from: the version it replaces (for a copy of a
        historical record, a revert, today's and not the record's) and, for a revert, the
        themes and publics of that record, when it recorded them (entries made in bulk, or
        before any theme, did not)."""
        record = to_historic(self)
        if record is None:
            return {"base_version": self.version}
        initial: dict[str, Any] = {
            "base_version": Initiative.objects.values_list("version", flat=True).get(pk=self.pk)
        }
        if record.themes.exists():
            for field in Initiative._meta.many_to_many:
                if field.name in initiative_history.m2m_fields:
                    target = field.m2m_reverse_field_name()
                    initial[field.name] = [
                        getattr(row, f"{target}_id") for row in getattr(record, field.name).all()
                    ]
        return initial

    def check_version(self, base_version: int | None) -> None:
        """Refuses an edit made from another version than the stored one (optimistic locking),
        saying who changed what since, and when. Within a transaction, the row stays locked
        until it ends, so that no other save comes between this check and the edit's save.
        Saving then increments the version from the one stored."""
        rows = Initiative.objects.filter(pk=self.pk)
        if transaction.get_connection().in_atomic_block:
            rows = rows.select_for_update()
        stored = rows.values_list("version", flat=True).get()
        if base_version is None:
            raise ValidationError(
                _("Ce formulaire ne dit pas de quelle version il part : rouvrez la fiche."),
                code="stale",
            )
        if base_version != stored:
            names, users, when = self.changes_since(base_version)
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
        self.version = stored

    def changes_since(self, version: int) -> tuple[list[str], list[str], datetime | None]:
        """What was changed in this initiative since `version`, by whom and when, from its
        history: (field and inline names, user names, date of the latest change)."""
        records = Initiative.history.filter(id=self.pk).select_related("history_user")
        seen = records.filter(version__lte=version).first()
        newer = list(records.filter(version__gt=version))
        if not newer:
            return [], [], None
        latest = newer[0]
        names = []
        if seen is not None:
            # In the order of the model's fields: the diff's own order changes from run to run.
            changed_fields = set(latest.diff_against(seen).changed_fields)
            for field in [*Initiative._meta.fields, *Initiative._meta.many_to_many]:
                if field.name in changed_fields:
                    names.append(str(field.verbose_name))
            for model in (Partnership, InitiativePlace, Contact, Result, Citation):
                changed = model.history.filter(
                    initiative_id=self.pk, history_date__gt=seen.history_date
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

    def save_edit(self) -> None:
        """Saves an edit whose themes and publics are saved next: its history entry is left
        to record_edit(), once they are, so that the entry holds them."""
        self.skip_history_when_saving = True
        self.save()

    def record_edit(self, user: "AbstractBaseUser | None", created: bool) -> None:
        """Records the history entry of an edit saved by save_edit(), by `user`, once its
        themes and publics are saved; does nothing for a save that recorded its own."""
        if hasattr(self, "skip_history_when_saving"):
            del self.skip_history_when_saving
            self._history_user = user
            initiative_history.create_historical_record(self, "+" if created else "~")

    def clean(self) -> None:
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError(
                {"end_year": _("L'année de fin ne peut précéder l'année de début.")}
            )

    @property
    def aim_text(self) -> CatalogueText:
        return CatalogueText(self.aim, self.language, self.aim_translation)

    @property
    def description_text(self) -> CatalogueText:
        return CatalogueText(self.description, self.language, self.description_translation)

    @property
    def funding_text(self) -> CatalogueText:
        return CatalogueText(self.funding, self.language, self.funding_translation)

    @property
    def status_now_label(self) -> str:
        """The label of `status_now` (with_freshness()), capitalised."""
        return str(capfirst(StatusNow(self.status_now).label))

    @property
    def status_ended_per_source(self) -> bool:
        """Whether the status shown is the source's dates' and not the source's own."""
        return self.status_now == StatusNow.ENDED_PER_SOURCE

    @property
    def place_list(self) -> list[Place]:
        """Its places, in order (prefetched by `with_related()`)."""
        return [link.place for link in self.place_links.all()]

    @property
    def near_label(self) -> str:
        """How close it acts to the commune of the list's `near`, if the list has one."""
        from . import geo

        order = getattr(self, "near_order", None)
        return "" if order is None else geo.closeness_label(*geo.closeness_of(order))

    @property
    def period(self) -> str:
        if self.start_year and self.end_year:
            if self.start_year == self.end_year:
                return str(self.start_year)
            return f"{self.start_year}–{self.end_year}"
        if self.start_year:
            return _("depuis %(year)s") % {"year": self.start_year}
        if self.end_year:
            return _("jusqu'en %(year)s") % {"year": self.end_year}
        return ""

    def _partnerships(self) -> Iterable["Partnership"]:
        """Its partnerships, prefetched or read with their organisations."""
        if "partnerships" in getattr(self, "_prefetched_objects_cache", {}):
            return self.partnerships.all()
        return self.partnerships.select_related("organisation")

    @property
    def leads(self) -> list[Organisation]:
        """The organisations that lead it, in order (prefetched by `with_related()`)."""
        links = getattr(self, "lead_partnerships", None)
        if links is None:
            links = [link for link in self._partnerships() if link.is_lead]
        return [link.organisation for link in links]

    @property
    def partner_links(self) -> list["Partnership"]:
        """Its partnerships other than leads, in order, each with its organisation."""
        return [link for link in self._partnerships() if not link.is_lead]

    @property
    def result_sections(self) -> list["ResultSection"]:
        """Its results as its page shows them: achieved, targets, context apart."""
        return result_sections(self.results.all())

    @property
    def theme_tags(self) -> list[tuple[Theme, bool]]:
        """(theme, whether it is the main theme) for each of its themes, in order."""
        return [(theme, theme.pk == self.main_theme_id) for theme in self.themes.all()]


class ChildManager(models.Manager):
    """Rows that belong to one initiative, known by its slug and their position."""

    def get_by_natural_key(self, initiative_slug: str, position: int) -> models.Model:
        return self.get(initiative__slug=initiative_slug, position=position)


# What the site and the export say of an initiative whose source names no lead.
NO_LEAD = _("porteur non précisé par la source")


class PartnerRole(models.TextChoices):
    LEAD = "lead", pgettext_lazy("partnership role", "pilote")
    FINANCIAL = "financial", _("financier")
    OPERATIONAL = "operational", _("opérationnel")
    INSTITUTIONAL = "institutional", _("institutionnel")
    STEERING = "steering", _("comité de pilotage")
    ALLOCATION_COMMITTEE = "allocation-committee", _("commission d'attribution")
    PRESCRIBER = "prescriber", _("prescripteur")
    LOCAL_OPERATOR = "local-operator", _("opérateur local")
    PARTNER = "partner", _("partenaire")


class PartnerLevel(models.TextChoices):
    UNSPECIFIED = "", _("non précisé")
    EUROPEAN = "european", _("européen")
    NATIONAL = "national", _("national")
    REGIONAL = "regional", _("régional")
    DEPARTMENTAL = "departmental", _("départemental")
    LOCAL = "local", _("local")


class PartnershipQuerySet(models.QuerySet):
    def get_by_natural_key(
        self, initiative_slug: str, organisation_slug: str, role: str
    ) -> "Partnership":
        return self.get(
            initiative__slug=initiative_slug, organisation__slug=organisation_slug, role=role
        )

    def leads(self) -> "PartnershipQuerySet":
        return self.filter(role=PartnerRole.LEAD)

    def partners(self) -> "PartnershipQuerySet":
        """Every role but lead."""
        return self.exclude(role=PartnerRole.LEAD)

    def involving(self, organisations: Iterable[Organisation]) -> models.QuerySet:
        """The initiatives (as a subquery of their keys) linked to any of `organisations`."""
        return self.filter(organisation__in=organisations).values("initiative")


class Partnership(models.Model):
    """An organisation's part in an initiative: it leads it, or is a partner with the role the
    source gives it."""

    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="partnerships",
        verbose_name=_("initiative"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="partnerships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(
        _("rôle"), max_length=20, choices=PartnerRole.choices, default=PartnerRole.PARTNER
    )
    level = models.CharField(
        _("niveau"), max_length=20, choices=PartnerLevel.choices, blank=True, default=""
    )
    note = models.CharField(
        _("précision"),
        max_length=300,
        blank=True,
        help_text=_("Ce que la source dit du rôle, dans ses mots."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = PartnershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partenariat")
        verbose_name_plural = _("partenariats")
        ordering = ["initiative", "position", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "organisation", "role"], name="partnership_unique_role"
            ),
            models.CheckConstraint(
                condition=Q(role__in=PartnerRole.values), name="partnership_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__in=PartnerLevel.values), name="partnership_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"

    def natural_key(self) -> tuple[str, str, str]:
        return (self.initiative.slug, self.organisation.slug, self.role)

    natural_key.dependencies = ["initiatives.initiative", "initiatives.organisation"]  # type: ignore[attr-defined]

    @property
    def is_lead(self) -> bool:
        return self.role == PartnerRole.LEAD

    @property
    def role_display(self) -> str:
        """Its role as read on the site: the role's label, with its level's when known."""
        if self.level:
            return f"{self.get_role_display()}, {self.get_level_display()}"
        return self.get_role_display()


class InitiativePlaceManager(models.Manager):
    def get_by_natural_key(self, initiative_slug: str, kind: str, code: str) -> models.Model:
        return self.get(initiative__slug=initiative_slug, place__kind=kind, place__code=code)


class InitiativePlace(models.Model):
    """That an initiative acts in a place, in the order the initiative's page lists them."""

    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="place_links",
        verbose_name=_("initiative"),
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="initiative_links", verbose_name=_("lieu")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = InitiativePlaceManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lieu d'action")
        verbose_name_plural = _("lieux d'action")
        ordering = ["initiative", "position"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "place"], name="initiative_place_unique"),
        ]

    def __str__(self) -> str:
        return str(self.place)

    def natural_key(self) -> tuple[str, str, str]:
        return (self.initiative.slug, self.place.kind, self.place.code)

    natural_key.dependencies = ["initiatives.initiative"]  # type: ignore[attr-defined]


class Contact(models.Model):
    """A person or desk to reach about an initiative."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("initiative")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    name = models.CharField(_("nom"), max_length=200, blank=True)
    role = models.CharField(_("fonction"), max_length=300, blank=True)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    email = models.EmailField(_("courriel"), blank=True, validators=[validate_plain_email])
    phones = phone_list_field(_("Séparez plusieurs numéros par des virgules."))
    address = models.TextField(_("adresse postale"), blank=True)
    website = models.URLField(_("site web"), max_length=300, blank=True)
    hide_personal_data = models.BooleanField(
        _("masquer les données personnelles"),
        default=False,
        help_text=_("Cache le nom, le courriel et les téléphones sur le site public."),
    )

    objects = ChildManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["initiative", "position"]
        constraints = [
            # Checked at commit, so that an edit may swap or shift positions row by row.
            models.UniqueConstraint(
                fields=["initiative", "position"],
                name="contact_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=~Q(name="", organisation=""),
                name="contact_has_name_or_organisation",
                violation_error_message=_("Indiquez au moins un nom ou une organisation."),
            ),
        ]

    def __str__(self) -> str:
        return " — ".join(part for part in (self.name, self.organisation) if part)

    def public_fields(self) -> dict[str, Any]:
        """What the public may read of this contact, {field: value} with empty values, in the
        order the export writes it: no name, email nor phones when it asked to hide them.
        `exports.CONTACT_LINE` is the same rule in SQL (a test proves they agree)."""
        shown: tuple[str, ...]
        if self.hide_personal_data:
            shown = ("organisation", "role", "address", "website")
        else:
            shown = ("name", "role", "organisation", "email", "phones", "address", "website")
        return {field: getattr(self, field) for field in shown}

    def natural_key(self) -> tuple[str, int]:
        return (self.initiative.slug, self.position)

    natural_key.dependencies = ["initiatives.initiative"]  # type: ignore[attr-defined]


class DatePrecision(models.TextChoices):
    DAY = "day", _("jour")
    MONTH = "month", _("mois")
    QUARTER = "quarter", _("trimestre")
    YEAR = "year", _("année")


class ResultNature(models.TextChoices):
    ACHIEVED = "achieved", _("résultat")
    TARGET = "target", pgettext_lazy("result nature", "objectif")
    CONTEXT = "context", _("contexte")


class Qualifier(models.TextChoices):
    MORE_THAN = "more-than", _("plus de")
    AT_LEAST = "at-least", _("au moins")
    ABOUT = "about", _("environ")
    LESS_THAN = "less-than", _("moins de")
    UP_TO = "up-to", _("jusqu'à")


class ResultQuerySet(models.QuerySet):
    def achieved(self) -> "ResultQuerySet":
        return self.filter(nature=ResultNature.ACHIEVED)

    def targets(self) -> "ResultQuerySet":
        return self.filter(nature=ResultNature.TARGET)

    def context(self) -> "ResultQuerySet":
        return self.filter(nature=ResultNature.CONTEXT)

    def targets_without_horizon(self) -> "ResultQuerySet":
        """Targets that do not say by when."""
        return self.targets().filter(as_of__isnull=True)

    def without_source(self) -> "ResultQuerySet":
        return self.filter(source__isnull=True)


class ResultManager(ChildManager.from_queryset(ResultQuerySet)):  # type: ignore[misc]
    pass


class Result(models.Model):
    """What an initiative reports, with its figure where the source gives one."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="results", verbose_name=_("initiative")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    nature = models.CharField(
        _("nature"),
        max_length=10,
        choices=ResultNature.choices,
        default=ResultNature.ACHIEVED,
        help_text=_(
            "Un résultat obtenu, un objectif (sa date est son horizon, « d'ici 2021 ») ou un "
            "contexte qui ne décrit pas ce que l'initiative a fait."
        ),
    )
    text = models.TextField(_("texte"), help_text=_("Les mots de la source, dans sa langue."))
    text_translation = models.TextField(
        _("traduction du texte"),
        blank=True,
        help_text=_("Traduction en français du catalogue, quand la source n'est pas en français."),
    )
    text_language = models.CharField(
        _("langue du texte"),
        max_length=2,
        choices=Language.choices,
        blank=True,
        help_text=_("Vide : la langue de l'initiative."),
    )
    qualifier = models.CharField(
        _("qualificatif"), max_length=10, choices=Qualifier.choices, blank=True
    )
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2, null=True, blank=True)
    value_max = models.DecimalField(
        _("valeur haute"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Pour une fourchette (« 20 à 50 ») : sa borne haute, la valeur étant la basse."
        ),
    )
    unit = models.CharField(_("unité"), max_length=60, blank=True, help_text=_("%, €, places…"))
    measure = models.CharField(
        _("ce qui est compté"), max_length=300, blank=True, help_text=_("« bourses attribuées »…")
    )
    as_of = models.DateField(_("à la date du"), null=True, blank=True)
    as_of_precision = models.CharField(
        _("précision de la date"),
        max_length=7,
        choices=DatePrecision.choices,
        blank=True,
        help_text=_(
            "Une date connue au mois, au trimestre ou à l'année s'enregistre au premier jour de "
            "sa période. Pour un objectif, c'est son horizon."
        ),
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="results",
        verbose_name=_("source"),
    )

    objects = ResultManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("résultat")
        verbose_name_plural = _("résultats")
        ordering = ["initiative", "position"]
        constraints = [
            # Checked at commit, so that an edit may swap or shift positions row by row.
            models.UniqueConstraint(
                fields=["initiative", "position"],
                name="result_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="result_text_not_empty",
                violation_error_message=_("Un résultat a un texte."),
            ),
            models.CheckConstraint(
                condition=Q(as_of__isnull=True, as_of_precision="")
                | Q(as_of__isnull=False, as_of_precision__in=DatePrecision.values),
                name="result_as_of_has_precision",
                violation_error_message=_(
                    "Une date de résultat se donne avec sa précision (jour, mois, trimestre ou "
                    "année), et une précision avec sa date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(value_max__isnull=True)
                | Q(value__isnull=False, value_max__gte=F("value")),
                name="result_range_is_ordered",
                violation_error_message=_(
                    "Une fourchette a une valeur basse, et une valeur haute qui ne lui est pas "
                    "inférieure."
                ),
            ),
            models.CheckConstraint(
                condition=Q(qualifier="") | Q(value__isnull=False),
                name="result_qualifier_has_value",
                violation_error_message=_("Un qualificatif (« plus de »…) qualifie une valeur."),
            ),
            models.CheckConstraint(
                # A date known to its month, quarter or year is stored on its period's first day.
                condition=Q(as_of_precision__in=["", DatePrecision.DAY])
                | Q(as_of_precision=DatePrecision.MONTH, as_of__day=1)
                | Q(
                    as_of_precision=DatePrecision.QUARTER,
                    as_of__day=1,
                    as_of__month__in=[1, 4, 7, 10],
                )
                | Q(as_of_precision=DatePrecision.YEAR, as_of__day=1, as_of__month=1),
                name="result_as_of_starts_its_period",
                violation_error_message=_(
                    "Une date connue au mois, au trimestre ou à l'année s'enregistre au premier "
                    "jour de sa période."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def natural_key(self) -> tuple[str, int]:
        return (self.initiative.slug, self.position)

    natural_key.dependencies = ["initiatives.initiative"]  # type: ignore[attr-defined]

    @property
    def as_of_display(self) -> str:
        """The as-of date at the precision the source gives it."""
        return format_as_of(self.as_of, self.as_of_precision)

    @property
    def as_of_label(self) -> str:
        """The as-of date as the page says it: a target's is its horizon (« d'ici 2021 »)."""
        if not self.as_of:
            return ""
        if self.nature == ResultNature.TARGET:
            return _("d'ici %(date)s") % {"date": self.as_of_display}
        return self.as_of_display

    @property
    def figure_display(self) -> str:
        """The figure in words: « plus de 109 salariés », « 20 à 50 % … »; empty without one."""
        if self.value is None:
            return ""
        figure = format_number(self.value)
        if self.value_max is not None and self.value_max != self.value:
            figure = _("%(low)s à %(high)s") % {
                "low": figure,
                "high": format_number(self.value_max),
            }
        words = [str(self.get_qualifier_display()) if self.qualifier else "", figure]
        words += [self.unit, self.measure]
        return " ".join(word for word in words if word)

    @property
    def figure_is_in_text(self) -> bool:
        """Whether the text (or its translation) already states the figure's numbers, in
        digits or in (French) words: « 12 bourses », « une centaine », « trois ans »."""
        texts = [self.text, self.text_translation]
        return all(
            any(states_number(text, number) for text in texts)
            for number in (self.value, self.value_max)
            if number is not None
        )

    @property
    def language(self) -> str:
        """The language of the text: its own, or else its initiative's."""
        return self.text_language or self.initiative.language


def format_number(value: Decimal) -> str:
    """A figure as French (or English) writes it: « 1 900 », « 33,33 »."""
    exponent = value.normalize().as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return number_format(value, decimal_pos=places, force_grouping=True)


def digits_of(text: str) -> str:
    """The text with the white space and grouping signs inside numbers taken out."""
    return re.sub(r"(?<=\d)[\s\u202f.,](?=\d{3}\b)", "", text)


# How the documents write some numbers in words (the French ones the catalogue translates to).
NUMBER_WORDS = {
    0: ("aucun", "aucune"),
    1: ("un", "une"),
    2: ("deux",),
    3: ("trois",),
    4: ("quatre",),
    5: ("cinq",),
    6: ("six",),
    7: ("sept",),
    8: ("huit",),
    9: ("neuf",),
    10: ("dix", "dizaine"),
    12: ("douze", "douzaine"),
    15: ("quinze", "quinzaine"),
    20: ("vingt", "vingtaine"),
    30: ("trente", "trentaine"),
    40: ("quarante", "quarantaine"),
    50: ("cinquante", "cinquantaine"),
    100: ("cent", "centaine"),
}


def states_number(text: str, number: Decimal) -> bool:
    """Whether `text` gives `number`, in digits or in words."""
    digits = digits_of(format_number(number))
    if re.search(rf"(?<![\d,.]){re.escape(digits)}(?![\d]|,\d)", digits_of(text)):
        return True
    words = NUMBER_WORDS.get(int(number), ()) if number == int(number) else ()
    return any(re.search(rf"\b{word}s?\b", text, flags=re.IGNORECASE) for word in words)


# « 4e trimestre 2018 », « Q4 2018 »: the quarters by their number.
QUARTERS = {
    1: _("1er trimestre %(year)s"),
    2: _("2e trimestre %(year)s"),
    3: _("3e trimestre %(year)s"),
    4: _("4e trimestre %(year)s"),
}


def format_as_of(as_of: date | None, precision: str) -> str:
    if not as_of:
        return ""
    if precision == DatePrecision.YEAR:
        return str(as_of.year)
    if precision == DatePrecision.QUARTER:
        return QUARTERS[(as_of.month - 1) // 3 + 1] % {"year": as_of.year}
    if precision == DatePrecision.MONTH:
        return date_format(as_of, "F Y")
    return date_format(as_of, "DATE_FORMAT")


@dataclass
class ResultStatement:
    """One sentence of an initiative's results on its page, with the figures it gives.

    Consecutive results quoting the same sentence are one statement, so that the sentence, and
    each figure, is printed once; a figure is added in words only where the sentence does not
    state it.
    """

    text: str
    translation: str
    language: str
    figures: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)

    def add(self, result: Result) -> None:
        if result.value is not None and not result.figure_is_in_text:
            self.figures.append(result.figure_display)
        if result.as_of_label and result.as_of_label not in self.dates:
            self.dates.append(result.as_of_label)


@dataclass
class ResultSection:
    """The statements of one nature: results, targets or context."""

    nature: str
    heading: str
    statements: list[ResultStatement]


RESULT_HEADINGS = [
    (ResultNature.ACHIEVED, _("Résultats")),
    (ResultNature.TARGET, _("Objectifs annoncés")),
    (ResultNature.CONTEXT, _("Contexte (ne décrit pas un résultat de l'initiative)")),
]


def result_sections(results: Iterable[Result]) -> list[ResultSection]:
    """`results` (in their order) as the page shows them: achieved results, targets, then
    context, each section a list of statements; sections without statement left out."""
    by_nature: dict[str, list[ResultStatement]] = {nature: [] for nature, __ in RESULT_HEADINGS}
    for result in results:
        statements = by_nature[result.nature]
        if not statements or statements[-1].text != result.text:
            statements.append(
                ResultStatement(result.text, result.text_translation, result.language)
            )
        statements[-1].add(result)
    return [
        ResultSection(nature, str(heading), by_nature[nature])
        for nature, heading in RESULT_HEADINGS
        if by_nature[nature]
    ]


class CitationManager(models.Manager):
    def get_by_natural_key(self, initiative_slug: str, source_slug: str) -> models.Model:
        return self.get(initiative__slug=initiative_slug, source__slug=source_slug)


class Citation(models.Model):
    """That an initiative is described in a source, and where."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="citations", verbose_name=_("initiative")
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("source")
    )
    location = models.CharField(
        _("emplacement dans la source"),
        max_length=300,
        blank=True,
        help_text=_("Page, section ou rubrique, telle que le public la lit."),
    )
    title_assigned = models.BooleanField(
        _("titre attribué par le catalogue"),
        default=False,
        help_text=_(
            "La source n'imprime pas de titre pour cette initiative : celui du catalogue est "
            "tiré de son texte. Le public le voit."
        ),
    )
    staff_note = models.TextField(
        _("note éditoriale"),
        blank=True,
        help_text=_("Pour l'équipe seulement : jamais montrée sur le site public ni exportée."),
    )

    objects = CitationManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("citation de source")
        verbose_name_plural = _("citations de sources")
        ordering = ["initiative", "-source__published_on"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "source"], name="citation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} — {self.location}" if self.location else str(self.source)

    def natural_key(self) -> tuple[str, str]:
        return (self.initiative.slug, self.source.slug)

    natural_key.dependencies = ["initiatives.initiative", "initiatives.source"]  # type: ignore[attr-defined]


class Revision(NamedTuple):
    """A state of the catalogue: the key of its last change, and when that change was made."""

    key: UUID
    changed_at: datetime


class CatalogueRevisionQuerySet(models.QuerySet):
    def current(self) -> Revision | None:
        """The catalogue's last change, or None if it has none recorded."""
        row = self.filter(pk=CatalogueRevision.SINGLETON).values_list("key", "changed_at").first()
        return None if row is None else Revision(*row)


class CatalogueRevision(models.Model):
    """One row whose key changes with every write to the tables the lists count.

    Database triggers (migration 0008) give it a new random UUID after each statement that writes
    to initiatives, their themes, publics, partnerships and citations, or to the rows they name
    (`initiatives.caching.REVISION_TABLES`).
    A key is never given twice, not even after a transaction rolled back or a backup restored, so
    figures cached under a revision's key (see `initiatives.caching`) are those of that state of
    the catalogue."""

    SINGLETON = 1

    key = models.UUIDField(_("clé"))
    # Set by the same triggers: the pages' Last-Modified.
    changed_at = models.DateTimeField(_("modifiée le"), db_default=Now())

    objects = CatalogueRevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("révision du catalogue")
        verbose_name_plural = _("révisions du catalogue")

    def __str__(self) -> str:
        return str(self.key)


class CatalogueChangeQuerySet(models.QuerySet):
    def since(self, last: int) -> tuple[int, set[int] | None]:
        """The latest change's number and the initiatives changed after change `last`; None
        instead of them if everything is to be read again: a vocabulary's keys or names
        changed, or changes after `last` are no longer kept (one query)."""
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT (SELECT min(id) FROM {table}), (SELECT max(id) FROM {table}),
                       array_agg(DISTINCT initiative_id), bool_or(initiative_id IS NULL)
                FROM {table} WHERE id > %s
                """,
                [last],
            )
            first, latest, changed, everything = cursor.fetchone()
        if latest is None or latest < last:
            # Emptied or restored since: what was read at `last` may be anything.
            return (0, set()) if latest is None and last == 0 else (latest or 0, None)
        if latest == last:
            return last, set()
        if everything or first > last + 1:
            return latest, None
        return latest, set(changed)

    def last_number(self) -> int:
        """The latest change's number (0 if none is kept)."""
        return self.aggregate(latest=models.Max("pk"))["latest"] or 0


class CatalogueChange(models.Model):
    """That an initiative's filters may have changed: written by database triggers (migration
    0030) after each statement writing to initiatives or their themes, publics, places,
    partnerships or citations, and, with no initiative, when keys or names the filters show
    change (a theme's slug, an organisation's name…). Numbered in the order the changes were
    committed: a statement's triggers write here after moving the catalogue's revision, whose
    row lock they hold until the transaction ends. The latest 100,000 are kept.
    `initiatives.bitmaps` reads the changes since it last read the catalogue."""

    initiative_id = models.IntegerField(_("initiative"), null=True)
    changed_at = models.DateTimeField(_("modifiée le"), db_default=Now())

    objects = CatalogueChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("changement du catalogue")
        verbose_name_plural = _("changements du catalogue")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.pk}: {self.initiative_id or '*'}"


class SuggestionState(models.TextChoices):
    NEW = "new", _("nouvelle")
    ACCEPTED = "accepted", _("acceptée")
    REJECTED = "rejected", _("rejetée")


class SuggestionPart(models.TextChoices):
    """Which part of an initiative's page a suggestion is about, as a reader names it."""

    CONTACTS = "contacts", _("contacts, téléphone, courriel")
    WEBSITE = "website", _("site web")
    PLACES = "places", _("lieux")
    STATUS = "status", _("période, statut (terminée, en cours…)")
    ORGANISATIONS = "organisations", _("pilote ou partenaires")
    DESCRIPTION = "description", _("objectif, description, résultats")
    OTHER = "other", _("autre chose")


# What a reader may write, at most: a suggestion is a note to editors, not a document.
SUGGESTION_MAX_LENGTH = 4000


class SuggestionQuerySet(models.QuerySet):
    def waiting(self) -> "SuggestionQuerySet":
        return self.filter(state=SuggestionState.NEW)

    def from_address(self, address_hash: str, since: datetime) -> "SuggestionQuerySet":
        return self.filter(address_hash=address_hash, created_at__gte=since)

    def handle(self, state: str, user: "AbstractBaseUser | None") -> list["Suggestion"]:
        """Sets the state of those selected whose state differs, each saved (its history records
        `user`), its row locked first; returns them."""
        changed = []
        with transaction.atomic():
            for suggestion in self.select_for_update(of=("self",)).exclude(state=state):
                suggestion.handle(state, user)
                changed.append(suggestion)
        return changed


class Suggestion(models.Model):
    """A reader's report of an error or proposal of an update to an initiative, for editors:
    nothing on the public page changes by itself (the table moves no catalogue revision)."""

    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="suggestions",
        verbose_name=_("initiative"),
    )
    part = models.CharField(
        _("partie concernée"), max_length=20, choices=SuggestionPart.choices, blank=True
    )
    message = models.TextField(_("message"), max_length=SUGGESTION_MAX_LENGTH)
    name = models.CharField(_("nom"), max_length=200, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    state = models.CharField(
        _("état"), max_length=10, choices=SuggestionState.choices, default=SuggestionState.NEW
    )
    staff_note = models.TextField(
        _("note de l'équipe"), blank=True, help_text=_("Ce qui a été fait ou répondu.")
    )
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    handled_by = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traitée par"),
    )
    # A keyed hash of the sender's address (initiatives.suggestions.address_hash), to refuse a
    # flood from one address without keeping the address itself.
    address_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = SuggestionQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["address_hash"])

    class Meta:
        verbose_name = _("suggestion de lecteur")
        verbose_name_plural = _("suggestions de lecteurs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "-created_at"]),
            models.Index(fields=["address_hash", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=SuggestionState.values), name="suggestion_state_valid"
            ),
            models.CheckConstraint(condition=~Q(message=""), name="suggestion_message_not_empty"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("message"), SUGGESTION_MAX_LENGTH),
                name="suggestion_message_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative} — {self.created_at:%Y-%m-%d %H:%M}"

    def handle(self, state: str, user: "AbstractBaseUser | None") -> None:
        """Records that `user` set the suggestion's state now (accepted, rejected, or back to
        new), with its history entry naming them."""
        self.state = state
        self.handled_by = user if state != SuggestionState.NEW else None  # type: ignore[assignment]
        self.handled_at = timezone.now() if state != SuggestionState.NEW else None
        self._history_user = user
        self.save()


class LinkKind(models.TextChoices):
    WEB = "web", _("site web")
    EMAIL = "email", _("domaine de courriel")


class LinkCheckQuerySet(models.QuerySet):
    def broken(self) -> "LinkCheckQuerySet":
        return self.filter(ok=False)


class LinkCheck(models.Model):
    """The last check (check_links) of a website or an email's domain that the catalogue shows,
    with the initiatives that show it. For editors: the public pages never read it."""

    target = models.CharField(_("adresse"), max_length=300)
    kind = models.CharField(_("type"), max_length=10, choices=LinkKind.choices)
    ok = models.BooleanField(_("fonctionne"), null=True)
    status = models.PositiveSmallIntegerField(_("code HTTP"), null=True, blank=True)
    detail = models.CharField(_("détail"), max_length=300, blank=True)
    final_url = models.CharField(_("adresse après redirections"), max_length=1000, blank=True)
    checked_at = models.DateTimeField(_("vérifié le"))
    initiatives = models.ManyToManyField(
        Initiative, related_name="link_checks", blank=True, verbose_name=_("initiatives")
    )

    objects = LinkCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("lien vérifié")
        verbose_name_plural = _("liens vérifiés")
        ordering = ["ok", "target"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "target"], name="linkcheck_unique_target"),
        ]

    def __str__(self) -> str:
        return self.target
