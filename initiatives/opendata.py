"""The catalogue's open data: its tables described for reuse (the Frictionless data package),
the same tables as one spreadsheet, and the catalogue in the standards other services read.

Every file keeps the same column codes and values whatever the interface language, and says
its licence, Licence Ouverte 2.0.
"""

import itertools
import json
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.http import FileResponse, HttpRequest, QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from .exports import (
    CHUNK_SIZE,
    columns,
    contact_columns,
    contact_rows,
    initiative_rows,
    partnership_columns,
    partnership_rows,
    result_columns,
    result_rows,
)
from .models import (
    Contact,
    Initiative,
    InitiativePlace,
    Organisation,
    PartnerRole,
    Partnership,
    Place,
    PlaceKind,
    Result,
    TargetPublic,
    Theme,
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


# The catalogue's identifier as a producer of data·inclusion data.
PRODUCER = "catalogue-initiatives-refugies"

# The catalogue's themes in data·inclusion's referential of thématiques (v1), by theme slug. A
# theme not listed (professionalisation of actors, observation and knowledge) is about those
# who help, not a service to people: it maps to none.
THEMATIQUES: dict[str, list[str]] = {
    "apprentissage-de-la-langue": ["lecture-ecriture-calcul--maitriser-le-francais"],
    "acces-au-logement": [
        "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement",
        "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
        "logement-hebergement--louer-un-logement",
    ],
    "acces-aux-droits": [
        "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"
    ],
    "acces-aux-soins": ["sante--acces-aux-soins"],
    "acces-a-la-formation-et-a-lemploi": [
        "se-former--trouver-sa-formation",
        "trouver-un-emploi--repondre-a-des-offres-demploi",
    ],
    "acces-aux-activites-culturelles-sportives-et-aux-loisirs": [
        "remobilisation--activites-sportives-et-culturelles"
    ],
    "creer-du-lien-social": ["remobilisation--lien-social"],
    "participation-politique": ["remobilisation--benevolat-action-citoyenne"],
    "pour-les-sans-papiers": [
        "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"
    ],
    "droits-sociaux": [
        "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"
    ],
}
# Every initiative of the catalogue is for exiled people (« personnes-exilees »); its publics
# add data·inclusion's publics they belong to. Publics not listed (LGBTQI people, professionals
# and volunteers, the general public) have no public of their own there.
EVERY_SERVICE_PUBLIC = "personnes-exilees"
PUBLICS: dict[str, list[str]] = {
    "jeunes-de-16-a-25-ans": ["jeunes"],
    "jeunes-de-18-a-30-ans": ["jeunes"],
    "mineurs-non-accompagnes": ["jeunes"],
    "femmes": ["femmes"],
    "familles": ["familles"],
    "migrants-en-situation-irreguliere": ["personnes-en-situation-juridique-specifique"],
}


def within(text: str, shortest: int, longest: int, fallback: str) -> str:
    """`text` cut to `longest` characters, without a final full stop, or `fallback` if
    shorter than `shortest` (data·inclusion's bounds on names and descriptions)."""
    text = " ".join(text.split())[:longest].rstrip(". ")
    return text if len(text) >= shortest else fallback


def lead_organisations() -> QuerySet[Organisation]:
    """The organisations that lead a published initiative, each with the day its initiatives
    last changed (`changed`)."""
    leading = Q(partnerships__role=PartnerRole.LEAD, partnerships__initiative__is_published=True)
    return (
        Organisation.objects.filter(leading)
        .annotate(changed=Max("partnerships__initiative__updated_at", filter=leading))
        .order_by("slug")
    )


def service_rows() -> QuerySet[Initiative, dict[str, Any]]:
    """The published initiatives that name a lead, each as a dict of what the services of the
    standards need: its first lead (`lead`), themes, publics, places and first contact whose
    details are public (`contact`), computed by PostgreSQL in one query."""
    first_lead = (
        Partnership.objects.leads()
        .filter(initiative=OuterRef("pk"))
        .order_by("position", "organisation__name")
    )
    place = JSONObject(
        kind=F("place__kind"),
        code=F("place__code"),
        name=F("place__name"),
        country=F("place__country"),
        latitude=F("place__latitude"),
        longitude=F("place__longitude"),
    )
    public_contact = Contact.objects.filter(initiative=OuterRef("pk"), hide_personal_data=False)
    return (
        Initiative.objects.published()
        .annotate(lead=Subquery(first_lead.values("organisation__slug")[:1]))
        .filter(lead__isnull=False)
        .annotate(
            lead_name=Subquery(first_lead.values("organisation__name")[:1]),
            lead_description=Subquery(first_lead.values("organisation__description")[:1]),
            theme_slugs=ArraySubquery(
                Theme.objects.filter(initiatives=OuterRef("pk")).order_by().values("slug")
            ),
            public_slugs=ArraySubquery(
                TargetPublic.objects.filter(initiatives=OuterRef("pk")).order_by().values("slug")
            ),
            place_list=ArraySubquery(
                InitiativePlace.objects.filter(initiative=OuterRef("pk"))
                .order_by("position")
                .values(json=place)
            ),
            contact=Subquery(
                public_contact.order_by("position").values(
                    json=JSONObject(email=F("email"), phones=F("phones"))
                )[:1]
            ),
        )
        .order_by("slug")
        .values(
            "slug",
            "title",
            "aim",
            "description",
            "website",
            "status",
            "updated_at",
            "lead",
            "lead_name",
            "lead_description",
            "theme_slugs",
            "public_slugs",
            "place_list",
            "contact",
        )
    )


def departments_by_region() -> dict[str, list[str]]:
    """The codes of each region's départements, by region code."""
    regions: dict[str, list[str]] = {}
    departments = Place.objects.filter(kind=PlaceKind.DEPARTMENT).order_by("code")
    for region, code in departments.values_list("region_code", "code"):
        regions.setdefault(region, []).append(code)
    return regions


def eligibility(places: list[dict[str, Any]], regions: dict[str, list[str]]) -> list[str] | None:
    """data·inclusion's zone_eligibilite of an initiative's places: INSEE codes of communes and
    départements, a region's départements, « france » for France; other countries are left out
    (their codes are not in the catalogue)."""
    codes: list[str] = []
    for place in places:
        if place["kind"] in (PlaceKind.COMMUNE, PlaceKind.DEPARTMENT):
            found = [place["code"]]
        elif place["kind"] == PlaceKind.REGION:
            found = regions.get(place["code"], [])
        else:
            found = ["france"] if place["code"] == "FR" else []
        codes.extend(code for code in found if code not in codes)
    return codes or None


def streamed(queryset: QuerySet) -> Iterator[Any]:
    """The rows of `queryset` read in chunks from a server-side cursor, in a transaction (as
    exports.stream() reads them): memory stays flat."""
    with transaction.atomic():
        yield from queryset.iterator(chunk_size=CHUNK_SIZE)


def page_url(request: HttpRequest, view: str, slug: str) -> str:
    return request.build_absolute_uri(reverse(view, args=[slug]))


def inclusion_structures(request: HttpRequest) -> Iterator[dict[str, Any]]:
    """The organisations that lead published initiatives, as data·inclusion structures (v1)."""
    for organisation in streamed(lead_organisations()):
        yield {
            "source": PRODUCER,
            "id": f"{PRODUCER}--{organisation.slug}",
            "nom": within(organisation.display_name, 3, 150, f"Structure {organisation.slug}"),
            "date_maj": timezone.localdate(organisation.changed).isoformat(),
            "description": within(organisation.description, 5, 10000, "") or None,
            "lien_source": page_url(request, "initiatives:organisation-detail", organisation.slug),
            "commune": organisation.city or None,
            "adresse": " ".join(organisation.address.split()) or None,
            "telephone": organisation.phones[0] if organisation.phones else None,
            "courriel": organisation.email or None,
            "site_web": organisation.website or None,
        }


def inclusion_services(request: HttpRequest) -> Iterator[dict[str, Any]]:
    """The published initiatives that name a lead, as data·inclusion services (v1) of their
    first lead's structure; themes and publics mapped by THEMATIQUES and PUBLICS."""
    regions = departments_by_region()
    for row in streamed(service_rows()):
        themes = [code for slug in row["theme_slugs"] for code in THEMATIQUES.get(slug, [])]
        publics = [EVERY_SERVICE_PUBLIC]
        publics += [code for slug in row["public_slugs"] for code in PUBLICS.get(slug, [])]
        contact = row["contact"] or {}
        text = "\n\n".join(part for part in (row["aim"], row["description"]) if part)
        yield {
            "source": PRODUCER,
            "structure_id": f"{PRODUCER}--{row['lead']}",
            "id": f"{PRODUCER}--{row['slug']}",
            "nom": within(row["title"], 3, 150, f"Initiative {row['slug']}"),
            "description": within(text, 5, 10000, f"Initiative : {row['title']}"),
            "lien_source": page_url(request, "initiatives:initiative-detail", row["slug"]),
            "date_maj": timezone.localdate(row["updated_at"]).isoformat(),
            "thematiques": sorted(set(themes)) or None,
            "publics": sorted(set(publics)),
            "zone_eligibilite": eligibility(row["place_list"], regions),
            "courriel": contact.get("email") or None,
            "telephone": (contact.get("phones") or [None])[0],
            "lien_mobilisation": row["website"] or None,
        }


def hsds_id(kind: str, slug: str) -> str:
    """A stable UUID for the row of `kind` known by `slug` (HSDS identifiers are UUIDs)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{PRODUCER}:{kind}:{slug}"))


HSDS_STATUS = {"planned": "inactive", "ongoing": "active", "completed": "defunct"}


def hsds_organizations(request: HttpRequest) -> Iterator[dict[str, Any]]:
    """The organisations that lead published initiatives, as HSDS 3.0 organizations."""
    for organisation in streamed(lead_organisations()):
        organization: dict[str, Any] = {
            "id": hsds_id("organisation", organisation.slug),
            "name": organisation.name,
            "alternate_name": organisation.acronym or None,
            "description": organisation.description,
            "website": organisation.website or None,
            "email": organisation.email or None,
            "uri": page_url(request, "initiatives:organisation-detail", organisation.slug),
        }
        yield {key: value for key, value in organization.items() if value is not None}


def hsds_services(request: HttpRequest) -> Iterator[dict[str, Any]]:
    """The published initiatives that name a lead, as HSDS 3.0 services: each with its first
    lead (organization), and its places with coordinates as service_at_locations (each with
    its location); the others as service areas."""
    for row in streamed(service_rows()):
        service_id = hsds_id("initiative", row["slug"])
        organization_id = hsds_id("organisation", row["lead"])
        located, areas = [], []
        for place in row["place_list"]:
            place_key = f"{place['kind']}-{place['code']}"
            if place["latitude"] is None:
                areas.append(
                    {
                        "id": hsds_id("service-area", f"{row['slug']}:{place_key}"),
                        "service_id": service_id,
                        "name": place["name"],
                    }
                )
                continue
            location_id = hsds_id("place", place_key)
            located.append(
                {
                    "id": hsds_id("service-at-location", f"{row['slug']}:{place_key}"),
                    "service_id": service_id,
                    "location_id": location_id,
                    "location": {
                        "id": location_id,
                        "location_type": "physical",
                        "name": place["name"],
                        "latitude": float(place["latitude"]),
                        "longitude": float(place["longitude"]),
                        "external_identifier": place["code"],
                        "external_identifier_type": f"insee-{place['kind']}",
                    },
                }
            )
        service: dict[str, Any] = {
            "id": service_id,
            "organization_id": organization_id,
            "name": row["title"],
            "description": row["aim"] or row["description"],
            "url": page_url(request, "initiatives:initiative-detail", row["slug"]),
            "status": HSDS_STATUS.get(row["status"], "active"),
            "last_modified": row["updated_at"].isoformat(),
            "organization": {
                "id": organization_id,
                "name": row["lead_name"],
                "description": row["lead_description"],
            },
            "service_at_locations": located,
            "service_areas": areas,
        }
        yield service


def json_lines(items: Iterable[Any]) -> Iterator[str]:
    """A JSON array written item by item, for a streamed response."""
    yield "["
    for number, item in enumerate(items):
        text = json.dumps(item, ensure_ascii=False, cls=DjangoJSONEncoder)
        yield ("," if number else "") + "\n" + text
    yield "\n]\n"


# The datasets of /open-data/, by their path below it.
DATASETS: dict[str, Callable[[HttpRequest], Iterator[dict[str, Any]]]] = {
    "data-inclusion/structures.json": inclusion_structures,
    "data-inclusion/services.json": inclusion_services,
    "hsds/organizations.json": hsds_organizations,
    "hsds/services.json": hsds_services,
}


def dataset_response(request: HttpRequest, path: str) -> StreamingHttpResponse:
    """The dataset at `path` as a JSON array, streamed. Its first chunk is read before
    answering, as the CSV exports do, so that a database failure can still say so."""
    items = DATASETS[path](request)
    head = list(itertools.islice(items, CHUNK_SIZE))
    return StreamingHttpResponse(
        json_lines(itertools.chain(head, items)), content_type="application/json; charset=utf-8"
    )


@dataclass(frozen=True)
class Dataset:
    """A file of /open-data/ as its page and the DCAT catalogue list it."""

    title: str | Promise
    description: str | Promise
    url: str
    media_type: str
    rows: int
    schema_title: str
    schema_url: str


def datasets(request: HttpRequest) -> tuple[list[Dataset], Any]:
    """Every dataset of the catalogue with its number of rows, and the day the catalogue last
    changed. A constant number of queries, whatever the catalogue's size."""
    published = Initiative.objects.published()
    figures = published.aggregate(initiatives=Count("pk"), changed=Max("updated_at"))
    in_published = Q(initiative__is_published=True)
    results = Result.objects.filter(in_published).count()
    partnerships = Partnership.objects.filter(in_published).count()
    contacts = Contact.objects.filter(in_published).count()
    leads = lead_organisations().count()
    # Those that name a lead, counted without computing what a service holds.
    led = Partnership.objects.leads().filter(initiative=OuterRef("pk"))
    services = published.filter(Exists(led)).count()

    def url(name: str, *args: str, query: str = "") -> str:
        return request.build_absolute_uri(reverse(name, args=args)) + query

    package = url("initiatives:datapackage")
    inclusion = "https://gip-inclusion.github.io/data-inclusion-schema/latest/"
    hsds = "https://docs.openreferral.org/en/latest/hsds/schema_reference.html"
    csv, json_type = "text/csv", "application/json"
    found = [
        Dataset(
            _("Initiatives"),
            _("Une ligne par initiative publiée : les colonnes de l'export de la liste."),
            url("initiatives:initiative-export", query="?format=csv"),
            csv,
            figures["initiatives"],
            "Frictionless Table Schema",
            package,
        ),
        Dataset(
            _("Résultats"),
            _("Une ligne par résultat, objectif ou élément de contexte ; sa valeur en nombre."),
            url("initiatives:result-export", query="?format=csv"),
            csv,
            results,
            "Frictionless Table Schema",
            package,
        ),
        Dataset(
            _("Partenariats"),
            _("Une ligne par organisation et rôle dans une initiative, pilotes compris."),
            url("initiatives:partnership-export", query="?format=csv"),
            csv,
            partnerships,
            "Frictionless Table Schema",
            package,
        ),
        Dataset(
            _("Contacts"),
            _("Une ligne par contact, sans les données personnelles masquées."),
            url("initiatives:contact-export", query="?format=csv"),
            csv,
            contacts,
            "Frictionless Table Schema",
            package,
        ),
        Dataset(
            _("data·inclusion : structures"),
            _("Les organisations qui portent une initiative publiée."),
            url("initiatives:dataset", "data-inclusion/structures.json"),
            json_type,
            leads,
            "data·inclusion v1",
            inclusion,
        ),
        Dataset(
            _("data·inclusion : services"),
            _("Les initiatives publiées qui nomment un pilote, services de sa structure."),
            url("initiatives:dataset", "data-inclusion/services.json"),
            json_type,
            services,
            "data·inclusion v1",
            inclusion,
        ),
        Dataset(
            _("HSDS : organizations"),
            _("Les organisations qui portent une initiative publiée (Open Referral HSDS 3.0)."),
            url("initiatives:dataset", "hsds/organizations.json"),
            json_type,
            leads,
            "HSDS 3.0",
            hsds,
        ),
        Dataset(
            _("HSDS : services"),
            _("Les initiatives publiées qui nomment un pilote, avec leurs lieux (HSDS 3.0)."),
            url("initiatives:dataset", "hsds/services.json"),
            json_type,
            services,
            "HSDS 3.0",
            hsds,
        ),
    ]
    return found, figures["changed"]


def dcat_catalog(request: HttpRequest, found: list[Dataset], changed: Any) -> dict[str, Any]:
    """The datasets as a DCAT catalogue in JSON-LD, in French whatever the interface's
    language."""
    modified = timezone.localdate(changed).isoformat() if changed else None
    with translation.override("fr"):
        return dcat_json(request, found, modified)


def dcat_json(request: HttpRequest, found: list[Dataset], modified: str | None) -> dict[str, Any]:
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@id": request.build_absolute_uri(reverse("initiatives:open-data")),
        "@type": "dcat:Catalog",
        "dct:title": TITLE,
        "dct:language": "fr",
        "dct:license": {"@id": LICENCE["path"]},
        "foaf:homepage": {"@id": request.build_absolute_uri(reverse("initiatives:home"))},
        "dcat:dataset": [
            {
                "@type": "dcat:Dataset",
                "dct:title": str(dataset.title),
                "dct:description": str(dataset.description),
                "dct:license": {"@id": LICENCE["path"]},
                "dct:modified": modified,
                "dct:conformsTo": {"@id": dataset.schema_url},
                "dcat:distribution": [
                    {
                        "@type": "dcat:Distribution",
                        "dcat:downloadURL": {"@id": dataset.url},
                        "dcat:mediaType": dataset.media_type,
                        "dct:license": {"@id": LICENCE["path"]},
                    }
                ],
            }
            for dataset in found
        ],
    }


def initiative_json_ld(initiative: Initiative, url: str) -> dict[str, Any]:
    """An initiative as a schema.org Service, from what its page has read already."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Service",
        "@id": url,
        "url": url,
        "name": initiative.title,
        "description": initiative.aim or initiative.description,
        "category": [theme.name for theme in initiative.themes.all()],
        "provider": [
            {"@type": "Organization", "name": organisation.name}
            | ({"url": organisation.website} if organisation.website else {})
            for organisation in initiative.leads
        ],
        "areaServed": [{"@type": "Place", "name": place.name} for place in initiative.place_list],
        "audience": [
            {"@type": "Audience", "audienceType": public.name}
            for public in initiative.publics.all()
        ],
        "license": LICENCE["path"],
    }
    if initiative.website:
        data["sameAs"] = initiative.website
    return data
