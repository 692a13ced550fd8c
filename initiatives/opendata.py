"""The catalogue's open data: its tables described for reuse (the Frictionless data package),
the same tables as one spreadsheet, and the catalogue in the standards other services read.

Every file keeps the same column codes and values whatever the interface language, and says
its licence, Licence Ouverte 2.0.
"""

import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from .exports import (
    columns,
    contact_columns,
    contact_rows,
    initiative_rows,
    partnership_columns,
    partnership_rows,
    result_columns,
    result_rows,
)

LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte 2.0 (Etalab)",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
TITLE = "Catalogue des initiatives pour l'accueil et l'intégration des personnes réfugiées"

Rows = Callable[[Any, Callable[[str], str]], Iterator[list[Any]]]


@dataclass(frozen=True)
class Table:
    """One of the catalogue's tables: a CSV file taking the list's parameters, a sheet of the
    spreadsheet, a resource of the data package."""

    name: str
    title: str
    url_name: str
    headers: list[str]
    rows_of: Rows
    # Frictionless types of the columns that are not text.
    types: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    primary_key: str = ""

    def field_type(self, header: str) -> str:
        return self.types.get(header, "string")


def child_headers(child_columns: list[tuple[str, Any]]) -> list[str]:
    return ["initiative", "titre", *(header for header, _ in child_columns)]


def tables() -> list[Table]:
    """The tables, initiatives first: the others name them by the URL of their page."""
    initiative = "L'adresse de la page de l'initiative (colonne url des initiatives)."
    return [
        Table(
            "initiatives",
            "Initiatives",
            "initiatives:initiative-export",
            ["url", *(header for header, _ in columns())],
            initiative_rows,
            types={
                "annee_debut": "integer",
                "annee_fin": "integer",
                "annee_source": "integer",
                "verifiee_le": "date",
            },
            descriptions={"url": "L'adresse de la page de l'initiative, son identifiant."},
            primary_key="url",
        ),
        Table(
            "resultats",
            "Résultats",
            "initiatives:result-export",
            child_headers(result_columns()),
            result_rows,
            types={"valeur": "number", "valeur_max": "number", "date": "date"},
            descriptions={
                "initiative": initiative,
                "nature": "resultat, objectif ou contexte.",
                "qualificatif": "plus_de, au_moins, environ, moins_de, jusqu_a ou vide.",
                "valeur_max": "La borne haute d'une fourchette.",
                "date": "Le premier jour de la période à laquelle le chiffre se rapporte.",
                "precision": "La précision de la date : annee, trimestre, mois ou jour.",
                "source": "Le slug du document source.",
            },
        ),
        Table(
            "partenariats",
            "Partenariats",
            "initiatives:partnership-export",
            child_headers(partnership_columns()),
            partnership_rows,
            descriptions={
                "initiative": initiative,
                "organisation": "Le slug de l'organisation.",
                "role": (
                    "pilote, financier, operationnel, institutionnel, comite_de_pilotage, "
                    "commission_d_attribution, prescripteur, operateur_local ou partenaire."
                ),
                "niveau": "europeen, national, regional, departemental, local ou vide.",
            },
        ),
        Table(
            "contacts",
            "Contacts",
            "initiatives:contact-export",
            child_headers(contact_columns()),
            contact_rows,
            descriptions={
                "initiative": initiative,
                "nom": "Vide quand le contact a demandé que ses données personnelles soient "
                "masquées (de même que courriel et telephones).",
            },
        ),
    ]


def table_schema(table: Table) -> dict[str, Any]:
    """The Table Schema of `table`'s CSV file (Frictionless)."""
    fields = []
    for header in table.headers:
        described: dict[str, Any] = {"name": header, "type": table.field_type(header)}
        if header in table.descriptions:
            described["description"] = table.descriptions[header]
        fields.append(described)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = [table.primary_key]
    elif "initiative" in table.headers:
        schema["foreignKeys"] = [
            {
                "fields": ["initiative"],
                "reference": {"resource": "initiatives", "fields": ["url"]},
            }
        ]
    return schema


def datapackage(request: HttpRequest) -> dict[str, Any]:
    """The Tabular Data Package of the whole catalogue's tables: each file's address (plain
    UTF-8 CSV with commas), columns and their types, and the licence."""
    resources = [
        {
            "name": table.name,
            "title": table.title,
            "path": request.build_absolute_uri(reverse(table.url_name) + "?format=csv"),
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": table_schema(table),
            "licenses": [LICENCE],
        }
        for table in tables()
    ]
    return {
        "profile": "tabular-data-package",
        "name": "catalogue-initiatives-refugies",
        "title": TITLE,
        "homepage": request.build_absolute_uri(reverse("initiatives:home")),
        "created": timezone.now().replace(microsecond=0).isoformat(),
        "licenses": [LICENCE],
        "resources": resources,
    }


def typed(value: Any, field_type: str) -> Any:
    """A cell of a CSV row as the spreadsheet stores it: numbers, years and dates typed."""
    if value in ("", None):
        return None
    if field_type == "integer":
        return int(value)
    if field_type == "number":
        return Decimal(str(value))
    if field_type == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def about_rows(request: HttpRequest, filters: QueryDict, count: int) -> Iterable[tuple[str, Any]]:
    list_url = reverse("initiatives:initiative-list")
    query = filters.copy()
    query.pop("page", None)
    address = f"{list_url}?{query.urlencode()}" if query else list_url
    yield "Catalogue", TITLE
    yield "Liste", request.build_absolute_uri(address)
    for name in sorted(query):
        yield f"Filtre « {name} »", " | ".join(query.getlist(name))
    yield "Date", timezone.localtime().replace(microsecond=0).replace(tzinfo=None)
    yield "Initiatives", count
    yield "Licence", f"{LICENCE['title']} : {LICENCE['path']}"


def spreadsheet(queryset: Any, request: HttpRequest, filters: QueryDict) -> Any:
    """The list as an .xlsx workbook in a temporary file: a sheet per table, typed columns,
    frozen headers, and « À propos » (the list's address and filters, the date, the count, the
    licence). Written in openpyxl's write-only mode, each table read from a server-side
    cursor: memory stays flat however many rows."""
    workbook = Workbook(write_only=True)
    count = 0
    for table in tables():
        sheet = workbook.create_sheet(table.title)
        sheet.freeze_panes = "A2"
        rows = table.rows_of(queryset, request.build_absolute_uri)
        types = [table.field_type(header) for header in next(rows)]
        sheet.append(table.headers)
        for row in rows:
            sheet.append([typed(value, kind) for value, kind in zip(row, types, strict=True)])
            if table.primary_key:
                count += 1
    about = workbook.create_sheet("À propos")
    for about_row in about_rows(request, filters, count):
        about.append(list(about_row))
    spooled = tempfile.TemporaryFile()
    workbook.save(spooled)
    spooled.seek(0)
    return spooled


def spreadsheet_response(
    queryset: Any, request: HttpRequest, filters: QueryDict, filename: str
) -> FileResponse:
    return FileResponse(
        spreadsheet(queryset, request, filters),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
