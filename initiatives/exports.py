"""Initiatives as CSV, for the public export and the admin action.

Rows are written as they are read from a server-side cursor, so memory stays flat whatever the
number of rows.
"""

import csv
from datetime import date

from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .models import Contact, Partnership, Result

# Cells starting with these could be run as formulas by a spreadsheet (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Joins the values of a multi-valued field within one cell.
LIST_SEPARATOR = " | "
# Excel reads UTF-8 only when the file starts with a byte-order mark.
BYTE_ORDER_MARK = "\ufeff"
CHUNK_SIZE = 1000


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


def contact_text(contact):
    """A contact in one line; personal data stays out when the contact asks for it."""
    if contact.hide_personal_data:
        parts = [contact.organisation, contact.role, contact.address, contact.website]
    else:
        parts = [
            contact.name,
            contact.role,
            contact.organisation,
            contact.email,
            *contact.phones,
            contact.address,
            contact.website,
        ]
    return ", ".join(" ".join(part.split()) for part in parts if part)


def result_text(result):
    if result.value is None:
        return result.text
    figure = f"{result.value.normalize():f}"
    details = " ".join(part for part in (figure, result.unit, result.measure) if part)
    if result.as_of:
        details += f" ({result.as_of_display})"
    return f"{details} : {result.text}"


def joined(values):
    return LIST_SEPARATOR.join(values)


COLUMNS = [
    ("titre", lambda i: i.title),
    ("objectif", lambda i: i.aim),
    ("pilote", lambda i: str(i.pilot)),
    ("theme_principal", lambda i: i.main_theme.name),
    ("themes", lambda i: joined(t.name for t in i.themes.all())),
    ("publics", lambda i: joined(p.name for p in i.publics.all())),
    ("partenaires", lambda i: joined(str(p.partner) for p in i.partnerships.all())),
    ("contacts", lambda i: joined(contact_text(c) for c in i.contacts.all())),
    ("resultats", lambda i: joined(result_text(r) for r in i.results.all())),
    ("ville", lambda i: i.city),
    ("departement", lambda i: i.department),
    ("region", lambda i: i.region),
    ("pays", lambda i: i.country),
    ("echelle", lambda i: i.get_scope_display()),
    ("annee_debut", lambda i: i.start_year),
    ("annee_fin", lambda i: i.end_year),
    ("statut", lambda i: i.get_status_display()),
    ("financement", lambda i: i.funding),
    ("site_web", lambda i: i.website),
    ("sources", lambda i: joined(s.title for s in i.sources.all())),
]
HEADER = ["url", *(name for name, _ in COLUMNS)]


def neutralise(value):
    """Text a spreadsheet would read as a formula gets a leading quote; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def initiative_rows(queryset, build_url):
    """The header, then one row per initiative, read in chunks from a server-side cursor."""
    yield HEADER
    queryset = queryset.select_related("pilot", "main_theme").prefetch_related(
        "themes",
        "publics",
        "sources",
        Prefetch("partnerships", queryset=Partnership.objects.select_related("partner")),
        Prefetch("contacts", queryset=Contact.objects.all()),
        Prefetch("results", queryset=Result.objects.all()),
    )
    for initiative in queryset.iterator(chunk_size=CHUNK_SIZE):
        row = [build_url(initiative.get_absolute_url())]
        row += [neutralise(getter(initiative)) for _, getter in COLUMNS]
        yield row


class EchoBuffer:
    """A file-like object whose write() returns what it is given, for streaming csv.writer."""

    def write(self, value):
        return value


def csv_lines(rows, export_format):
    with_bom, delimiter = ExportFormat.settings[export_format]
    writer = csv.writer(EchoBuffer(), delimiter=delimiter)
    if with_bom:
        yield BYTE_ORDER_MARK
    for row in rows:
        yield writer.writerow(row)


def export_filename(*labels):
    name = "-".join(["initiatives", *(slugify(label) for label in labels if label)])
    return f"{name}-{date.today().isoformat()}.csv"


def csv_response(queryset, request, export_format=ExportFormat.DEFAULT, filename_labels=()):
    """A streaming CSV download of `queryset`, in its order."""
    rows = initiative_rows(queryset, request.build_absolute_uri)
    response = StreamingHttpResponse(
        csv_lines(rows, export_format), content_type="text/csv; charset=utf-8"
    )
    filename = export_filename(*filename_labels)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
