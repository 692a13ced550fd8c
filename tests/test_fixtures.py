"""The catalogue's data, loaded from fixtures/ by load_catalogue, checked against facts of the
source documents."""

import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db.models import Model
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.utils import get_history_manager_for_model

from initiatives.management.commands import load_catalogue
from initiatives.management.commands.load_catalogue import FIXTURES
from initiatives.models import (
    Citation,
    Contact,
    Initiative,
    Organisation,
    Partnership,
    Result,
    Source,
    Theme,
)

from .pages import card_titles, facts, section_text
from .test_sql_agrees_with_python import assert_same_contact_lines, assert_same_display_names

pytestmark = pytest.mark.django_db

FORUM = "forum-initiatives-territoires-2019"


def dump_everything():
    models = (Source, Theme, Organisation, Initiative, Partnership, Contact, Result, Citation)
    return {
        model.__name__: serializers.serialize(
            "json", model.objects.order_by("pk"), use_natural_foreign_keys=True
        )
        for model in models
    }


def test_it_loads_twice_to_the_same_data(catalogue_data):
    before = dump_everything()
    call_command("loaddata", *FIXTURES, verbosity=0)
    assert dump_everything() == before


def test_it_holds_the_21_initiatives_of_the_forum_catalogue(catalogue_data):
    assert Initiative.objects.filter(sources__slug=FORUM).count() == 21


# The initiatives whose sources name no lead.
WITHOUT_LEAD = {"ab-refugies-emploi", "intergrapsy"}


def test_it_has_a_source_theme_and_pilot_for_every_initiative(catalogue_data):
    for initiative in Initiative.objects.all():
        assert initiative.citations.exists(), initiative.slug
        assert initiative.main_theme in initiative.themes.all(), initiative.slug
        expected = 0 if initiative.slug in WITHOUT_LEAD else 1
        assert len(initiative.leads) == expected, initiative.slug


def test_it_starts_the_themes_with_the_forum_s_seven_in_its_order(catalogue_data):
    assert list(Theme.objects.values_list("name", flat=True)[:7]) == [
        "Apprentissage de la langue",
        "Accès au logement",
        "Accès aux droits",
        "Accès aux soins",
        "Accès à la formation et à l'emploi",
        "Accès aux activités culturelles, sportives et aux loisirs",
        "Créer du lien social",
    ]


def test_it_keeps_one_record_per_shared_partner(catalogue_data):
    for slug in ("ofii", "pole-emploi", "la-cimade", "caf", "missions-locales", "drjscs"):
        assert Organisation.objects.filter(slug=slug).count() == 1
    assert (
        Initiative.objects.partnered_with(Organisation.objects.filter(slug="pole-emploi")).count()
        > 1
    )
    assert Initiative.objects.partnered_with(Organisation.objects.filter(slug="ofii")).count() > 1


def test_it_keeps_one_record_per_organisation_that_leads_and_partners(catalogue_data):
    for slug in ("adoma", "la-cimade"):
        organisation = Organisation.objects.get(slug=slug)
        led, partnered = organisation.published_initiatives_by_role()
        assert led and partnered, slug
    cimade = Organisation.objects.get(slug="la-cimade")
    assert "manifester une solidarité active" in cimade.description


def test_it_holds_the_coup_de_pouce_fund_as_printed(catalogue_data):
    fund = Initiative.objects.get(slug="fonds-de-dotation-coup-de-pouce")
    assert [lead.acronym for lead in fund.leads] == ["AAJT"]
    contact = fund.contacts.get(name="Claire Louazel")
    assert contact.phones == ["04 91 07 80 00", "06 38 09 99 06"]
    assert contact.address == "3, rue Palestro - 13003 Marseille"
    grants = fund.results.get(measure="bourses attribuées")
    assert grants.value == Decimal("12")
    assert grants.as_of == date(2019, 3, 31)


def test_it_infers_adoma_from_its_description(catalogue_data):
    adoma = Organisation.objects.get(slug="adoma")
    assert "88 000 personnes" in adoma.description
    initiative = Initiative.objects.led_by([adoma]).get()
    assert initiative.contacts.filter(email="regis.mermet@adoma.cdc-habitat.fr").exists()
    assert [str(place) for place in initiative.place_list] == ["Besançon (25)"]


def test_it_cites_all_three_sources_of_ab_refugies_social(catalogue_data):
    project = Initiative.objects.get(slug="ab-refugies-social")
    assert set(project.sources.values_list("slug", flat=True)) == {
        FORUM,
        "ab-refugies-social-prefecture-2018",
        "interreg-journee-internationale-des-migrants-2019",
    }
    assert (project.start_year, project.end_year) == (2018, 2021)
    assert project.scope == "cross-border"
    assert project.organisations.filter(slug="fonds-europeen-de-developpement-regional").exists()
    assert project.children.filter(slug="intergrapsy").exists()


def test_it_structures_the_amsterdam_results(catalogue_data):
    approach = Initiative.objects.get(slug="lapproche-damsterdam")
    figures = {
        (result.value, result.as_of.year)
        for result in approach.results.filter(unit="%", as_of__isnull=False)
    }
    assert {(Decimal("31"), 2017), (Decimal("37"), 2020)} <= figures
    assert approach.contacts.filter(email="azcamsterdam@vluchtelingenwerk.nl").exists()
    assert [place.country for place in approach.place_list] == ["NL"]
    assert approach.related.count() == 3


def test_it_holds_france_terre_d_asile_s_val_de_marne_programmes(catalogue_data):
    cph = Initiative.objects.get(slug="centre-provisoire-dhebergement-cph-de-creteil")
    assert cph.start_year == 1998
    assert cph.results.filter(value=50, unit="places").exists()
    assert Initiative.objects.get(slug="relais-insertion").start_year == 1994
    observatory = Initiative.objects.get(
        slug="lobservatoire-de-lintegration-des-refugies-statutaires"
    )
    assert observatory.results.filter(as_of=date(2004, 1, 1), as_of_precision="day").exists()


def test_it_holds_ab_refugies_emploi_s_target(catalogue_data):
    project = Initiative.objects.get(slug="ab-refugies-emploi")
    target = project.results.get(value=230)
    assert target.as_of.year == 2021
    assert (target.nature, target.qualifier) == ("target", "at-least")
    assert "au moins 230 réfugiés" in target.text_translation
    assert project.language == "nl"
    operators = {
        link.organisation.slug for link in project.partner_links if link.role == "local-operator"
    }
    assert operators == {"forem", "mission-locale-du-douaisis", "vdab"}
    assert project.leads == []


def test_every_organisation_has_the_same_name_in_the_export_as_on_its_page(catalogue_data):
    assert_same_display_names()


def test_every_contact_reads_the_same_in_the_export_as_on_its_page(catalogue_data):
    assert_same_contact_lines()


# load_catalogue: the fixtures in name order, then a first history entry for each row.
HISTORY_MODELS = [Source, Theme, Initiative, Contact, Result]


def history_entries(model: type[Model]) -> list[tuple[Any, ...]]:
    """Each history entry of `model`: the row's key, the kind of change and when it was made."""
    history = get_history_manager_for_model(model).order_by("history_id")
    return list(history.values_list("id", "history_type", "history_date"))


def test_it_loads_every_object_of_the_fixtures(catalogue_data):
    in_fixtures = Counter(
        entry["model"] for fixture in FIXTURES for entry in json.loads(Path(fixture).read_text())
    )
    loaded = {label: apps.get_model(label)._default_manager.count() for label in in_fixtures}
    assert loaded == in_fixtures


def test_it_gives_every_row_a_history_entry(catalogue_data):
    for model in HISTORY_MODELS:
        with_history = {pk for pk, *_ in history_entries(model)}
        assert with_history == set(model._default_manager.values_list("pk", flat=True)), model
    # Initiatives had entries already: setting their themes and publics records a change.
    assert {history_type for _, history_type, _ in history_entries(Theme)} == {"+"}


def test_it_loads_again_with_load_catalogue_to_the_same_data_and_history(
    catalogue_data, monkeypatch
):
    data, history = dump_everything(), {model: history_entries(model) for model in HISTORY_MODELS}
    # Loading every fixture again is test_it_loads_twice_to_the_same_data's; the sources and
    # vocabularies are enough here, since the first entries are given to every row of the
    # catalogue, whatever was loaded.
    monkeypatch.setattr(load_catalogue, "FIXTURES", FIXTURES[:2])
    output = StringIO()
    call_command("load_catalogue", stdout=output)
    assert "0 entrée(s) d'historique initiale(s) créée(s)." in output.getvalue()
    assert dump_everything() == data
    assert {model: history_entries(model) for model in HISTORY_MODELS} == history


def test_it_gives_rows_without_history_a_first_entry_unless_told_not_to(
    catalogue_data, monkeypatch
):
    get_history_manager_for_model(Theme).all().delete()
    # The sources and vocabularies alone: quicker, and enough to show what is recorded.
    monkeypatch.setattr(load_catalogue, "FIXTURES", FIXTURES[:2])
    call_command("load_catalogue", "--no-history", verbosity=0)
    assert history_entries(Theme) == []
    call_command("load_catalogue", verbosity=0)
    assert sorted(pk for pk, *_ in history_entries(Theme)) == sorted(
        Theme.objects.values_list("pk", flat=True)
    )


# Freshness and languages.


def test_it_dates_the_sources_as_the_documents_do(catalogue_data):
    assert dict(Source.objects.values_list("slug", "published_on")) == {
        FORUM: date(2019, 4, 30),
        "ab-refugies-social-prefecture-2018": date(2018, 9, 26),
        "interreg-journee-internationale-des-migrants-2019": date(2019, 12, 18),
        "approche-amsterdam": None,
        "france-terre-dasile-integration": None,
    }


def test_loading_the_fixtures_never_makes_an_initiative_look_recently_checked(
    catalogue_data, django_app
):
    assert not Initiative.objects.filter(verified_on__isnull=False).exists()
    page = django_app.get(Initiative.objects.get(slug="ab-refugies-social").get_absolute_url())
    assert facts(page)["Date de la source la plus récente"] == "18 décembre 2019"
    assert facts(page)["Vérification"] == "Jamais vérifiée depuis la source"
    assert facts(page)["Statut"].startswith("Terminée d'après les dates de la source")
    assert "Mise à jour" not in page.text
    # Only the printout says when it was produced (« Page produite le »), at its foot.
    on_screen = re.sub(r'<footer class="print-only.*?</footer>', "", page.text, flags=re.S)
    assert date_format(timezone.localdate(), "DATE_FORMAT") not in on_screen


def test_it_keeps_the_dutch_texts_with_the_catalogue_s_french_translation(catalogue_data):
    for slug in ("ab-refugies-emploi", "intergrapsy"):
        initiative = Initiative.objects.get(slug=slug)
        assert initiative.language == "nl"
        assert initiative.aim_translation and initiative.description_translation, slug
    emploi = Initiative.objects.get(slug="ab-refugies-emploi")
    assert "ten minste 230 vluchtelingen" in emploi.aim
    assert "au moins 230 réfugiés" in emploi.aim_translation
    assert "Fonds européen de développement régional" in emploi.funding_translation


def test_it_sums_up_intergrapsy_and_not_ab_refugies_social(catalogue_data):
    intergrapsy = Initiative.objects.get(slug="intergrapsy")
    assert intergrapsy.aim.startswith("IntergraPsy is bedoeld voor")
    assert "psychosociaal lijden" in intergrapsy.aim
    assert "souffrance psychosociale" in intergrapsy.aim_translation
    assert "AB Réfugiés-Social" not in intergrapsy.aim
    # What « dit systeem » refers to opens the description.
    assert intergrapsy.description.startswith("Het doel van het grensoverschrijdende project")


def test_it_gives_periods_the_documents_give_and_no_other(catalogue_data):
    periods = {
        slug: (start, end, status)
        for slug, start, end, status in Initiative.objects.values_list(
            "slug", "start_year", "end_year", "status"
        )
    }
    assert periods["ab-refugies-social"] == (2018, 2021, "ongoing")
    # « tegen 2021 » is the horizon of a target, not the project's end.
    assert periods["ab-refugies-emploi"] == (None, None, "ongoing")
    # « engagée en septembre 2018 pour 18 mois ».
    assert periods["accompagnement-vers-le-logement-ordinaire-a-besancon"] == (
        2018,
        2020,
        "ongoing",
    )
    assert periods["centre-provisoire-dhebergement-pour-migrants-lgbtqi"] == (None, None, "planned")


def test_it_tells_targets_and_context_from_results(catalogue_data, client):
    emploi = Initiative.objects.get(slug="ab-refugies-emploi")
    assert {(result.value, result.nature, result.as_of) for result in emploi.results.all()} >= {
        (Decimal("230"), "target", date(2021, 1, 1)),
        (Decimal("20"), "target", date(2021, 1, 1)),
        (Decimal("50"), "target", date(2021, 1, 1)),
    }
    assert not emploi.results.filter(text_translation="").exists()
    cph = Initiative.objects.get(slug="centre-provisoire-dhebergement-cph-de-creteil")
    assert cph.results.get(value=28).nature == "context"
    assert cph.results.get(value=50, unit="places").nature == "achieved"
    observatory = Initiative.objects.get(
        slug="lobservatoire-de-lintegration-des-refugies-statutaires"
    )
    assert observatory.results.get(as_of=date(2007, 1, 1)).nature == "target"
    page = client.get(emploi.get_absolute_url()).content.decode()
    assert "Objectifs annoncés" in page and ">Résultats<" not in page


def test_its_pages_print_each_figure_once(catalogue_data, client):
    page = client.get("/initiatives/bail-glissant/").content.decode()
    assert page.count("500 baux glissants") == 1
    page = client.get("/initiatives/programme-muses/").content.decode()
    assert page.count("21 visites de musées") == 1


def test_it_keeps_qualifiers_ranges_and_quarters(catalogue_data):
    network = Initiative.objects.get(slug="lappui-pedagogique-du-reseau-insertion")
    assert network.results.get(value=109).qualifier == "more-than"
    amsterdam = Initiative.objects.get(slug="lapproche-damsterdam")
    cities = amsterdam.results.get(value=22)
    assert (cities.value_max, cities.nature) == (Decimal("29"), "context")
    assert not amsterdam.results.filter(value=29).exists()
    conjugaison = Initiative.objects.get(slug="projet-conjugaison")
    quarter = conjugaison.results.get(value=23)
    assert (quarter.as_of, quarter.as_of_precision) == (date(2018, 10, 1), "quarter")
    assert quarter.as_of_display == "4e trimestre 2018"


def test_every_result_has_a_source_and_targets_a_horizon_where_the_source_gives_one(
    catalogue_data,
):
    assert not Result.objects.without_source().exists()
    # The two plans the forum's catalogue gives without a date.
    undated = Result.objects.targets_without_horizon().values_list("initiative__slug", flat=True)
    assert sorted(undated) == ["pole-solidarites-benevoles", "programme-muses"]


# The bodies the sources name, as a reader finds them on the pages.


def organisation_page(client, slug):
    response = client.get(f"/organisations/{slug}/")
    assert response.status_code == 200
    return response


def initiative_page(client, slug):
    response = client.get(f"/initiatives/{slug}/")
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    "slug, initiative",
    [
        ("ddcspp-de-lindre", "Dipositif d'intégration des familles réfugiés (Difre)"),
        ("ddcspp-aube", "Projet « Conjugaison »"),
        ("ddd13-de-la-drjscs-region-sud", "Fonds de dotation « Coup de Pouce »"),
        ("ddcs-pas-de-calais", "AB Réfugiés - Social"),
        ("mission-locale-du-douaisis", "AB Réfugiés Emploi"),
    ],
)
def test_each_body_s_page_lists_the_initiative_the_source_names_it_in(
    client, catalogue_data, slug, initiative
):
    assert initiative in card_titles(organisation_page(client, slug))


def test_the_ddcs_page_lists_none_of_the_departments_bodies_initiatives(client, catalogue_data):
    titles = card_titles(organisation_page(client, "ddcs"))
    for initiative in ("Dipositif", "Conjugaison", "Coup de Pouce", "AB Réfugiés"):
        assert not any(initiative in title for title in titles), initiative


def test_the_fnars_has_no_acronym_the_source_does_not_give(client, catalogue_data):
    content = initiative_page(client, "fonds-de-dotation-coup-de-pouce").content.decode()
    assert "Fédération des acteurs de la solidarité (Fnars)" in content
    assert "FAS" not in content
    assert "Secours Catholique" in content and "Secours catholique" not in content


def test_european_funds_and_programmes_have_no_country(client, catalogue_data):
    for slug in ("fami", "fonds-europeen-de-developpement-regional", "fonds-europeen-des-refugies"):
        content = organisation_page(client, slug).content.decode()
        assert '<p class="card-meta">Organisation internationale</p>' in content, slug
    content = organisation_page(client, "interreg-france-wallonie-vlaanderen").content.decode()
    assert "France</p>" not in content


def test_ab_refugies_emploi_names_no_lead_but_three_local_operators(client, catalogue_data):
    response = initiative_page(client, "ab-refugies-emploi")
    assert facts(response)["Pilote"] == "porteur non précisé par la source"
    partners = section_text(response, "partners-heading")
    for operator in ("Forem", "Mission Locale du Douaisis", "VDAB"):
        assert f"{operator} — opérateur local " in partners, operator
    led = organisation_page(client, "forem").content.decode().split('id="partnered-heading"')[0]
    assert "AB Réfugiés Emploi" not in led


def test_no_public_page_nor_export_shows_an_editorial_note(client, catalogue_data):
    notes = list(Citation.objects.exclude(staff_note="").values_list("staff_note", flat=True))
    assert notes
    pages = [
        initiative_page(client, slug).content.decode()
        for slug in Initiative.objects.values_list("slug", flat=True)
    ]
    export = b"".join(client.get("/initiatives/export.csv").streaming_content).decode()
    for text in [*pages, export]:
        assert "titre absent" not in text and "titre non imprimé" not in text
        assert not any(note in text for note in notes)


def test_a_title_the_catalogue_gave_is_marked_on_the_page(client, catalogue_data):
    sources = facts(initiative_page(client, "bail-glissant"))["Sources"]
    assert "(titre attribué par le catalogue)" in sources
    printed = facts(initiative_page(client, "integracode"))["Sources"]
    assert "titre attribué" not in printed


def test_a_page_without_contact_points_to_its_lead(client, catalogue_data):
    response = initiative_page(client, "relais-insertion")
    contacts = section_text(response, "contacts-heading")
    assert "La source ne donne pas de contact pour cette initiative." in contacts
    assert "France terre d'asile" in contacts
    assert 'href="/organisations/france-terre-dasile/"' in response.content.decode()


def test_an_organisation_page_shows_the_contact_details_the_documents_give(client, catalogue_data):
    caec = "centre-academique-des-examens-et-des-certifications"
    details = section_text(organisation_page(client, caec), "contact-heading")
    assert "gip-caec@ac-nancy-metz.fr" in details and "03 83 55 65 55" in details
    assert "54012 NANCY Cedex" in details
    aajt = section_text(
        organisation_page(client, "association-daide-aux-jeunes-travailleurs"), "contact-heading"
    )
    assert "https://www.ajjt.fr" in aajt


def test_every_contact_names_an_organisation(catalogue_data):
    assert not Contact.objects.filter(organisation="").exists()


@pytest.mark.parametrize(
    "words, initiative",
    [
        ("Délégation générale à l'emploi et à la formation professionnelle", "Intégracode"),
        ("Direction générale des étrangers en France", "Séjour de vacances"),
    ],
)
def test_a_search_finds_the_acronyms_the_documents_expand_and_their_expansions(
    client, catalogue_data, words, initiative
):
    titles = card_titles(client.get("/initiatives/", {"q": words}))
    assert any(title.startswith(initiative) for title in titles), titles


def test_the_coup_de_pouce_fund_names_its_allocation_committee_s_members(client, catalogue_data):
    partners = section_text(
        initiative_page(client, "fonds-de-dotation-coup-de-pouce"), "partners-heading"
    )
    assert "Secours Catholique — commission d'attribution" in partners
    assert "comité de pilotage" not in partners


def places_of(slug: str) -> list[str]:
    return [str(place) for place in Initiative.objects.get(slug=slug).place_list]


def test_it_places_each_initiative_where_its_source_says_it_acts(catalogue_data):
    # Three local operators in three regions of two countries (Interreg post, 2019).
    assert places_of("ab-refugies-emploi") == [
        "Wallonia (Belgique)",
        "Hauts-de-France",
        "Flanders (Belgique)",
    ]
    # « Kodiko accompagne des bénéficiaires sur 3 territoires : Paris, Tours et Orléans. »
    assert places_of("programme-de-co-training-kodiko") == [
        "Paris (75)",
        "Tours (37)",
        "Orléans (45)",
    ]
    assert places_of("centre-de-soins-et-de-ressources-frantz-fanon") == [
        "Gard (30)",
        "Hérault (34)",
        "Occitanie",
    ]
    # « sur toute la métropole », which the source does not name: the country alone.
    assert places_of("pole-solidarites-benevoles") == ["France"]


def test_it_keeps_a_holiday_stay_with_local_partners_local(catalogue_data):
    stay = Initiative.objects.get(slug="sejour-de-vacances")
    assert (places_of("sejour-de-vacances"), stay.scope) == (["France"], "local")


def test_every_initiative_of_the_fixtures_has_a_place(catalogue_data):
    assert not Initiative.objects.filter(places__isnull=True).exists()


def test_a_partner_s_note_quoting_a_dutch_source_is_marked_as_dutch(catalogue_data, client):
    page = client.get("/initiatives/ab-refugies-emploi/").content.decode()
    assert '<small lang="nl">In Wallonië wil de Forem' in page
