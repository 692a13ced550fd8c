from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from initiatives.models import Contact, Initiative, Result, Status

from .factories import make_contact, make_initiative, make_organisation, make_result, make_theme

pytestmark = pytest.mark.django_db


def assert_rejected(save, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        save()


def test_it_rejects_an_empty_title():
    initiative = make_initiative()
    initiative.title = ""
    assert_rejected(initiative.save, "initiative_title_not_empty")


def test_it_rejects_an_end_year_before_the_start_year():
    initiative = make_initiative(start_year=2019)
    initiative.end_year = 2018
    assert_rejected(initiative.save, "initiative_end_after_start")


def test_it_rejects_a_year_out_of_range():
    initiative = make_initiative()
    initiative.start_year = 1066
    assert_rejected(initiative.save, "initiative_start_year_range")


def test_it_rejects_a_malformed_country_code():
    # Initiatives name their countries through places of the reference; organisations by code.
    organisation = make_organisation()
    organisation.country = "fr"
    assert_rejected(organisation.save, "organisation_country_iso")


def test_it_rejects_an_unknown_status():
    initiative = make_initiative()
    initiative.status = "lost"
    assert_rejected(initiative.save, "initiative_status_valid")


def test_it_rejects_a_duplicate_slug():
    make_initiative("Coup de pouce")
    assert_rejected(lambda: make_initiative("Coup de pouce"), "initiatives_initiative_slug")


def test_it_rejects_a_main_theme_missing_from_the_themes():
    theme, other = make_theme(), make_theme()

    def save():
        initiative = Initiative.objects.create(
            title="Sans thème", slug="sans-theme", main_theme=theme
        )
        initiative.themes.add(other)
        # The constraint is deferred to the end of the transaction: check it now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert_rejected(save, "initiative_main_theme_among_themes")


def test_it_rejects_removing_the_main_theme_from_the_themes():
    initiative = make_initiative()

    def remove():
        initiative.themes.clear()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert_rejected(remove, "initiative_main_theme_among_themes")


def test_it_protects_an_organisation_that_leads_initiatives():
    initiative = make_initiative()
    with pytest.raises(ProtectedError):
        initiative.leads[0].delete()


def test_it_deletes_contacts_and_results_with_their_initiative():
    initiative = make_initiative()
    make_contact(initiative)
    make_result(initiative)
    initiative.delete()
    assert not Contact.objects.exists()
    assert not Result.objects.exists()


def test_it_rejects_a_contact_with_neither_name_nor_organisation():
    initiative = make_initiative()
    assert_rejected(
        lambda: make_contact(initiative, name="", email="a@b.fr"),
        "contact_has_name_or_organisation",
    )


def test_it_rejects_an_as_of_date_without_its_precision():
    initiative = make_initiative()
    assert_rejected(
        lambda: make_result(initiative, as_of=date(2019, 3, 31)),
        "result_as_of_has_precision",
    )


def test_it_shows_a_year_precision_date_as_the_year():
    result = Result(text="31 %", as_of=date(2017, 1, 1), as_of_precision="year")
    assert result.as_of_display == "2017"


def test_it_lists_only_published_initiatives():
    shown = make_initiative("Publiée")
    make_initiative("Brouillon", is_published=False)
    assert list(Initiative.objects.published()) == [shown]


def test_it_describes_its_period():
    assert make_initiative(start_year=2018, end_year=2021).period == "2018–2021"
    assert make_initiative(status=Status.ONGOING).period == ""


def test_it_narrows_initiatives_to_a_theme():
    housing = make_theme()
    housed = make_initiative(themes=[housing, make_theme()])
    make_initiative()
    assert list(Initiative.objects.for_theme(housing)) == [housed]


def titles(queryset):
    return [initiative.title for initiative in queryset]


def test_it_searches_in_french_ignoring_accents_and_word_endings():
    housing = make_initiative("Accès au logement des réfugiés")
    make_initiative("Apprentissage du français")
    assert titles(Initiative.objects.search("refugies")) == [housing.title]
    assert titles(Initiative.objects.search("refugie")) == [housing.title]
    assert titles(Initiative.objects.search("LOGEMENTS")) == [housing.title]


def test_it_understands_phrases_and_excluded_words():
    make_initiative("Bail glissant à Marseille")
    make_initiative("Glissant vers le bail")
    assert titles(Initiative.objects.search('"bail glissant"')) == ["Bail glissant à Marseille"]
    assert titles(Initiative.objects.search("bail -marseille")) == ["Glissant vers le bail"]


def test_it_finds_initiatives_by_pilot_and_partner_and_keeps_up_with_renames():
    partner = make_organisation("Office français de l'immigration")
    initiative = make_initiative("Cours", leads=[make_organisation("Adoma")], partners=[partner])
    assert titles(Initiative.objects.search("adoma")) == ["Cours"]
    assert titles(Initiative.objects.search("immigration")) == ["Cours"]
    partner.name = "Ofii"
    partner.save()
    assert titles(Initiative.objects.search("immigration")) == []
    assert titles(Initiative.objects.search("ofii")) == ["Cours"]
    initiative.partnerships.all().delete()
    assert titles(Initiative.objects.search("ofii")) == []


def test_it_ranks_a_title_match_above_a_description_match():
    make_initiative("Chorale", description="Une activité pour apprendre le logement")
    make_initiative("Logement d'abord")
    ranked = Initiative.objects.search("logement").order_by("-rank")
    assert titles(ranked) == ["Logement d'abord", "Chorale"]


def test_it_reads_a_partner_s_role_with_its_level_when_known():
    partner, lead = make_organisation("Forem"), make_organisation("Adoma")
    initiative = make_initiative(leads=[lead], partners=[partner])
    link = initiative.partnerships.get(organisation=partner)
    assert link.role_display == "partenaire"
    link.role, link.level = "financial", "regional"
    assert link.role_display == "financier, régional"


def test_it_tags_its_main_theme_among_its_themes():
    housing, language = make_theme("Accès au logement"), make_theme("Apprentissage de la langue")
    initiative = make_initiative(themes=[language, housing], main_theme=housing)
    assert initiative.theme_tags == [(housing, True), (language, False)]
