"""Initiatives as CSV rows, for the public export and the admin action."""

from django.db.models import Prefetch

from .models import Partnership

# Cells starting with these could be run as formulas by a spreadsheet (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
LIST_SEPARATOR = " | "

INITIATIVE_COLUMNS = [
    ("titre", lambda i: i.title),
    ("objectif", lambda i: i.aim),
    ("pilote", lambda i: str(i.pilot)),
    ("theme_principal", lambda i: i.main_theme.name),
    ("themes", lambda i: LIST_SEPARATOR.join(t.name for t in i.themes.all())),
    ("publics", lambda i: LIST_SEPARATOR.join(p.name for p in i.publics.all())),
    (
        "partenaires",
        lambda i: LIST_SEPARATOR.join(str(p.partner) for p in i.partnerships.all()),
    ),
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
    ("sources", lambda i: LIST_SEPARATOR.join(s.title for s in i.sources.all())),
]


# Excel reads UTF-8 only when the file starts with a byte-order mark.
BYTE_ORDER_MARK = "\ufeff"


class EchoBuffer:
    """A file-like object whose write() returns what it is given, for streaming csv.writer."""

    def write(self, value):
        return value


def neutralise(value):
    """Text that a spreadsheet would read as a formula is prefixed with a quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def initiative_rows(queryset, request):
    yield ["url"] + [name for name, _ in INITIATIVE_COLUMNS]
    queryset = queryset.select_related("pilot", "main_theme").prefetch_related(
        "themes",
        "publics",
        "sources",
        Prefetch("partnerships", queryset=Partnership.objects.select_related("partner")),
    )
    for initiative in queryset.iterator(chunk_size=500):
        row = [request.build_absolute_uri(initiative.get_absolute_url())]
        row += [neutralise(getter(initiative)) for _, getter in INITIATIVE_COLUMNS]
        yield row
