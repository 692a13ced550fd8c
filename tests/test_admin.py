import html
import re

import pytest
from django.db import connection
from django.urls import reverse

from initiatives.models import Initiative

from .factories import (
    MARSEILLE,
    commune,
    department,
    initiative_form,
    make_contact,
    make_initiative,
    make_noted_citation,
    make_organisation,
    make_result,
    make_theme,
)
from .pages import change_form, change_url

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "initiative",
    "organisation",
    "source",
    "theme",
    "targetpublic",
    "thesaurusentry",
]


@pytest.mark.parametrize("model", ADMIN_PAGES)
def test_it_lists_and_adds_every_model_for_a_superuser(admin_client, model):
    make_initiative()
    for view in ("changelist", "add"):
        response = admin_client.get(reverse(f"admin:initiatives_{model}_{view}"))
        assert response.status_code == 200


def test_it_shows_an_initiative_s_change_page_with_its_inlines(admin_client):
    initiative = make_initiative("Mon toit pour toi")
    response = admin_client.get(change_url(initiative))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Mon toit pour toi" in content
    for prefix in ("partnerships", "place_links", "contacts", "results", "citations"):
        assert f'name="{prefix}-TOTAL_FORMS"' in content


def test_it_searches_initiatives_by_pilot(admin_client):
    make_initiative("Accompagner vers le logement", leads=[make_organisation("Adoma")])
    make_initiative("Autre chose")
    response = admin_client.get(reverse("admin:initiatives_initiative_changelist"), {"q": "adoma"})
    assert "Accompagner vers le logement" in response.content.decode()
    assert "Autre chose" not in response.content.decode()


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("admin:initiatives_initiative_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_it_creates_an_initiative_with_its_themes(admin_client):
    pilot, housing, language = make_organisation(), make_theme("Logement"), make_theme("Langue")
    response = admin_client.post(
        reverse("admin:initiatives_initiative_add"),
        initiative_form(pilot, housing, [housing, language]),
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get(slug="nouvelle-initiative")
    assert set(initiative.themes.all()) == {housing, language}


def test_it_refuses_a_main_theme_missing_from_the_themes(admin_client):
    pilot, housing, language = make_organisation(), make_theme("Logement"), make_theme("Langue")
    response = admin_client.post(
        reverse("admin:initiatives_initiative_add"), initiative_form(pilot, housing, [language])
    )
    assert response.status_code == 200
    assert "doit figurer parmi les thèmes" in response.content.decode()
    assert not Initiative.objects.filter(slug="nouvelle-initiative").exists()


def result_rows(**fields: str) -> dict[str, str]:
    """One result row of the initiative's admin form."""
    return {"results-TOTAL_FORMS": "1"} | {f"results-0-{name}": v for name, v in fields.items()}


def test_it_shows_a_result_s_nature_qualifier_range_and_precision(admin_client):
    content = admin_client.get(reverse("admin:initiatives_initiative_add")).content.decode()
    for field in ("nature", "qualifier", "value", "value_max", "as_of_precision"):
        assert f'name="results-__prefix__-{field}"' in content
    assert '<option value="quarter">trimestre</option>' in content
    assert '<option value="target">objectif</option>' in content


def test_it_saves_a_target_with_a_range_by_a_quarter(admin_client):
    pilot, housing = make_organisation(), make_theme("Logement")
    form = initiative_form(pilot, housing, [housing]) | result_rows(
        position="1",
        nature="target",
        text="Accompagner des jeunes",
        qualifier="at-least",
        value="20",
        value_max="50",
        as_of="2021-10-01",
        as_of_precision="quarter",
    )
    response = admin_client.post(reverse("admin:initiatives_initiative_add"), form)
    assert response.status_code == 302
    page = admin_client.get("/initiatives/nouvelle-initiative/").content.decode()
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "Accompagner des jeunes au moins 20 à 50 (d'ici 4e trimestre 2021)" in text


def test_it_refuses_a_range_running_backwards(admin_client):
    pilot, housing = make_organisation(), make_theme("Logement")
    form = initiative_form(pilot, housing, [housing]) | result_rows(
        position="1", nature="achieved", text="50 à 20", value="50", value_max="20"
    )
    response = admin_client.post(reverse("admin:initiatives_initiative_add"), form)
    assert response.status_code == 200
    assert "une valeur haute qui ne lui est pas inférieure" in response.content.decode()
    assert not Initiative.objects.filter(slug="nouvelle-initiative").exists()


def test_it_shows_staff_the_editorial_note_of_a_citation(admin_client):
    initiative = make_initiative("Programme de co-training")
    make_noted_citation(initiative)
    content = admin_client.get(change_url(initiative)).content.decode()
    assert "Fiche de l&#x27;association Kodiko (titre absent du texte extrait)" in content
    assert re.search(r'name="citations-0-title_assigned"[^>]* checked', content)


def test_it_edits_an_organisation_s_own_contact_details(admin_client):
    elia = make_organisation("Elia")
    url = reverse("admin:initiatives_organisation_change", args=[elia.pk])
    data = {
        "name": "Elia",
        "acronym": "",
        "slug": "elia",
        "kind": "association",
        "description": "",
        "website": "",
        "address": "1 rue Saint Ferreol - 13001 Marseille",
        "city": "Marseille",
        "country": "FR",
        "email": "bailglissant@eliasud.org",
        "phones": "04 91 13 01 63, numéro",
    }
    refused = admin_client.post(url, data)
    assert "n&#x27;est pas un numéro de téléphone" in refused.content.decode()
    admin_client.post(url, data | {"phones": "04 91 13 01 63"})
    elia.refresh_from_db()
    assert (elia.email, elia.phones) == ("bailglissant@eliasud.org", ["04 91 13 01 63"])


@pytest.mark.parametrize("term", ["marseille", "13055"])
def test_it_offers_every_commune_of_the_reference_by_name_or_code(admin_client, term):
    make_initiative()
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "initiatives",
            "model_name": "initiativeplace",
            "field_name": "place",
            "term": term,
        },
    )
    assert response.status_code == 200
    assert "Marseille (13)" in [result["text"] for result in response.json()["results"]]


def test_it_creates_an_initiative_with_its_places_in_order(admin_client):
    pilot, housing = make_organisation(), make_theme("Logement")
    form = initiative_form(pilot, housing, [housing])
    form |= {
        "place_links-TOTAL_FORMS": "2",
        "place_links-0-position": "0",
        "place_links-0-place": department("33").pk,
        "place_links-1-position": "1",
        "place_links-1-place": commune(MARSEILLE).pk,
    }
    response = admin_client.post(reverse("admin:initiatives_initiative_add"), form)
    assert response.status_code == 302
    initiative = Initiative.objects.get(slug="nouvelle-initiative")
    assert [str(place) for place in initiative.place_list] == ["Gironde (33)", "Marseille (13)"]


def constraints_checked_as_at_commit() -> None:
    """Checks now the deferred constraints, which the test's transaction, never committed,
    would otherwise never check."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.parametrize("inline", ["contacts", "results"])
@pytest.mark.parametrize("new_positions", [(2, 1), (2, 3)], ids=["swapped", "shifted"])
def test_an_editor_reorders_contacts_and_results(django_app, admin_user, inline, new_positions):
    initiative = make_initiative()
    make = make_contact if inline == "contacts" else make_result
    first, second = make(initiative, position=1), make(initiative, position=2)
    django_app.set_user(admin_user)
    form = change_form(django_app, initiative)
    form[f"{inline}-0-position"], form[f"{inline}-1-position"] = map(str, new_positions)
    assert form.submit().status_code == 302
    constraints_checked_as_at_commit()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.position, second.position) == new_positions


@pytest.mark.parametrize("inline", ["contacts", "results"])
def test_two_contacts_or_results_cannot_share_a_position(django_app, admin_user, inline):
    initiative = make_initiative()
    make = make_contact if inline == "contacts" else make_result
    make(initiative, position=1), make(initiative, position=2)
    django_app.set_user(admin_user)
    form = change_form(django_app, initiative)
    form[f"{inline}-1-position"] = "1"
    response = form.submit()
    assert response.status_code == 200
    assert "Corrigez les données en double dans position." in response.text
    constraints_checked_as_at_commit()
    assert sorted(getattr(initiative, inline).values_list("position", flat=True)) == [1, 2]


# Addresses an editor's browser could be sent to, each once a 500: a NUL byte or an id that is
# no number in a filter, a search, a history page or an add form's initial values.
HOSTILE_ADMIN_ADDRESSES = [
    (302, "/admin/initiatives/initiative/?status__exact=%00"),
    (302, "/admin/initiatives/initiative/?main_theme__id__exact=%00"),
    (302, "/admin/initiatives/initiative/?q=%00"),
    (404, "/admin/initiatives/initiative/abc/history/"),
    (404, "/admin/initiatives/initiative/%00/history/"),
    (404, "/admin/initiatives/initiative/{pk}/history/abc/"),
    (404, "/admin/initiatives/initiative/{pk}/history/%00/"),
    (404, "/admin/initiatives/organisation/abc/history/"),
    (200, "/admin/initiatives/initiative/add/?main_theme=abc"),
    (200, "/admin/initiatives/initiative/add/?main_theme=%00"),
    (200, "/admin/initiatives/initiative/add/?themes=abc"),
    (200, "/admin/initiatives/initiative/add/?parent=abc"),
    (200, "/admin/initiatives/initiative/add/?title=%00"),
    (
        200,
        "/admin/autocomplete/?term=%00&app_label=initiatives&model_name=initiative&field_name=parent",
    ),
    (
        200,
        "/admin/autocomplete/?term=%00&app_label=initiatives&model_name=partnership"
        "&field_name=organisation",
    ),
]


def test_the_admin_answers_hostile_addresses_without_a_500(admin_client):
    initiative = make_initiative("Mon toit pour toi")
    answers = [
        (admin_client.get(address.format(pk=initiative.pk)).status_code, address)
        for _, address in HOSTILE_ADMIN_ADDRESSES
    ]
    assert answers == HOSTILE_ADMIN_ADDRESSES


def test_the_add_form_keeps_the_valid_initial_values_from_its_address(admin_client):
    theme = make_theme("Logement")
    response = admin_client.get(
        reverse("admin:initiatives_initiative_add"),
        {"title": "Accueil", "main_theme": theme.pk, "parent": "abc"},
    )
    form = response.context["adminform"].form
    assert (form.initial["title"], form.initial["main_theme"]) == ("Accueil", str(theme.pk))
    assert "parent" not in form.initial
