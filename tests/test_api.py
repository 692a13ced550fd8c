"""The JSON API, /api/v1/: what a program reading it gets, compared with what the list shows."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from drf_spectacular.validation import validate_schema

from initiatives.models import PartnerRole, ResultNature

from .factories import (
    LYON,
    MARSEILLE,
    commune,
    department,
    make_contact,
    make_initiative,
    make_organisation,
    make_public,
    make_result,
    make_source,
    make_theme,
)
from .pages import card_slugs

pytestmark = pytest.mark.django_db

API = "/api/v1/initiatives/"


@pytest.fixture(autouse=True)
def no_earlier_requests_counted():
    """The throttle counts requests in the cache: each test starts with none counted."""
    cache.clear()


@pytest.fixture(scope="module")
def listed(django_db_setup, django_db_blocker):
    """23 published initiatives (more than a page), in two themes, led by two organisations,
    in Marseille or Lyon, and one unpublished; built once for the module, in a transaction
    rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_listed()
        yield
        transaction.set_rollback(True)


def build_listed() -> None:
    housing, language = make_theme("Accès au logement"), make_theme("Apprentissage de la langue")
    youth = make_public("Jeunes de 18 à 30 ans")
    cimade, ofii = make_organisation("La Cimade"), make_organisation("Ofii")
    for number in range(23):
        make_initiative(
            f"{['Logement', 'Cours de langue', 'Hébergement'][number % 3]} solidaire {number:02}",
            themes=[housing] if number % 2 else [language, housing],
            publics=[youth] if number % 4 == 0 else [],
            leads=[cimade if number % 3 else ofii],
            places=[commune(MARSEILLE if number % 2 else LYON)],
            start_year=2010 + number % 7,
            status="ongoing" if number % 5 else "completed",
        )
    make_initiative("Logement en brouillon", themes=[housing], leads=[], is_published=False)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "theme=acces-au-logement&page=2",
        "theme=apprentissage-de-la-langue&public=jeunes-de-18-a-30-ans",
        "q=logemnt",  # corrected as the list corrects it
        "q=solidaire&sort=recent",
        "sort=pilot&page=2",
        "pilot=la-cimade&department=13",
        "near=Lyon",
        "status=completed&country=FR&organisation=ofii",
    ],
)
def test_it_gives_the_initiatives_of_the_list_in_its_order_for_the_same_parameters(
    client, listed, query
):
    page = client.get(f"/initiatives/?{query}")
    assert page.status_code == 200
    response = client.get(f"{API}?{query}")
    assert response.status_code == 200
    data = response.json()
    assert [initiative["slug"] for initiative in data["results"]] == card_slugs(page)
    assert data["results"], "a parameter that finds nothing proves nothing"
    total = re.search(r"(\d+) initiatives?", page.content.decode())
    assert total is not None and data["count"] == int(total.group(1))


def test_it_describes_an_initiative_of_the_list_by_codes_and_slugs(client, listed):
    first = client.get(f"{API}?sort=title").json()["results"][0]
    assert first["slug"] == "cours-de-langue-solidaire-01"
    assert first["main_theme"] == "acces-au-logement"
    assert first["themes"] == ["acces-au-logement"]
    assert [lead["slug"] for lead in first["leads"]] == ["la-cimade"]
    assert first["places"][0]["code"] == MARSEILLE
    assert first["status"] == "ongoing"
    assert first["page"] == "http://testserver/initiatives/cours-de-langue-solidaire-01/"
    assert first["url"] == f"http://testserver{API}cours-de-langue-solidaire-01/"


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("theme=no-such-theme", "theme"),
        ("department=999", "department"),
        ("sort=backwards", "sort"),
        ("near=Nowhereville", "near"),
        ("page=9", "page"),
        ("page=zero", "page"),
    ],
)
def test_an_invalid_parameter_is_a_400_naming_it(client, listed, query, parameter):
    response = client.get(f"{API}?{query}")
    assert response.status_code == 400
    assert parameter in response.json()


def test_an_initiative_holds_what_its_page_shows_and_no_hidden_personal_data(client, db):
    source = make_source("Catalogue du forum")
    pilot, partner = make_organisation("France terre d'asile"), make_organisation("Pôle emploi")
    initiative = make_initiative(
        "Mon toit pour toi",
        leads=[pilot],
        partners=[partner],
        publics=[make_public("Femmes")],
        places=[department("13")],
        sources=[source],
        description="Un logement pour chaque famille.",
    )
    initiative.partnerships.filter(organisation=partner).update(role=PartnerRole.FINANCIAL)
    make_contact(initiative, name="Claire Exemple", email="claire@example.org", role="Chargée")
    make_contact(
        initiative,
        name="Paul Caché",
        email="paul@example.org",
        organisation="France terre d'asile",
        hide_personal_data=True,
    )
    make_result(
        initiative,
        nature=ResultNature.ACHIEVED,
        value=Decimal("109"),
        qualifier="more_than",
        unit="personnes",
        source=source,
    )

    response = client.get(f"{API}mon-toit-pour-toi/")

    assert response.status_code == 200
    data = response.json()
    assert data["description"] == "Un logement pour chaque famille."
    assert data["publics"] == ["femmes"]
    assert [(p["organisation"]["slug"], p["role"]) for p in data["partners"]] == [
        ("pole-emploi", "financial")
    ]
    assert data["contacts"][0]["email"] == "claire@example.org"
    hidden = data["contacts"][1]
    assert (hidden["name"], hidden["email"]) == (None, None)
    assert hidden["organisation"] == "France terre d'asile"
    assert "Paul" not in response.content.decode()
    assert data["results"][0]["value"] == 109
    assert data["results"][0]["source"] == "catalogue-du-forum"
    assert data["sources"] == [{"source": "catalogue-du-forum", "location": ""}]


def test_an_unpublished_or_unknown_initiative_is_not_found(client, listed):
    assert client.get(f"{API}logement-en-brouillon/").status_code == 404
    assert client.get(f"{API}nothing-here/").status_code == 404


def test_it_lists_organisations_themes_publics_and_sources(client, listed):
    make_source("Catalogue du forum")
    organisations = client.get("/api/v1/organisations/").json()
    assert [o["slug"] for o in organisations["results"]] == ["la-cimade", "ofii"]
    assert client.get("/api/v1/organisations/ofii/").json()["name"] == "Ofii"
    themes = client.get("/api/v1/themes/").json()
    assert [theme["slug"] for theme in themes] == [
        "acces-au-logement",
        "apprentissage-de-la-langue",
    ]
    assert client.get("/api/v1/publics/").json()[0]["slug"] == "jeunes-de-18-a-30-ans"
    assert client.get("/api/v1/sources/catalogue-du-forum/").json()["title"] == (
        "Catalogue du forum"
    )


def test_it_only_reads(client, listed):
    assert client.post(API, {}).status_code == 405
    assert client.delete(f"{API}logement-solidaire-00/").status_code == 405


def test_its_openapi_schema_is_valid_and_names_the_lists_parameters(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    parameters = {p["name"] for p in schema["paths"][API]["get"]["parameters"]}
    assert {"q", "theme", "public", "department", "near", "sort", "page"} <= parameters
    assert f"{API}{{slug}}/" in schema["paths"]


def test_its_documentation_page_uses_the_sites_own_files_only(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<style" not in page and not re.search(r"<script>", page)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts and all(src.startswith("/") for src in scripts)
    assert "swagger-ui-bundle.js" in scripts[0]
    setup = client.get(scripts[-1].replace("&amp;", "&"))
    assert setup.status_code == 200 and "/api/v1/schema/" in setup.content.decode()


def test_past_its_rate_a_client_is_told_when_to_come_back(client, settings, db):
    settings.API_THROTTLE_RATE = "2/minute"
    for _ in range(2):
        assert client.get("/api/v1/themes/").status_code == 200
    response = client.get("/api/v1/themes/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    # Another client address is counted apart.
    assert client.get("/api/v1/themes/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_other_sites_may_read_it_but_not_the_pages(client, listed):
    origin = {"HTTP_ORIGIN": "https://example.org"}
    assert client.get(API, **origin)["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/initiatives/", **origin)


def test_it_sets_no_cookie(client, listed):
    response = client.get(API, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert not response.cookies
