"""Text that holds HTML or script is shown as text, on the public pages and in the admin."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from initiatives.models import Initiative

from .factories import (
    initiative_form,
    make_contact,
    make_initiative,
    make_organisation,
    make_public,
    make_result,
    make_source,
    make_theme,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
RAW = [SCRIPT, "<img src=x onerror=alert(1)>"]
ESCAPED = ["&lt;script&gt;alert(1)&lt;/script&gt;", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"]


def hostile(label):
    return f"{label} {SCRIPT} {ATTRIBUTE}"


@pytest.fixture
def hostile_initiative():
    """An initiative whose every text, and its organisations', holds markup and script."""
    theme = make_theme(hostile("Thème"), description=hostile("description du thème"))
    pilot = make_organisation(
        hostile("Pilote"),
        acronym="<b>X</b>",
        description=hostile("description du pilote"),
        address=hostile("adresse"),
        city=hostile("ville"),
    )
    initiative = make_initiative(
        hostile("Initiative"),
        themes=[theme],
        publics=[make_public(hostile("Public"))],
        partners=[make_organisation(hostile("Partenaire"), description=hostile("description"))],
        sources=[make_source(hostile("Source"), publisher=hostile("éditeur"))],
        leads=[pilot],
        aim=hostile("objectif"),
        description=hostile("description") + "\n\n- " + hostile("point"),
        funding=hostile("financement"),
    )
    initiative.partnerships.update(note=hostile("précision"))
    initiative.citations.update(location=hostile("page"))
    make_contact(
        initiative,
        name=hostile("Contact"),
        role=hostile("fonction"),
        organisation=hostile("organisation"),
        address=hostile("adresse"),
        phones=[hostile("tél")],
    )
    make_result(initiative, text=hostile("résultat"), unit="<u>", measure=hostile("mesure"))
    return initiative


def assert_escaped(response):
    assert response.status_code == 200
    content = response.content.decode()
    for raw in RAW:
        assert raw not in content
    for escaped in ESCAPED:
        assert escaped in content
    assert "<b>X</b>" not in content


def test_it_escapes_the_public_pages(client, hostile_initiative):
    initiative = hostile_initiative
    for path in (
        "/",
        "/initiatives/",
        initiative.get_absolute_url(),
        initiative.main_theme.get_absolute_url(),
        initiative.leads[0].get_absolute_url(),
        initiative.partner_links[0].organisation.get_absolute_url(),
    ):
        assert_escaped(client.get(path))


def test_it_escapes_what_the_search_box_sends_back(client, hostile_initiative):
    response = client.get("/initiatives/", {"q": ATTRIBUTE})
    content = response.content.decode()
    assert response.status_code == 200
    assert ATTRIBUTE not in content
    assert 'value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in content


def test_it_escapes_the_admin(admin_client, hostile_initiative, admin_user):
    initiative = hostile_initiative
    LogEntry.objects.log_actions(
        admin_user.pk, [initiative], CHANGE, change_message=hostile("modification")
    )
    pages = [reverse("admin:index")]
    lead, partner = initiative.leads[0], initiative.partner_links[0].organisation
    for obj in (initiative, lead, partner, initiative.main_theme):
        name = f"admin:initiatives_{obj._meta.model_name}"
        pages += [reverse(f"{name}_changelist"), reverse(f"{name}_change", args=[obj.pk])]
    pages.append(reverse("admin:initiatives_initiative_history", args=[initiative.pk]))
    for path in pages:
        assert_escaped(admin_client.get(path))


def test_it_refuses_a_script_address_as_a_website_in_the_admin(admin_client):
    pilot, theme = make_organisation(), make_theme()
    response = admin_client.post(
        reverse("admin:initiatives_initiative_add"),
        initiative_form(pilot, theme, [theme], website="javascript:alert(1)"),
    )
    assert response.status_code == 200
    assert not Initiative.objects.filter(website__startswith="javascript").exists()


def test_it_shows_every_hostile_text_of_the_initiative_page_as_text(client, hostile_initiative):
    content = client.get(hostile_initiative.get_absolute_url()).content.decode()
    for label in ("objectif", "financement", "Contact", "fonction", "résultat", "précision"):
        assert f"{label} {ESCAPED[0]}" in content, label
