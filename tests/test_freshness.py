"""How fresh a reader may take an initiative's facts to be: the source's date, the date a
person verified it, its status at the source's date and what the page, the cards, the status
filter and facet say once its end year has passed; and its texts in their original language
beside the catalogue's French translation."""

import csv
import io
import itertools
import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from initiatives.models import Initiative, Language, Status

from .factories import make_initiative, make_source, make_user
from .pages import card_statuses, card_titles, facet_options, facts

pytestmark = pytest.mark.django_db

THIS_YEAR = date.today().year
ENDED = "Terminée d'après les dates de la source"


@pytest.fixture
def forum():
    return make_source("Catalogue du forum", published_on=date(2019, 4, 30))


@pytest.fixture
def passed(forum):
    """An initiative its source said ongoing, whose end year is last year."""
    return make_initiative(
        "Projet passé",
        sources=[forum],
        start_year=2018,
        end_year=THIS_YEAR - 1,
        status=Status.ONGOING,
    )


@pytest.fixture
def running(forum):
    """An initiative its source said ongoing, ending this year."""
    return make_initiative(
        "Projet en cours", sources=[forum], end_year=THIS_YEAR, status=Status.ONGOING
    )


def test_it_shows_the_source_s_date_and_never_an_update_date(django_app, running):
    page = django_app.get(running.get_absolute_url())
    assert facts(page)["Date de la source"] == "30 avril 2019"
    assert facts(page)["Vérification"] == "Jamais vérifiée depuis la source"
    assert "Mise à jour" not in page.text
    # Only the printout says when it was produced (« Page produite le »), at its foot.
    on_screen = re.sub(r'<footer class="print-only.*?</footer>', "", page.text, flags=re.S)
    assert date_format(timezone.localdate(), "DATE_FORMAT") not in on_screen


def test_it_shows_the_date_a_person_verified_an_initiative(django_app, running):
    running.verified_on = date(2026, 3, 2)
    running.save()
    assert facts(django_app.get(running.get_absolute_url()))["Vérification"] == (
        "Vérifiée le 2 mars 2026"
    )


def test_it_dates_an_initiative_by_its_most_recent_dated_source(django_app, running):
    running.citations.create(source=make_source("Billet", published_on=date(2019, 12, 18)))
    running.citations.create(source=make_source("Fiche non datée"))
    page = django_app.get(running.get_absolute_url())
    assert facts(page)["Date de la source la plus récente"] == "18 décembre 2019"


def test_it_says_when_no_source_is_dated(django_app):
    initiative = make_initiative(sources=[make_source()], status=Status.ONGOING)
    page = django_app.get(initiative.get_absolute_url())
    assert facts(page)["Date de la source"] == "Non datée"
    assert facts(page)["Statut"] == "En cours d'après la source, non datée"


def test_it_gives_the_source_s_status_at_the_source_s_date(django_app, running):
    page = django_app.get(running.get_absolute_url())
    assert facts(page)["Statut"] == "En cours d'après la source, au 30 avril 2019"


def test_it_reads_a_passed_end_year_as_ended_per_the_source_s_dates(django_app, passed):
    page = django_app.get(passed.get_absolute_url())
    assert facts(page)["Statut"] == (
        f"{ENDED} La source la disait « en cours », avec une fin en {THIS_YEAR - 1} : "
        "à vérifier auprès du porteur."
    )


def test_it_keeps_a_completed_or_unknown_status_whatever_the_dates(django_app, forum):
    done = make_initiative(sources=[forum], end_year=2019, status=Status.COMPLETED)
    unknown = make_initiative(sources=[forum], end_year=2019, status=Status.UNKNOWN)
    assert facts(django_app.get(done.get_absolute_url()))["Statut"] == (
        "Terminée d'après la source, au 30 avril 2019"
    )
    assert facts(django_app.get(unknown.get_absolute_url()))["Statut"] == "Inconnu"


def test_it_shows_status_and_source_year_on_cards(client, passed, running):
    make_initiative("Sans source datée", sources=[make_source()], status=Status.PLANNED)
    response = client.get("/initiatives/", {"sort": "title"})
    assert card_titles(response) == ["Projet en cours", "Projet passé", "Sans source datée"]
    assert card_statuses(response) == [
        "Statut : en cours · source de 2019",
        "Statut : terminée d'après les dates de la source · source de 2019",
        "Statut : en projet · source non datée",
    ]


def test_the_status_facet_counts_the_status_shown_and_offers_no_empty_status(
    django_app, passed, running
):
    assert facet_options(django_app.get("/initiatives/"), "status") == [
        "En cours (1)",
        f"{ENDED} (1)",
    ]


def test_it_filters_by_the_status_shown(client, passed, running):
    ended = client.get("/initiatives/", {"status": "ended-per-source"})
    assert card_titles(ended) == ["Projet passé"]
    assert card_titles(client.get("/initiatives/", {"status": "ongoing"})) == ["Projet en cours"]
    both = client.get("/initiatives/", {"status": ["ongoing", "ended-per-source"]})
    assert card_titles(both) == ["Projet en cours", "Projet passé"]


def test_the_filter_keeps_offering_a_chosen_status_none_has(django_app, running):
    page = django_app.get("/initiatives/", {"status": "completed"})
    assert card_titles(page) == []
    assert facet_options(page, "status") == ["En cours (1)", "Terminée (0)"]


def test_a_cached_list_does_not_keep_a_status_into_the_next_year(client, running, monkeypatch):
    assert card_statuses(client.get("/initiatives/")) == ["Statut : en cours · source de 2019"]
    next_year = date(THIS_YEAR + 1, 1, 1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: next_year)
    assert card_statuses(client.get("/initiatives/")) == [
        "Statut : terminée d'après les dates de la source · source de 2019"
    ]
    assert card_titles(client.get("/initiatives/", {"status": "ended-per-source"})) == [
        "Projet en cours"
    ]


def test_the_export_gives_the_source_s_status_its_year_and_the_verification_date(client, passed):
    passed.verified_on = date(2026, 3, 2)
    passed.save()
    response = client.get("/initiatives/export.csv", {"format": "csv"})
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert (row["statut"], row["annee_fin"]) == ("en cours", str(THIS_YEAR - 1))
    assert (row["annee_source"], row["verifiee_le"]) == ("2019", "2026-03-02")
    assert list(row)[-2:] == ["annee_source", "verifiee_le"]


def test_the_audit_reports_statuses_the_dates_contradict(capsys, passed, running):
    call_command("audit_catalogue")
    output = capsys.readouterr().out
    assert "1 initiative(s) au statut que ses dates contredisent :\n  - projet-passe\n" in output
    listed = output.split("dates contredisent :\n")[1].split("\n")
    assert "  - projet-en-cours" not in itertools.takewhile(
        lambda line: line.startswith("  - "), listed
    )


# Editors.


def test_an_editor_marks_initiatives_as_verified_today(admin_client, passed, running):
    response = admin_client.post(
        reverse("admin:initiatives_initiative_changelist"),
        {"action": "mark_verified", "_selected_action": [passed.pk]},
        follow=True,
    )
    assert "1 initiative marquée comme vérifiée aujourd&#x27;hui." in response.content.decode()
    passed.refresh_from_db()
    running.refresh_from_db()
    assert (passed.verified_on, running.verified_on) == (timezone.localdate(), None)
    assert passed.history.first().history_user.username == "admin"


def test_marking_as_verified_saves_each_initiative_once_with_its_user(passed):
    editor = make_user("claire")
    version = passed.version
    assert Initiative.objects.all().mark_verified(editor, date(2026, 3, 2)) == [passed]
    assert Initiative.objects.all().mark_verified(editor, date(2026, 3, 2)) == []
    passed.refresh_from_db()
    assert (passed.verified_on, passed.version) == (date(2026, 3, 2), version + 1)
    assert passed.history.first().history_user == editor


# Texts in another language than French.


@pytest.fixture
def dutch(forum):
    return make_initiative(
        "IntergraPsy",
        sources=[forum],
        language=Language.DUTCH,
        aim="Het heeft als missie snel te reageren in geval van psychosociaal lijden.",
        aim_translation="Il a pour mission de réagir vite en cas de souffrance psychosociale.",
        description="Deze ambassadeurs spreken minder gangbare talen.",
        description_translation="Ces ambassadeurs parlent des langues moins courantes.",
    )


def test_it_shows_the_catalogue_s_translation_with_the_original_in_its_language(django_app, dutch):
    page = django_app.get(dutch.get_absolute_url())
    lead = page.html.select_one("header .lead")
    assert (lead["lang"], lead.get_text()) == ("fr", dutch.aim_translation)
    assert "Traduction du catalogue (original en néerlandais)." in page.text
    originals = page.html.select("details.original-text")
    assert [original.summary.get_text() for original in originals] == [
        "Texte original (néerlandais)",
        "Texte original (néerlandais)",
    ]
    assert [original.select_one("[lang]")["lang"] for original in originals] == ["nl", "nl"]
    assert [original.select_one("[lang]").get_text().strip() for original in originals] == [
        dutch.aim,
        dutch.description,
    ]
    description = page.html.select_one("#description-heading").find_next_sibling("div")
    assert (description["lang"], description.get_text().strip()) == (
        "fr",
        dutch.description_translation,
    )


def test_a_card_shows_the_translation_marked_and_in_french(django_app, dutch):
    aim = django_app.get("/initiatives/").html.select_one(".card-aim")
    assert aim.select_one('[lang="fr"]').get_text() == dutch.aim_translation
    assert "(traduction du catalogue)" in aim.get_text()


def test_an_untranslated_text_keeps_the_lang_of_its_original(django_app):
    initiative = make_initiative(language=Language.DUTCH, aim="Een vaste baan vinden.")
    page = django_app.get(initiative.get_absolute_url())
    assert page.html.select_one("header .lead")["lang"] == "nl"
    assert "Traduction du catalogue" not in page.text
    assert django_app.get("/initiatives/").html.select_one(".card-aim")["lang"] == "nl"


def test_a_french_text_has_no_translation(db):
    initiative = Initiative(
        title="En français", slug="en-francais", aim="Trouver un emploi.", aim_translation="Idem."
    )
    with pytest.raises(ValidationError, match="Un texte d'origine en français"):
        initiative.validate_constraints()


def test_it_finds_a_dutch_initiative_by_words_of_its_french_translation(client, dutch):
    assert card_titles(client.get("/initiatives/", {"q": "souffrance"})) == ["IntergraPsy"]
