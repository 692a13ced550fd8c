"""Initiatives as CSV, for the public export and the admin action.

PostgreSQL computes every cell, multi-valued ones included, and the rows are written as they
are read from a server-side cursor: memory stays flat, and no model instance is built per row.
"""

import csv
import itertools
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.postgres.aggregates import JSONBAgg, StringAgg
from django.db import models, transaction
from django.db.models import (
    Case,
    Expression,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Concat, ExtractYear, JSONArray, NullIf
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .models import (
    NO_LEAD,
    Citation,
    Contact,
    DatePrecision,
    Initiative,
    InitiativePlace,
    PartnerLevel,
    PartnerRole,
    Partnership,
    PlaceKind,
    Qualifier,
    Result,
    ResultNature,
    Scope,
    Status,
    latest_source_date,
)

# Cells starting with these could be run as formulas by a spreadsheet (OWASP: CSV injection),
# in their full-width or small forms too (« ＝ », « ﹢ »), which spreadsheets read as the same.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Joins the values of a multi-valued field within one cell.
LIST_SEPARATOR = " | "
# Excel reads UTF-8 only when the file starts with a byte-order mark.
BYTE_ORDER_MARK = "\ufeff"
CHUNK_SIZE = 2000


class ExportFormat:
    """The variants offered, by name.

    The default is spreadsheet-ready: UTF-8 with a byte-order mark, comma-separated. « Excel »
    uses the semicolon that Excel expects in a French locale; « CSV » is plain UTF-8 with commas,
    for programs.
    """

    DEFAULT = ""
    EXCEL = "excel"
    CSV = "csv"
    choices = [(EXCEL, _("Excel")), (CSV, _("CSV"))]
    # (byte-order mark, delimiter) of each variant.
    settings = {DEFAULT: (True, ","), EXCEL: (True, ";"), CSV: (False, ",")}


class ExportFormatForm(forms.Form):
    """The `format` parameter of the export, the variant asked for (none: the default)."""

    format = forms.ChoiceField(
        label=_("Format d'export"), choices=ExportFormat.choices, required=False
    )


def names(
    model: type[models.Model],
    expression: str | Expression,
    order_by: str,
    condition: Q | None = None,
) -> Subquery:
    """An initiative's related rows (those matching `condition`, a Q, if given), joined into one
    text by a correlated subquery."""
    return Subquery(
        model._default_manager.filter(condition or Q(), initiative=OuterRef("pk"))
        .order_by()
        .values("initiative")
        .annotate(value=StringAgg(expression, LIST_SEPARATOR, order_by=order_by))
        .values("value")
    )


class ConcatWS(Func):
    """concat_ws(separator, …): joins the non-null arguments."""

    function = "concat_ws"
    output_field = TextField()


def present(expression: Combinable) -> NullIf:
    """NULL for an empty text, so that concat_ws leaves it out."""
    return NullIf(expression, Value(""))


def squashed(field: str) -> NullIf:
    """The text on one line, its runs of white space folded."""
    return present(Func(F(field), Value(r"\s+"), Value(" "), Value("g"), function="regexp_replace"))


# What the public may read of a contact, as Contact.public_fields() says, on one line.
CONTACT_LINE = Case(
    # A contact who asked for it keeps their personal data out of the export.
    When(
        hide_personal_data=True,
        then=ConcatWS(
            Value(", "),
            present(F("organisation")),
            present(F("role")),
            squashed("address"),
            present(F("website")),
        ),
    ),
    default=ConcatWS(
        Value(", "),
        present(F("name")),
        present(F("role")),
        present(F("organisation")),
        present(F("email")),
        present(Func(F("phones"), Value(", "), function="array_to_string")),
        squashed("address"),
        present(F("website")),
    ),
    output_field=TextField(),
)

# "12 bourses attribuées (2019-03-31) : <text>", the date at the precision the source gives.
AS_OF = Case(
    When(
        as_of_precision=DatePrecision.YEAR, then=Func(F("as_of"), Value("YYYY"), function="to_char")
    ),
    When(
        as_of_precision=DatePrecision.QUARTER,
        then=Func(F("as_of"), Value('YYYY-"T"Q'), function="to_char"),
    ),
    When(
        as_of_precision=DatePrecision.MONTH,
        then=Func(F("as_of"), Value("YYYY-MM"), function="to_char"),
    ),
    default=Func(F("as_of"), Value("YYYY-MM-DD"), function="to_char"),
    output_field=TextField(),
)
# In French whatever the interface's language, as the export's codes.
QUALIFIER_WORDS = {
    Qualifier.MORE_THAN: "plus de",
    Qualifier.AT_LEAST: "au moins",
    Qualifier.ABOUT: "environ",
    Qualifier.LESS_THAN: "moins de",
    Qualifier.UP_TO: "jusqu'à",
}
# "objectif : 230 … (2021) : <text>", "contexte : …": what is not a result says so.
NATURE_PREFIX = Case(
    When(nature=ResultNature.TARGET, then=Value("objectif : ")),
    When(nature=ResultNature.CONTEXT, then=Value("contexte : ")),
    default=Value(""),
    output_field=TextField(),
)


def number(field: str) -> Func:
    """A decimal as text without trailing zeros (12, not 12.00), NULL staying NULL."""
    return Cast(Func(F(field), function="trim_scale"), TextField())


# "12", "plus de 109", "22 à 29".
FIGURE = ConcatWS(
    Value(" "),
    Case(
        *(When(qualifier=value, then=Value(words)) for value, words in QUALIFIER_WORDS.items()),
        output_field=TextField(),
    ),
    number("value"),
    Case(
        When(
            value_max__isnull=False,
            then=Concat(
                Value("à "),
                number("value_max"),
                output_field=TextField(),
            ),
        ),
        output_field=TextField(),
    ),
)
RESULT_LINE = Concat(
    NATURE_PREFIX,
    Case(
        When(value__isnull=True, then=F("text")),
        default=Concat(
            ConcatWS(
                Value(" "),
                FIGURE,
                present(F("unit")),
                present(F("measure")),
                Case(
                    When(
                        as_of__isnull=False,
                        then=Concat(Value("("), AS_OF, Value(")"), output_field=TextField()),
                    ),
                    output_field=TextField(),
                ),
            ),
            Value(" : "),
            F("text"),
            output_field=TextField(),
        ),
        output_field=TextField(),
    ),
    output_field=TextField(),
)


def organisation_display_name(path: str = "") -> Case:
    """Organisation.display_name in SQL, for the organisation at `path` ("organisation__" from
    a partnership): the acronym in brackets unless the name already holds it."""
    name, acronym = F(f"{path}name"), F(f"{path}acronym")
    return Case(
        When(Q(**{f"{path}acronym": ""}) | Q(**{f"{path}name__icontains": acronym}), then=name),
        default=Concat(name, Value(" ("), acronym, Value(")"), output_field=TextField()),
        output_field=TextField(),
    )


COMMUNES = Q(place__kind=PlaceKind.COMMUNE)


def place_names(field: str) -> Subquery:
    """The départements, regions or countries (`field` of an initiative's places) where an
    initiative acts, each once, alphabetically."""
    return Subquery(
        InitiativePlace.objects.filter(initiative=OuterRef("pk"))
        .exclude(**{field: ""})
        .order_by()
        .values("initiative")
        .annotate(value=StringAgg(field, LIST_SEPARATOR, distinct=True, order_by=field))
        .values("value")
    )


def label(field: str, choices: Iterable[tuple[Any, str | Promise]]) -> Case:
    """The label of a choice, in the active language."""
    whens = [When(**{field: value}, then=Value(str(text))) for value, text in choices]
    return Case(*whens, default=F(field), output_field=TextField())


def columns() -> list[tuple[str, Combinable]]:
    """(header, SQL expression) of each column after the URL: labels in French whatever the
    interface's language, so that a file's values do not depend on who downloaded it."""
    with translation.override(settings.LANGUAGE_CODE):
        return french_columns()


def french_columns() -> list[tuple[str, Combinable]]:
    return [
        ("titre", F("title")),
        ("objectif", F("aim")),
        (
            "pilote",
            Coalesce(
                names(
                    Partnership,
                    organisation_display_name("organisation__"),
                    "position",
                    Q(role=PartnerRole.LEAD),
                ),
                # Never an empty cell a reader would fill in: the source names no lead.
                Value(str(NO_LEAD)),
                output_field=TextField(),
            ),
        ),
        ("theme_principal", F("main_theme__name")),
        ("themes", names(Initiative.themes.through, "theme__name", "theme__position")),
        (
            "publics",
            names(Initiative.publics.through, "targetpublic__name", "targetpublic__position"),
        ),
        (
            "partenaires",
            names(Partnership, "organisation__name", "position", ~Q(role=PartnerRole.LEAD)),
        ),
        ("contacts", names(Contact, CONTACT_LINE, "position")),
        ("resultats", names(Result, RESULT_LINE, "position")),
        ("ville", names(InitiativePlace, "place__name", "position", COMMUNES)),
        ("departement", place_names("place__department_name")),
        ("region", place_names("place__region_name")),
        ("pays", place_names("place__country")),
        ("echelle", label("scope", Scope.choices)),
        ("annee_debut", F("start_year")),
        ("annee_fin", F("end_year")),
        ("statut", label("status", Status.choices)),
        ("financement", F("funding")),
        ("site_web", F("website")),
        ("sources", names(Citation, "source__title", "source__title")),
        ("annee_source", ExtractYear(latest_source_date())),
        ("verifiee_le", F("verified_on")),
    ]


def export_rows(
    queryset: QuerySet, expressions: Iterable[Combinable]
) -> QuerySet[Initiative, tuple[Any, ...]]:
    """The slug and `expressions` of each initiative of `queryset`, in its order, as tuples.

    Filtering through related rows can repeat an initiative; selecting the matching primary
    keys instead keeps the export free of a DISTINCT over long columns.
    """
    ordering = queryset.query.order_by or Initiative._meta.ordering
    cells = {f"cell_{number}": expression for number, expression in enumerate(expressions)}
    return (
        Initiative.objects.filter(pk__in=queryset.order_by().values("pk"))
        # What the ordering may refer to, such as a search's rank.
        .annotate(**queryset.query.annotations)
        .order_by(*ordering)
        .annotate(**cells)
        .values_list("slug", *cells)
    )


def neutralise(value: object) -> object:
    """Text a spreadsheet would read as a formula gets a leading quote; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and unicodedata.normalize("NFKC", value[:1]).startswith(
        FORMULA_TRIGGERS
    ):
        return "'" + value
    return value


def initiative_rows(queryset: QuerySet, build_url: Callable[[str], str]) -> Iterator[list[Any]]:
    """The header, then one row per initiative, read in chunks from a server-side cursor."""
    headers, expressions = zip(*columns(), strict=True)
    yield ["url", *headers]
    url = initiative_url(build_url)
    for slug, *cells in stream(queryset, expressions):
        yield [url(slug), *map(neutralise, cells)]


def absolute_url(request: HttpRequest) -> Callable[[str], str]:
    """How a file names the site's pages, from their paths: after SITE_URL when it is set (the
    address readers know, not the Host header, port and all, that the request came with),
    else after the request's own address."""
    if settings.SITE_URL:
        return lambda path: settings.SITE_URL + path
    return request.build_absolute_uri


def initiative_url(build_url: Callable[[str], str]) -> Callable[[str], str]:
    """The absolute URL of an initiative's page by its slug. Every page's URL differs only by
    its slug: reversed once."""
    placeholder = "--slug--"
    url = build_url(reverse("initiatives:initiative-detail", args=[placeholder]))
    prefix, suffix = url.split(placeholder)
    return lambda slug: prefix + slug + suffix


def stream(queryset: QuerySet, expressions: Iterable[Combinable]) -> Iterator[tuple[Any, ...]]:
    """export_rows(), read in chunks from a server-side cursor. In a transaction the cursor
    streams its rows; outside one (WITH HOLD), PostgreSQL would compute all of them before
    sending the first."""
    with transaction.atomic():
        yield from export_rows(queryset, expressions).iterator(chunk_size=CHUNK_SIZE)


def code(field: str, codes: Mapping[str, str]) -> Case:
    """A choice's language-independent code in the CSV (SPEC): `codes` maps its values."""
    whens = [When(**{field: value}, then=Value(text)) for value, text in codes.items()]
    return Case(*whens, default=Value(""), output_field=TextField())


# The codes of /initiatives/results.csv, French as the SPEC gives them.
NATURE_CODES: dict[str, str] = {
    ResultNature.ACHIEVED: "resultat",
    ResultNature.TARGET: "objectif",
    ResultNature.CONTEXT: "contexte",
}
QUALIFIER_CODES: dict[str, str] = {
    Qualifier.MORE_THAN: "plus_de",
    Qualifier.AT_LEAST: "au_moins",
    Qualifier.ABOUT: "environ",
    Qualifier.LESS_THAN: "moins_de",
    Qualifier.UP_TO: "jusqu_a",
}
PRECISION_CODES: dict[str, str] = {
    DatePrecision.YEAR: "annee",
    DatePrecision.QUARTER: "trimestre",
    DatePrecision.MONTH: "mois",
    DatePrecision.DAY: "jour",
}


def result_columns() -> list[tuple[str, Combinable]]:
    """(header, SQL expression on a result) of each column after the initiative's URL and
    title. `source` is the source's slug, the value the list's `source` parameter takes."""
    return [
        ("nature", code("nature", NATURE_CODES)),
        ("qualificatif", code("qualifier", QUALIFIER_CODES)),
        # Numbers in the JSON of each initiative's results, and so in the spreadsheet.
        ("valeur", Func(F("value"), function="trim_scale", output_field=FloatField())),
        ("valeur_max", Func(F("value_max"), function="trim_scale", output_field=FloatField())),
        ("unite", F("unit")),
        ("mesure", F("measure")),
        # Stored on the first day of its period already.
        ("date", Cast(F("as_of"), TextField())),
        ("precision", code("as_of_precision", PRECISION_CODES)),
        ("texte", F("text")),
        ("traduction", F("text_translation")),
        ("source", F("source__slug")),
    ]


def result_rows(queryset: QuerySet, build_url: Callable[[str], str]) -> Iterator[list[Any]]:
    """The header, then one row per result of each initiative of `queryset`, in its order."""
    return child_rows(Result._default_manager.all(), result_columns(), queryset, build_url)


# The codes of /initiatives/partnerships.csv, French as the results' codes.
ROLE_CODES: dict[str, str] = {
    PartnerRole.LEAD: "pilote",
    PartnerRole.FINANCIAL: "financier",
    PartnerRole.OPERATIONAL: "operationnel",
    PartnerRole.INSTITUTIONAL: "institutionnel",
    PartnerRole.STEERING: "comite_de_pilotage",
    PartnerRole.ALLOCATION_COMMITTEE: "commission_d_attribution",
    PartnerRole.PRESCRIBER: "prescripteur",
    PartnerRole.LOCAL_OPERATOR: "operateur_local",
    PartnerRole.PARTNER: "partenaire",
}
LEVEL_CODES: dict[str, str] = {
    PartnerLevel.EUROPEAN: "europeen",
    PartnerLevel.NATIONAL: "national",
    PartnerLevel.REGIONAL: "regional",
    PartnerLevel.DEPARTMENTAL: "departemental",
    PartnerLevel.LOCAL: "local",
}


def partnership_columns() -> list[tuple[str, Combinable]]:
    """(header, SQL expression on a partnership) of each column after the initiative's URL and
    title: one row per organisation and role. `organisation` is the organisation's slug, the
    value the list's `organisation` parameter takes."""
    return [
        ("organisation", F("organisation__slug")),
        ("nom", F("organisation__name")),
        ("sigle", F("organisation__acronym")),
        ("role", code("role", ROLE_CODES)),
        ("niveau", code("level", LEVEL_CODES)),
        ("precision", F("note")),
    ]


def partnership_rows(queryset: QuerySet, build_url: Callable[[str], str]) -> Iterator[list[Any]]:
    """The header, then one row per partnership (leads included) of each initiative of
    `queryset`, in its order."""
    order = ("position", "organisation__name")
    columns = partnership_columns()
    return child_rows(Partnership.objects.all(), columns, queryset, build_url, order)


def personal(field: str) -> Case:
    """A contact's personal data, empty for a contact who asked to hide it (as
    Contact.public_fields() says)."""
    return Case(
        When(hide_personal_data=True, then=Value("")),
        default=F(field),
        output_field=TextField(),
    )


def contact_columns() -> list[tuple[str, Combinable]]:
    """(header, SQL expression on a contact) of each column after the initiative's URL and
    title: what the public may read of each contact."""
    return [
        ("nom", personal("name")),
        ("fonction", F("role")),
        ("organisation", F("organisation")),
        ("courriel", personal("email")),
        (
            "telephones",
            Case(
                When(hide_personal_data=True, then=Value("")),
                default=Func(F("phones"), Value(LIST_SEPARATOR), function="array_to_string"),
                output_field=TextField(),
            ),
        ),
        ("adresse", F("address")),
        ("site_web", F("website")),
    ]


def contact_rows(queryset: QuerySet, build_url: Callable[[str], str]) -> Iterator[list[Any]]:
    """The header, then one row per contact of each initiative of `queryset`, in its order."""
    return child_rows(Contact._default_manager.all(), contact_columns(), queryset, build_url)


def child_rows(
    children: QuerySet,
    child_columns: list[tuple[str, Combinable]],
    queryset: QuerySet,
    build_url: Callable[[str], str],
    order_by: Sequence[str] = ("position",),
) -> Iterator[list[Any]]:
    """The header, then one row per row of `children` (results, partnerships, contacts: rows
    with an initiative and a position) of each initiative of `queryset`, in its order, and
    in theirs, the initiative's URL and title first.

    Each initiative's rows come as one JSON array of text cells, computed by PostgreSQL
    with the initiative's row: one query, streamed as the initiatives' export is.
    """
    headers, expressions = zip(*child_columns, strict=True)
    cells = JSONArray(*expressions)
    rows = Subquery(
        children.filter(initiative=OuterRef("pk"))
        .order_by()
        .values("initiative")
        .annotate(value=JSONBAgg(cells, order_by=order_by))
        .values("value")
    )
    yield ["initiative", "titre", *headers]
    url = initiative_url(build_url)
    for slug, title, initiative_rows in stream(queryset, [F("title"), rows]):
        for row in initiative_rows or ():
            yield [url(slug), *map(neutralise, [title, *row])]


class EchoBuffer:
    """A file-like object whose write() returns what it is given, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]], export_format: str) -> Iterator[str]:
    with_bom, delimiter = ExportFormat.settings[export_format]
    writer = csv.writer(EchoBuffer(), delimiter=delimiter)
    if with_bom:
        yield BYTE_ORDER_MARK
    for row in rows:
        yield writer.writerow(row)


# Of a file's name before its date: the first labels that fit (all themes would make hundreds of
# characters, more than some systems take).
FILENAME_MAX_LENGTH = 80


def export_filename(*labels: str, extension: str = "csv") -> str:
    name = "-".join(["initiatives", *(slugify(label) for label in labels if label)])
    if len(name) > FILENAME_MAX_LENGTH:
        name = name[: FILENAME_MAX_LENGTH + 1].rsplit("-", 1)[0]
    return f"{name}-{date.today().isoformat()}.{extension}"


def csv_response(
    queryset: QuerySet,
    request: HttpRequest,
    export_format: str = ExportFormat.DEFAULT,
    filename_labels: Iterable[str] = (),
    rows_of: Callable[[QuerySet, Callable[[str], str]], Iterator[list[Any]]] = initiative_rows,
) -> StreamingHttpResponse:
    """A streaming CSV download of `queryset`, in its order, one row per initiative (or per
    what `rows_of` gives for it, such as its results)."""
    rows = rows_of(queryset, absolute_url(request))
    # Read the header and the first chunk of rows before answering: a database failure (an
    # outage, answered 503) then comes while the status can still say so, not as a download cut
    # off after a 200. An export of up to CHUNK_SIZE rows is then read whole and its cursor closed.
    head = list(itertools.islice(rows, CHUNK_SIZE + 2))
    response = StreamingHttpResponse(
        csv_lines(itertools.chain(head, rows), export_format),
        content_type="text/csv; charset=utf-8",
    )
    filename = export_filename(*filename_labels)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
