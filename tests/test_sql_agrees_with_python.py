"""Rules written twice, in Python for the pages and in SQL for the export, give the same text.

test_fixtures checks them over every organisation and contact of the catalogue."""

import re

import pytest

from initiatives.exports import CONTACT_LINE, organisation_display_name
from initiatives.models import Contact, Organisation

from .factories import make_contact, make_initiative, make_organisation

pytestmark = pytest.mark.django_db


def assert_same_display_names():
    organisations = Organisation.objects.annotate(in_sql=organisation_display_name())
    assert organisations
    for organisation in organisations:
        assert organisation.in_sql == organisation.display_name, organisation.slug


def public_line(contact):
    """Contact.public_fields() on one line, as the export writes it."""
    texts = []
    for value in contact.public_fields().values():
        text = ", ".join(value) if isinstance(value, list) else value
        if text:
            texts.append(re.sub(r"\s+", " ", text))
    return ", ".join(texts)


def assert_same_contact_lines():
    contacts = Contact.objects.annotate(in_sql=CONTACT_LINE)
    assert contacts
    for contact in contacts:
        assert contact.in_sql == public_line(contact), contact.pk


@pytest.mark.parametrize(
    ("name", "acronym", "shown"),
    [
        ("Office français de l'immigration et de l'intégration", "Ofii", None),
        ("Ofii", "OFII", "Ofii"),
        ("Caisse d'allocations familiales (CAF)", "caf", None),
        ("Fonds 100 % solidaire", "_%", None),
        ("Association d'aide aux jeunes travailleurs", "AAJT", None),
        ("Forem", "", "Forem"),
    ],
)
def test_an_organisation_has_the_same_name_in_the_export(name, acronym, shown):
    organisation = make_organisation(name, acronym=acronym)
    if shown is not None:
        assert organisation.display_name == shown
    assert_same_display_names()


@pytest.mark.parametrize("hidden", [False, True])
def test_a_contact_reads_the_same_in_the_export(hidden):
    initiative = make_initiative()
    make_contact(
        initiative,
        name="Claire Louazel",
        role="Coordinatrice",
        organisation="AAJT",
        email="claire@example.org",
        phones=["04 91 07 80 00", "06 38 09 99 06"],
        address="3, rue Palestro\n13003   Marseille",
        website="https://example.org",
        hide_personal_data=hidden,
    )
    make_contact(
        initiative, name="", role="Accueil", organisation="Mairie", hide_personal_data=hidden
    )
    assert_same_contact_lines()
    shown = " ".join(public_line(contact) for contact in Contact.objects.all())
    assert ("Claire Louazel" in shown) is not hidden
    assert ("06 38 09 99 06" in shown) is not hidden
    assert "Coordinatrice" in shown and "Mairie" in shown
