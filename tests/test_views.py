import pytest
from django.urls import reverse

from .conftest import (
    card_titles,
    make_contact,
    make_initiative,
    make_partner,
    make_pilot,
    make_public,
    make_result,
    make_theme,
)

pytestmark = pytest.mark.django_db


def test_it_shows_the_themes_with_their_counts_on_the_home_page(client):
    housing = make_theme("Accès au logement")
    make_initiative(themes=[housing])
    make_initiative(themes=[housing])
    response = client.get("/")
    assert response.status_code == 200
    assert "Accès au logement" in response.content.decode()
    assert "2 initiatives" in response.content.decode()
    assert 'name="q"' in response.content.decode()


def test_it_lists_published_initiatives(client, initiative):
    make_initiative("Brouillon secret", is_published=False)
    response = client.get("/initiatives/")
    assert response.status_code == 200
    assert "Mon toit pour toi" in response.content.decode()
    assert "Brouillon secret" not in response.content.decode()


def test_it_filters_by_theme(client):
    housing, language = make_theme("Accès au logement"), make_theme("Apprentissage de la langue")
    make_initiative("Logement pour tous", themes=[housing])
    make_initiative("Cours de français", themes=[language])
    response = client.get("/initiatives/", {"theme": "acces-au-logement"})
    assert response.status_code == 200
    assert "Logement pour tous" in response.content.decode()
    assert "Cours de français" not in response.content.decode()


def test_it_combines_public_and_country_filters(client):
    youth = make_public("Jeunes de 18 à 30 ans")
    make_initiative("Pour les jeunes en France", publics=[youth], country="FR")
    make_initiative("Pour les jeunes en Belgique", publics=[youth], country="BE")
    make_initiative("Pour tous en France", country="FR")
    response = client.get("/initiatives/", {"public": "jeunes-de-18-a-30-ans", "country": "FR"})
    content = response.content.decode()
    assert "Pour les jeunes en France" in content
    assert "Pour les jeunes en Belgique" not in content
    assert "Pour tous en France" not in content


def test_it_searches_without_accents(client):
    make_initiative("Accès aux soins des réfugiés")
    make_initiative("Chorale")
    response = client.get("/initiatives/", {"q": "acces refugies"})
    assert card_titles(response) == ["Accès aux soins des réfugiés"]


@pytest.mark.parametrize(
    "params",
    [
        {"theme": "no-such-theme"},
        {"country": "ZZ"},
        {"status": "lost"},
        {"sort": "sideways"},
        {"page": "abc"},
        {"page": "999"},
        {"q": "nul\x00byte"},
    ],
)
def test_it_answers_bad_parameters_with_a_400_and_the_form(client, initiative, params):
    response = client.get("/initiatives/", params)
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="facets"' in content and 'role="alert"' in content
    assert "Mon toit pour toi" not in content


def test_it_answers_an_unknown_initiative_with_a_404(client, db):
    assert client.get("/initiatives/no-such-thing/").status_code == 404


def test_it_shows_an_initiative_with_its_pilot_partners_contacts_and_results(client, initiative):
    make_contact(
        initiative, name="Claire Louazel", email="claire@example.org", phones=["04 91 07 80 00"]
    )
    make_result(initiative, text="12 bourses ont été attribuées", value=12, measure="bourses")
    response = client.get(initiative.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert "Mon toit pour toi" in content
    assert initiative.pilot.get_absolute_url() in content
    assert "Pôle emploi" in content
    assert "Claire Louazel" in content and "04 91 07 80 00" in content
    assert "12 bourses ont été attribuées" in content
    assert "Catalogue du forum" in content


def test_it_hides_personal_contact_data_when_flagged(client, initiative):
    make_contact(
        initiative,
        name="Personne Privée",
        email="prive@example.org",
        organisation="Association X",
        hide_personal_data=True,
    )
    content = client.get(initiative.get_absolute_url()).content.decode()
    assert "Association X" in content
    assert "Personne Privée" not in content
    assert "prive@example.org" not in content


def test_it_does_not_show_a_draft_initiative(client):
    draft = make_initiative(is_published=False)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_it_lists_a_theme_s_initiatives(client):
    housing = make_theme("Accès au logement")
    make_initiative("Logement pour tous", themes=[housing])
    make_initiative("Autre chose")
    response = client.get(reverse("initiatives:theme-detail", args=["acces-au-logement"]))
    assert response.status_code == 200
    assert "Logement pour tous" in response.content.decode()
    assert "Autre chose" not in response.content.decode()


def test_it_lists_a_pilot_s_initiatives(client):
    pilot = make_pilot("Adoma")
    make_initiative("Accompagner vers le logement ordinaire", pilot=pilot)
    response = client.get("/pilots/adoma/")
    assert response.status_code == 200
    assert "Accompagner vers le logement ordinaire" in response.content.decode()


def test_it_lists_a_partner_s_initiatives(client):
    ofii = make_partner("Ofii")
    make_initiative("Première", partners=[ofii])
    make_initiative("Seconde", partners=[ofii])
    content = client.get("/partners/ofii/").content.decode()
    assert "Première" in content and "Seconde" in content


@pytest.mark.parametrize("rows", [5, 50])
def test_it_lists_in_a_constant_number_of_queries(client, django_assert_max_num_queries, rows):
    partner, theme = make_partner(), make_theme()
    for _ in range(rows):
        make_initiative(themes=[theme, make_theme()], partners=[partner])
    # The catalogue's revision (1), filter choices (1), the chosen theme (1), a count per facet
    # (8), the count, the page and its themes (3).
    with django_assert_max_num_queries(14):
        assert client.get("/initiatives/", {"theme": theme.slug}).status_code == 200


def test_it_speaks_english_when_asked(client, initiative):
    response = client.get("/initiatives/", headers={"accept-language": "en"})
    assert "All initiatives" in response.content.decode()


def test_it_shows_list_lines_of_a_description_as_a_list_and_escapes_markup(client):
    initiative = make_initiative(
        description="Les projets :\n\n- La poursuite d'études,\n- <script>alert(1)</script>"
    )
    content = client.get(initiative.get_absolute_url()).content.decode()
    assert "<ul><li>La poursuite d&#x27;études,</li><li>&lt;script&gt;" in content
    assert "<script>alert(1)</script>" not in content


def test_it_lists_search_results_by_relevance_unless_asked_otherwise(client):
    make_initiative("Chorale", aim="Pour trouver un logement ensemble")
    make_initiative("Logement pour tous")
    by_relevance = client.get("/initiatives/", {"q": "logement"})
    assert card_titles(by_relevance) == ["Logement pour tous", "Chorale"]
    by_title = client.get("/initiatives/", {"q": "logement", "sort": "title"})
    assert card_titles(by_title) == ["Chorale", "Logement pour tous"]
