"""The tidy tables, their data package and the spreadsheet: what a researcher downloads."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from frictionless import validate
from openpyxl import load_workbook

from initiatives.models import PartnerLevel, PartnerRole, ResultNature

from .factories import (
    MARSEILLE,
    commune,
    make_contact,
    make_initiative,
    make_organisation,
    make_public,
    make_result,
    make_source,
    make_theme,
)

pytestmark = pytest.mark.django_db

TABLES = {
    "initiatives": "/initiatives/export.csv",
    "resultats": "/initiatives/results.csv",
    "partenariats": "/initiatives/partnerships.csv",
    "contacts": "/initiatives/contacts.csv",
}


@pytest.fixture
def catalogue(db):
    """Two initiatives with results, partners and contacts, one of whom hides personal data;
    a third in another theme."""
    housing = make_theme("Accès au logement")
    source = make_source("Catalogue du forum")
    cimade, ofii = make_organisation("La Cimade"), make_organisation("Ofii", acronym="OFII")
    first = make_initiative(
        "Mon toit pour toi",
        themes=[housing],
        leads=[cimade],
        partners=[ofii],
        publics=[make_public("Femmes")],
        places=[commune(MARSEILLE)],
        sources=[source],
        start_year=2019,
        verified_on=date(2024, 5, 2),
    )
    first.partnerships.filter(organisation=ofii).update(
        role=PartnerRole.FINANCIAL, level=PartnerLevel.NATIONAL, note="finance les loyers"
    )
    make_result(
        first,
        nature=ResultNature.ACHIEVED,
        qualifier="more_than",
        value=Decimal("109"),
        unit="personnes",
        as_of=date(2019, 1, 1),
        as_of_precision="year",
        source=source,
    )
    make_result(first, nature=ResultNature.TARGET, value=Decimal("22.5"), value_max=Decimal(29))
    make_contact(first, name="Claire Exemple", email="claire@example.org", phones=["0491000000"])
    make_contact(
        first,
        name="Paul Caché",
        email="paul@example.org",
        phones=["0491111111"],
        organisation="La Cimade",
        hide_personal_data=True,
    )
    second = make_initiative("Un toit à Lyon", themes=[housing], leads=[ofii])
    make_result(second, text="=cmd|' /C calc'!A0", value=Decimal(-3))
    make_initiative("Cours de langue")
    return first


def read_table(client, path, params=None, language="fr"):
    response = client.get(path, {**(params or {}), "format": "csv"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_results_table_gives_one_row_per_result_its_value_a_number(client, catalogue):
    rows = read_table(client, TABLES["resultats"], {"theme": "acces-au-logement"})
    assert [(row["titre"], row["nature"], row["valeur"], row["valeur_max"]) for row in rows] == [
        ("Mon toit pour toi", "resultat", "109", ""),
        ("Mon toit pour toi", "objectif", "22.5", "29"),
        ("Un toit à Lyon", "resultat", "-3", ""),
    ]
    assert rows[0]["date"] == "2019-01-01" and rows[0]["precision"] == "annee"
    assert rows[2]["texte"].startswith("'="), "a formula is kept as text"


def test_the_partnerships_table_gives_one_row_per_organisation_and_role(client, catalogue):
    rows = read_table(client, TABLES["partenariats"], {"pilot": "la-cimade"})
    assert [
        (row["organisation"], row["nom"], row["sigle"], row["role"], row["niveau"]) for row in rows
    ] == [
        ("la-cimade", "La Cimade", "", "pilote", ""),
        ("ofii", "Ofii", "OFII", "financier", "national"),
    ]
    assert rows[1]["precision"] == "finance les loyers"
    assert rows[0]["initiative"] == "http://testserver/initiatives/mon-toit-pour-toi/"


def test_the_contacts_table_keeps_hidden_personal_data_out(client, catalogue):
    rows = read_table(client, TABLES["contacts"])
    assert [(row["nom"], row["courriel"], row["telephones"]) for row in rows] == [
        ("Claire Exemple", "claire@example.org", "0491000000"),
        ("", "", ""),
    ]
    assert rows[1]["organisation"] == "La Cimade"


@pytest.mark.parametrize("name", list(TABLES))
def test_each_table_is_the_same_whatever_the_interface_language(client, catalogue, name):
    assert read_table(client, TABLES[name], language="en") == read_table(client, TABLES[name])


@pytest.mark.parametrize("name", ["resultats", "partenariats", "contacts"])
def test_each_table_takes_the_lists_parameters(client, catalogue, name):
    response = client.get(TABLES[name], {"theme": "no-such-theme"})
    assert response.status_code == 400
    lyon = read_table(client, TABLES[name], {"q": "Lyon"})
    assert {row["titre"] for row in lyon} <= {"Un toit à Lyon"}


def test_the_data_package_describes_every_table_and_frictionless_finds_them_valid(
    client, catalogue, tmp_path
):
    response = client.get("/open-data/datapackage.json")
    assert response.status_code == 200
    package = response.json()
    assert package["licenses"][0]["title"] == "Licence Ouverte 2.0 (Etalab)"
    names = [resource["name"] for resource in package["resources"]]
    assert names == list(TABLES)
    for resource in package["resources"]:
        path = TABLES[resource["name"]]
        assert resource["path"] == f"http://testserver{path}?format=csv"
        assert resource["licenses"] == package["licenses"]
        # The files as downloaded, beside the descriptor, where frictionless reads them.
        body = b"".join(client.get(resource["path"]).streaming_content)
        (tmp_path / f"{resource['name']}.csv").write_bytes(body)
        resource["path"] = f"{resource['name']}.csv"
        headers = next(csv.reader(io.StringIO(body.decode())))
        assert headers == [field["name"] for field in resource["schema"]["fields"]]
    (tmp_path / "datapackage.json").write_text(json.dumps(package))

    report = validate(str(tmp_path / "datapackage.json"))

    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    types = {
        field["name"]: field["type"]
        for resource in package["resources"]
        for field in resource["schema"]["fields"]
    }
    assert types["valeur"] == "number" and types["annee_debut"] == "integer"


def test_the_spreadsheet_has_a_typed_sheet_per_table_and_says_what_it_holds(client, catalogue):
    response = client.get("/initiatives/export.xlsx", {"theme": "acces-au-logement"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="initiatives-acces-au-logement-' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))

    assert workbook.sheetnames == [
        "Initiatives",
        "Résultats",
        "Partenariats",
        "Contacts",
        "À propos",
    ]
    initiatives = list(workbook["Initiatives"].values)
    assert [row[1] for row in initiatives[1:]] == ["Mon toit pour toi", "Un toit à Lyon"]
    header = initiatives[0]
    first = dict(zip(header, initiatives[1], strict=True))
    assert first["annee_debut"] == 2019
    assert first["verifiee_le"].date() == date(2024, 5, 2)
    results = list(workbook["Résultats"].values)
    assert results[1][results[0].index("valeur")] == 109
    assert results[2][results[0].index("valeur")] == 22.5
    assert results[1][results[0].index("date")].date() == date(2019, 1, 1)
    assert workbook["Initiatives"].freeze_panes == "A2"
    assert len(list(workbook["Contacts"].values)) == 3
    about = {row[0]: row[1] for row in workbook["À propos"].values}
    assert about["Liste"] == "http://testserver/initiatives/?theme=acces-au-logement"
    assert about["Filtre « theme »"] == "acces-au-logement"
    assert about["Initiatives"] == 2
    assert "Licence Ouverte 2.0" in about["Licence"]


def test_the_lists_excel_link_gives_the_spreadsheet(client, catalogue):
    content = client.get("/initiatives/", {"theme": "acces-au-logement"}).content.decode()
    assert 'href="/initiatives/export.xlsx?theme=acces-au-logement"' in content


def test_the_spreadsheet_answers_a_bad_parameter_with_a_400(client, db):
    assert client.get("/initiatives/export.xlsx", {"theme": "nope"}).status_code == 400
