"""The catalogue in the standards other services read, checked by their publishers' own
validators: data·inclusion's schema package, Open Referral's JSON schemas for HSDS 3.0."""

import copy
import json
import os
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from data_inclusion.schema.v1 import Service, Structure
from django.conf import settings
from jsonschema import Draft202012Validator

from initiatives.models import PartnerRole

from .factories import (
    MARSEILLE,
    commune,
    country,
    department,
    make_contact,
    make_initiative,
    make_organisation,
    make_public,
    make_theme,
    region,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    """Two initiatives led by La Cimade, in a commune, a département, a region and countries;
    one without a lead, one unpublished."""
    housing, language = make_theme("Accès au logement"), make_theme("Apprentissage de la langue")
    cimade = make_organisation(
        "La Cimade",
        description="Association de solidarité avec les personnes migrantes.",
        website="https://www.lacimade.org",
        email="contact@lacimade.org",
        phones=["01 44 18 60 50"],
        city="Paris",
    )
    first = make_initiative(
        "Mon toit pour toi.",
        themes=[housing, language],
        leads=[cimade],
        publics=[make_public("Jeunes de 16 à 25 ans"), make_public("Femmes")],
        places=[commune(MARSEILLE), department("69"), region("32"), country("FR"), country("BE")],
        aim="Loger des jeunes réfugiés chez l'habitant.",
        status="ongoing",
    )
    make_contact(first, name="Paul Caché", email="paul@example.org", hide_personal_data=True)
    make_contact(first, name="Claire", email="claire@example.org", phones=["04 91 00 00 00"])
    make_initiative("Cours de langue", themes=[language], leads=[cimade], partners=[])
    make_initiative("Sans pilote", leads=[])
    make_initiative("Brouillon", leads=[cimade], is_published=False)
    return first


def dataset(client, path: str) -> list[dict[str, Any]]:
    response = client.get(f"/open-data/{path}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(b"".join(response.streaming_content))


def test_data_inclusion_structures_are_valid_and_name_the_leads(client, catalogue):
    structures = dataset(client, "data-inclusion/structures.json")
    for structure in structures:
        Structure.model_validate(structure, context={"ignore_warnings": False})
        assert set(structure) <= set(Structure.model_fields), "no field the schema ignores"
    assert [structure["id"] for structure in structures] == [
        "catalogue-initiatives-refugies--la-cimade"
    ]
    assert structures[0]["site_web"] == "https://www.lacimade.org"
    assert structures[0]["date_maj"] == date.today().isoformat()


def test_data_inclusion_services_are_valid_with_mapped_themes_publics_and_places(client, catalogue):
    services = dataset(client, "data-inclusion/services.json")
    for service in services:
        Service.model_validate(service, context={"ignore_warnings": False})
        assert set(service) <= set(Service.model_fields), "no field the schema ignores"
    assert [service["nom"] for service in services] == ["Cours de langue", "Mon toit pour toi"]
    toit = services[1]
    assert toit["structure_id"] == "catalogue-initiatives-refugies--la-cimade"
    assert "lecture-ecriture-calcul--maitriser-le-francais" in toit["thematiques"]
    assert "logement-hebergement--louer-un-logement" in toit["thematiques"]
    assert toit["publics"] == ["femmes", "jeunes", "personnes-exilees"]
    # The commune, the département, the region's départements, France; not Belgium.
    assert toit["zone_eligibilite"][:2] == [MARSEILLE, "69"]
    assert {"02", "59", "60", "62", "80", "france"} <= set(toit["zone_eligibilite"])
    assert "BE" not in toit["zone_eligibilite"]
    assert toit["courriel"] == "claire@example.org", "never a contact's hidden address"
    assert toit["lien_source"] == "http://testserver/initiatives/mon-toit-pour-toi/"


def hsds_schema(name: str) -> dict[str, Any]:
    """Open Referral's compiled JSON schema `name` (HSDS 3.0), with no property allowed that it
    does not define, as Open Referral's own tests check its examples. The schemas are read from
    HSDS_SCHEMA_DIR, or shared/hsds/ beside the project."""
    candidates = [
        Path(os.environ.get("HSDS_SCHEMA_DIR", "/nonexistent")),
        settings.BASE_DIR.parent / "shared" / "hsds",
        settings.BASE_DIR.parent.parent / "shared" / "hsds",
    ]
    found = next((folder for folder in candidates if (folder / "LICENSE").exists()), None)
    if found is None:
        pytest.skip("Open Referral's HSDS schemas are not there (HSDS_SCHEMA_DIR)")
    schema = json.loads((found / "compiled" / f"{name}.json").read_text())
    return closed(schema)


def closed(schema: Any) -> Any:
    """`schema` with additionalProperties false on every object it defines."""
    schema = copy.deepcopy(schema)
    if isinstance(schema, dict):
        if schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
        return {key: closed(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    return schema


def check_hsds(items: list[dict[str, Any]], name: str) -> None:
    validator = Draft202012Validator(
        hsds_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    for item in items:
        errors = [f"{list(error.path)}: {error.message}" for error in validator.iter_errors(item)]
        assert not errors, errors


def test_hsds_organizations_are_valid(client, catalogue):
    organizations = dataset(client, "hsds/organizations.json")
    assert [organization["name"] for organization in organizations] == ["La Cimade"]
    uuid.UUID(organizations[0]["id"])
    check_hsds(organizations, "organization")


def test_hsds_services_are_valid_with_their_organization_and_locations(client, catalogue):
    services = dataset(client, "hsds/services.json")
    assert [service["name"] for service in services] == ["Cours de langue", "Mon toit pour toi."]
    toit = services[1]
    organizations = dataset(client, "hsds/organizations.json")
    assert toit["organization_id"] == organizations[0]["id"] == toit["organization"]["id"]
    assert toit["status"] == "active"
    located = toit["service_at_locations"]
    assert located and all(link["location"]["location_type"] == "physical" for link in located)
    assert located[0]["location"]["external_identifier"] == MARSEILLE
    check_hsds(services, "service")
    # Each of its places with its location, as HSDS's service_at_location.
    check_hsds(located, "service_at_location")


def test_a_partner_is_not_a_structure_of_data_inclusion(client, catalogue):
    partner = make_organisation("Ofii")
    catalogue.partnerships.create(organisation=partner, role=PartnerRole.FINANCIAL)
    structures = dataset(client, "data-inclusion/structures.json")
    assert "catalogue-initiatives-refugies--ofii" not in [s["id"] for s in structures]


def test_an_unknown_dataset_is_not_found(client, db):
    assert client.get("/open-data/data-inclusion/nothing.json").status_code == 404
