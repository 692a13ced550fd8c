import pytest
from django.urls import reverse

from initiatives.models import Initiative

from .factories import (
    MARSEILLE,
    commune,
    department,
    initiative_form,
    make_initiative,
    make_organisation,
    make_theme,
)
from .pages import change_url

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "initiative",
    "organisation",
    "source",
    "theme",
    "targetpublic",
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
