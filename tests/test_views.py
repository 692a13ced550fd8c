import html
import re
from urllib.parse import unquote

import pytest
from django.urls import reverse

from initiatives.models import Organisation
from initiatives.views import OrganisationDetailView

from .factories import (
    LILLE,
    LYON,
    commune,
    country,
    make_contact,
    make_initiative,
    make_noted_citation,
    make_organisation,
    make_public,
    make_result,
    make_theme,
)
from .pages import card_titles, facts, in_english, link_texts, links, section_text

pytestmark = pytest.mark.django_db


def test_it_shows_the_themes_with_their_counts_and_a_search_box_on_the_home_page(django_app):
    housing, language = make_theme("Accès au logement"), make_theme("Apprentissage de la langue")
    make_initiative(themes=[housing])
    make_initiative(themes=[housing])
    make_initiative(themes=[language])
    response = django_app.get("/")
    assert response.status_code == 200
    # Each theme's link says its own count: "3 initiatives" is the catalogue's total.
    assert link_texts(response, housing.get_absolute_url()) == ["Accès au logement 2 initiatives"]
    assert link_texts(response, language.get_absolute_url()) == [
        "Apprentissage de la langue 1 initiative"
    ]
    assert "3 initiatives décrites" in response.text
    (search,) = {form for form in response.forms.values() if "q" in form.fields}
    search["q"] = "logement"
    assert search.submit().request.path == reverse("initiatives:initiative-list")


def test_the_home_page_lists_themes_in_their_order(client):
    # Neither by name nor in the order they were written.
    names = ["Merle", "Zèbre", "Abeille", "Pie", "Geai", "Loriot", "Bruant", "Tarin"]
    positions = [5, 8, 1, 3, 7, 2, 6, 4]
    for name, position in zip(names, positions, strict=True):
        make_initiative(themes=[make_theme(name, position=position)])
    page = client.get("/").content.decode()
    shown = re.findall(r'<span class="theme-name">([^<]+)</span>', page)
    assert shown == [name for _, name in sorted(zip(positions, names, strict=True))]


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
    make_initiative("Pour les jeunes en France", publics=[youth], places=[country("FR")])
    make_initiative("Pour les jeunes en Belgique", publics=[youth], places=[country("BE")])
    make_initiative("Pour tous en France", places=[country("FR")])
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


def test_it_shows_an_initiative_with_its_pilot_partners_contacts_results_and_sources(
    client, initiative
):
    make_contact(
        initiative, name="Claire Louazel", email="claire@example.org", phones=["04 91 07 80 00"]
    )
    make_result(initiative, text="12 bourses ont été attribuées", value=12, measure="bourses")
    response = client.get(initiative.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert "Mon toit pour toi" in content
    assert initiative.leads[0].get_absolute_url() in content
    assert "Pôle emploi" in content
    assert "Claire Louazel" in content and "04 91 07 80 00" in content
    assert "12 bourses ont été attribuées" in content
    assert "Catalogue du forum" in content


def test_a_stored_email_cannot_add_parameters_to_its_mailto_link(client, initiative):
    # Saved before the admin refused such addresses.
    hostile = '"a?cc=victim@evil.example&subject=hi"@example.org'
    make_contact(initiative, name="Claire", email=hostile)
    lead = initiative.leads[0]
    Organisation.objects.filter(pk=lead.pk).update(email=hostile)
    for page in (initiative.get_absolute_url(), lead.get_absolute_url()):
        mailto = links(client.get(page))[hostile]
        assert mailto.startswith("mailto:")
        assert not {"?", "&", '"'} & set(mailto), mailto
        assert unquote(mailto.removeprefix("mailto:")) == hostile


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


@pytest.mark.parametrize("former", ["/pilots/la-cimade/", "/partners/la-cimade/"])
def test_it_redirects_the_former_pages_of_pilots_and_partners_for_good(client, former):
    cimade = make_organisation("La Cimade")
    make_initiative("Permanences juridiques", leads=[cimade])
    make_initiative("Hébergement solidaire", partners=[cimade])
    response = client.get(f"{former}?page=2&sort=title")
    assert response.status_code == 301
    assert response["Location"] == "/organisations/la-cimade/?page=2&sort=title"
    followed = client.get(former, follow=True)
    assert followed.redirect_chain == [("/organisations/la-cimade/", 301)]
    assert card_titles(followed) == ["Permanences juridiques", "Hébergement solidaire"]


def test_it_shows_an_organisation_with_the_initiatives_it_leads_and_those_it_partners(client):
    cimade = make_organisation(
        "La Cimade",
        acronym="CIMADE",
        description="Solidarité active avec les personnes migrantes.",
        website="https://www.lacimade.org",
    )
    make_initiative("Permanences juridiques", leads=[cimade])
    partnered = make_initiative("Hébergement solidaire", partners=[cimade])
    partnered.partnerships.filter(organisation=cimade).update(role="financial")
    make_initiative("Sans elle")
    response = client.get(reverse("initiatives:organisation-detail", args=["la-cimade"]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>La Cimade</h1>" in content
    assert "Solidarité active avec les personnes migrantes." in content
    assert "https://www.lacimade.org" in content
    led, partner_in = content.split('id="partnered-heading"')
    assert "Permanences juridiques" in led and "Hébergement solidaire" not in led
    assert "Hébergement solidaire" in partner_in and "Permanences juridiques" not in partner_in
    assert "Financier" in partner_in
    assert "Sans elle" not in content


def test_an_organisation_with_many_initiatives_lists_the_first_and_links_to_all(
    client, monkeypatch
):
    monkeypatch.setattr(OrganisationDetailView, "listed", 2)
    cimade = make_organisation("La Cimade")
    for title in ("Cours", "Aide", "Bail"):
        make_initiative(title, leads=[cimade])
    make_initiative("Hébergement solidaire", partners=[cimade])
    response = client.get(reverse("initiatives:organisation-detail", args=["la-cimade"]))
    assert card_titles(response) == ["Aide", "Bail", "Hébergement solidaire"]
    assert (
        links(response)["Voir les 3 initiatives qu'elle pilote"] == "/initiatives/?pilot=la-cimade"
    )
    assert "/initiatives/?partner=la-cimade" not in links(response).values()
    listed = client.get("/initiatives/?pilot=la-cimade")
    assert card_titles(listed) == ["Aide", "Bail", "Cours"]


def test_it_answers_an_unknown_organisation_with_a_404(client, db):
    assert client.get("/organisations/personne/").status_code == 404


def test_it_speaks_english_when_asked(client, initiative):
    response = client.get(in_english("/initiatives/"))
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


def test_it_filters_by_organisation_in_the_role_each_parameter_names(client):
    cimade = make_organisation("La Cimade")
    make_initiative("Pilotée par elle", leads=[cimade])
    make_initiative("Accompagnée par elle", partners=[cimade])
    make_initiative("Sans elle")
    assert card_titles(client.get("/initiatives/", {"pilot": "la-cimade"})) == ["Pilotée par elle"]
    assert card_titles(client.get("/initiatives/", {"partner": "la-cimade"})) == [
        "Accompagnée par elle"
    ]
    either = client.get("/initiatives/", {"organisation": "la-cimade"})
    assert card_titles(either) == ["Accompagnée par elle", "Pilotée par elle"]
    content = either.content.decode()
    assert "Retirer le filtre Organisation : La Cimade" in content
    assert client.get("/initiatives/", {"organisation": "personne"}).status_code == 400


def test_it_sorts_by_the_lead_s_display_name_then_title(client):
    zebra = make_organisation("Zèbre")
    make_initiative("Premier titre", leads=[zebra])
    make_initiative("Second titre", leads=[zebra])
    make_initiative("Troisième titre", leads=[make_organisation("Aide", acronym="AAJT")])
    make_initiative("Sans pilote", leads=[])
    response = client.get("/initiatives/", {"sort": "pilot"})
    assert card_titles(response) == [
        "Troisième titre",
        "Premier titre",
        "Second titre",
        "Sans pilote",
    ]


def card_meta(response):
    """The line under each card's title, as a reader sees it, spaces collapsed."""
    content = response.content.decode()
    lines = re.findall(r'<p class="card-meta">(.*?)</p>', content, re.S)
    return [" ".join(html.unescape(line).split()) for line in lines]


def test_it_names_every_lead_of_an_initiative_on_its_card_and_none_when_it_has_none(client):
    leads = [make_organisation("Adoma"), make_organisation("La Cimade", acronym="CIMADE")]
    make_initiative("Deux pilotes", leads=leads, places=[commune(LYON)])
    make_initiative("Sans pilote", leads=[], places=[commune(LILLE)])
    response = client.get("/initiatives/", {"sort": "title"})
    assert card_titles(response) == ["Deux pilotes", "Sans pilote"]
    assert card_meta(response) == ["Adoma, La Cimade", "porteur non précisé par la source"]


def test_it_offers_to_clear_the_filters_once_several_are_chosen(client):
    housing, language = make_theme("Accès au logement"), make_theme("Apprentissage de la langue")
    make_initiative(themes=[housing, language])
    one = client.get("/initiatives/", {"theme": "acces-au-logement"}).content.decode()
    assert "Tout effacer" not in one
    params = {"theme": ["acces-au-logement", "apprentissage-de-la-langue"]}
    several = client.get("/initiatives/", params).content.decode()
    assert '<a class="clear-filters" href="/initiatives/">Tout effacer</a>' in several


def test_it_names_an_organisation_s_country_rather_than_its_code(client):
    make_organisation("Vluchtelingenwerk", city="Bruxelles", country="BE")
    response = client.get(reverse("initiatives:organisation-detail", args=["vluchtelingenwerk"]))
    assert '<p class="card-meta">Autre · Bruxelles · Belgique</p>' in response.content.decode()


def test_it_offers_to_export_a_list_unless_it_is_empty(client, initiative):
    listed = client.get("/initiatives/").content.decode()
    assert "Exporter cette liste" in listed
    assert 'href="/initiatives/export.csv?format=' in listed
    empty = client.get("/initiatives/", {"q": "introuvable"}).content.decode()
    assert "Aucune initiative ne correspond à ces critères." in empty
    assert "Exporter cette liste" not in empty


def test_it_says_when_the_source_names_no_lead(client):
    initiative = make_initiative("AB Réfugiés Emploi", leads=[])
    response = client.get(initiative.get_absolute_url())
    assert facts(response)["Pilote"] == "porteur non précisé par la source"


def test_it_names_every_lead_of_an_initiative_on_its_page(client):
    leads = [make_organisation("Adoma"), make_organisation("La Cimade")]
    initiative = make_initiative("Deux pilotes", leads=leads)
    response = client.get(initiative.get_absolute_url())
    assert facts(response)["Pilotes"] == "Adoma, La Cimade"


def test_it_says_when_an_initiative_has_no_contact_and_gives_its_lead_s(client):
    lead = make_organisation(
        "Elia",
        website="https://www.eliasud.org",
        address="1 rue Saint Ferreol - 13001 Marseille",
        phones=["04 91 13 01 63"],
    )
    initiative = make_initiative("Bail glissant", leads=[lead])
    contacts = section_text(client.get(initiative.get_absolute_url()), "contacts-heading")
    assert contacts == (
        "Contacts La source ne donne pas de contact pour cette initiative. "
        "Coordonnées de l'organisation qui la porte, Elia : "
        "1 rue Saint Ferreol - 13001 Marseille Tél. 04 91 13 01 63 https://www.eliasud.org"
    )


def test_it_says_when_the_lead_s_contact_details_are_not_given_either(client):
    lead = make_organisation("France terre d'asile")
    initiative = make_initiative("Relais insertion", leads=[lead])
    response = client.get(initiative.get_absolute_url())
    assert section_text(response, "contacts-heading") == (
        "Contacts La source ne donne pas de contact pour cette initiative. Les documents ne "
        "donnent pas non plus les coordonnées de l'organisation qui la porte, France terre d'asile."
    )
    assert lead.get_absolute_url() in response.content.decode()


def test_it_says_when_there_is_no_contact_and_no_lead_to_turn_to(client):
    initiative = make_initiative("IntergraPsy", leads=[])
    contacts = section_text(client.get(initiative.get_absolute_url()), "contacts-heading")
    assert contacts == (
        "Contacts La source ne donne pas de contact pour cette initiative. "
        "Elle ne nomme pas non plus de porteur à qui s'adresser."
    )


def test_it_shows_the_initiative_s_own_contacts_rather_than_its_lead_s(client):
    lead = make_organisation("Elia", phones=["04 91 13 01 63"])
    initiative = make_initiative("Bail glissant", leads=[lead])
    make_contact(initiative, name="Fabrice Bizet", role="Directeur")
    contacts = section_text(client.get(initiative.get_absolute_url()), "contacts-heading")
    assert contacts == "Contacts Fabrice Bizet, Directeur"


def test_it_keeps_editorial_notes_off_the_page_and_marks_a_title_it_gave(client, initiative):
    make_noted_citation(initiative)
    response = client.get(initiative.get_absolute_url())
    content = response.content.decode()
    assert "titre absent du texte extrait" not in content
    assert "Fiche pilote Kodiko (titre attribué par le catalogue)" in facts(response)["Sources"]


def test_it_marks_no_title_as_given_by_the_catalogue_when_the_source_prints_it(client, initiative):
    response = client.get(initiative.get_absolute_url())
    assert "titre attribué" not in response.content.decode()


def test_it_shows_an_organisation_s_contact_details(client):
    make_organisation(
        "Centre académique des examens et des certifications",
        acronym="CAEC",
        address="28, rue de Saurupt - BP 3039 - 54012 NANCY Cedex",
        email="gip-caec@ac-nancy-metz.fr",
        phones=["03 83 55 65 55"],
        website="https://www.example.org",
    )
    url = reverse(
        "initiatives:organisation-detail",
        args=["centre-academique-des-examens-et-des-certifications"],
    )
    assert section_text(client.get(url), "contact-heading") == (
        "Coordonnées 28, rue de Saurupt - BP 3039 - 54012 NANCY Cedex gip-caec@ac-nancy-metz.fr "
        "Tél. 03 83 55 65 55 https://www.example.org"
    )


def test_it_says_when_the_documents_give_no_contact_details_for_an_organisation(client):
    make_organisation("Forem", country="BE")
    response = client.get(reverse("initiatives:organisation-detail", args=["forem"]))
    assert section_text(response, "contact-heading") == (
        "Coordonnées Les documents ne donnent pas de coordonnées pour cette organisation."
    )


def test_it_gives_no_country_to_a_european_fund(client):
    make_organisation("Fonds européen de développement régional", kind="international", country="")
    response = client.get(
        reverse(
            "initiatives:organisation-detail", args=["fonds-europeen-de-developpement-regional"]
        )
    )
    assert '<p class="card-meta">Organisation internationale</p>' in response.content.decode()


def test_it_points_from_a_part_without_contact_to_the_initiative_it_belongs_to(client):
    project = make_initiative("AB Réfugiés - Social")
    teams = make_initiative("IntergraPsy", leads=[], parent=project)
    contacts = section_text(client.get(teams.get_absolute_url()), "contacts-heading")
    assert contacts.endswith("Voir aussi l'initiative dont elle fait partie, AB Réfugiés - Social.")
