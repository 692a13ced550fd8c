"""The catalogue's data, loaded from fixtures/ by load_catalogue, checked against facts of the
source documents."""

import json
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


def test_it_has_a_source_theme_and_pilot_for_every_initiative(catalogue_data):
    for initiative in Initiative.objects.all():
        assert initiative.citations.exists(), initiative.slug
        assert initiative.main_theme in initiative.themes.all(), initiative.slug
        assert len(initiative.leads) == 1, initiative.slug


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
    for slug in ("adoma", "forem", "la-cimade"):
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
    assert project.language == "nl"
    partners = {link.organisation.slug for link in project.partner_links}
    assert partners >= {"vdab", "missions-locales"}


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
