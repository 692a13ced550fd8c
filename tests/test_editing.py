"""The editing rules, used as a script would, without the admin: publishing a selection, refusing
an edit made from an older version, one history entry per edit, and two connections at once."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from initiatives.models import Initiative

from .factories import make_contact, make_initiative, make_theme, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def french():
    """Messages in the editors' language, whatever an earlier test left active."""
    with translation.override("fr"):
        yield


def stale_message(initiative, base_version):
    """The message check_version() refuses `base_version` with."""
    with pytest.raises(ValidationError) as refused:
        initiative.check_version(base_version)
    assert refused.value.code == "stale"
    return refused.value.messages[0]


@pytest.mark.parametrize("published", [True, False])
def test_set_published_saves_each_initiative_whose_state_changes_with_who_did_it(published):
    alice = make_user("alice")
    changed = make_initiative(is_published=not published)
    unchanged = make_initiative(is_published=published)
    before = {changed.pk: changed.history.count(), unchanged.pk: unchanged.history.count()}

    selection = Initiative.objects.filter(pk__in=[changed.pk, unchanged.pk])
    assert selection.set_published(published, alice) == [changed]

    changed.refresh_from_db()
    unchanged.refresh_from_db()
    assert changed.is_published is published
    assert (changed.version, unchanged.version) == (2, 1)
    assert changed.history.count() == before[changed.pk] + 1
    record = changed.history.first()
    assert (record.is_published, record.version, record.history_user) == (published, 2, alice)
    assert unchanged.history.count() == before[unchanged.pk]


def test_check_version_refuses_an_older_version_saying_who_changed_what_and_when():
    alice, bruno = make_user("alice", "Alice"), make_user("bruno", "Bruno")
    initiative = make_initiative("Mon toit pour toi", is_published=False)
    initiative.title = "Un toit pour toi"
    initiative.save_edit()
    initiative.record_edit(alice, created=False)
    make_contact(initiative)
    Initiative.objects.filter(pk=initiative.pk).set_published(True, bruno)

    date = date_format(localtime(initiative.history.first().history_date), "DATETIME_FORMAT")
    assert stale_message(initiative, 1) == (
        "Cette initiative a été modifiée depuis que vous avez ouvert ce formulaire, "
        f"par Bruno, Alice (dernière modification le {date}) ; "
        "changé : titre, publiée, contacts. "
        "Vos modifications n'ont pas été enregistrées : rouvrez la fiche pour voir "
        "la version actuelle, puis refaites-les."
    )
    assert "par Bruno (" in stale_message(initiative, 2)
    assert "changé : publiée, contacts." in stale_message(initiative, 2)
    assert Initiative.objects.get(pk=initiative.pk).title == "Un toit pour toi"


def test_check_version_refuses_an_edit_that_does_not_say_its_version():
    initiative = make_initiative()
    assert "ne dit pas de quelle version il part" in stale_message(initiative, None)


def test_an_edit_checked_against_the_stored_version_is_saved_as_the_next_one():
    initiative = make_initiative("Mon toit pour toi")
    copy_read_before = Initiative.objects.get(pk=initiative.pk)
    initiative.title = "Un toit pour toi"
    initiative.save()

    copy_read_before.check_version(2)
    copy_read_before.aim = "Loger"
    copy_read_before.save()
    assert Initiative.objects.values_list("aim", "version").get(pk=initiative.pk) == ("Loger", 3)
    assert initiative.changes_since(3) == ([], [], None)


def test_a_revert_starts_from_today_s_version_with_the_themes_of_its_record():
    initiative = make_initiative()
    (main_theme,) = initiative.themes.all()
    original = initiative.history.first()
    initiative.themes.add(make_theme("Langue"))
    initiative.title = "Un toit pour toi"
    initiative.save()

    assert initiative.edit_initial() == {"base_version": 2}
    assert original.instance.edit_initial() == {
        "base_version": 2,
        "themes": [main_theme.pk],
        "publics": [],
    }


def test_an_edit_records_one_entry_once_its_themes_are_saved():
    alice = make_user("alice")
    initiative = make_initiative("Mon toit pour toi")
    language = make_theme("Langue")
    before = initiative.history.count()

    initiative.title = "Un toit pour toi"
    initiative.save_edit()
    initiative.themes.add(language)
    initiative.record_edit(alice, created=False)

    assert initiative.history.count() == before + 1
    record = initiative.history.first()
    assert (record.history_type, record.history_user, record.title) == (
        "~",
        alice,
        initiative.title,
    )
    assert {row.theme_id for row in record.themes.all()} == {initiative.main_theme_id, language.pk}


def test_a_new_initiative_records_one_entry_with_its_themes():
    alice = make_user("alice")
    housing = make_theme("Logement")
    initiative = Initiative(
        title="Nouvelle initiative",
        slug="nouvelle-initiative",
        main_theme=housing,
    )
    initiative.save_edit()
    initiative.themes.add(housing)
    initiative.record_edit(alice, created=True)

    (record,) = initiative.history.all()
    assert (record.history_type, record.history_user) == ("+", alice)
    assert [row.theme_id for row in record.themes.all()] == [housing.pk]


def test_record_edit_adds_nothing_to_a_save_that_recorded_its_own_entry():
    initiative = make_initiative()
    initiative.save()
    before = initiative.history.count()
    initiative.record_edit(make_user("alice"), created=False)
    assert initiative.history.count() == before


def run_aside(function):
    """Starts `function` in a thread, on a database connection of its own; the dictionary
    returned receives its result or its error."""
    outcome = {}

    def run():
        try:
            outcome["result"] = function()
        except Exception as error:
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    outcome["thread"] = thread
    return outcome


def wait_for_the_other_connection_to_wait_for_a_lock():
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the other connection never waited for a lock")


def finished(outcome):
    outcome["thread"].join(10)
    assert not outcome["thread"].is_alive()
    return outcome


@pytest.mark.django_db(transaction=True)
def test_publishing_waits_for_an_edit_being_saved_then_moves_its_version_on():
    alice, bruno = make_user("alice", "Alice"), make_user("bruno", "Bruno")
    with transaction.atomic():
        initiative = make_initiative("Mon toit pour toi", is_published=True)

    with transaction.atomic():
        initiative.check_version(1)
        initiative.aim = "Loger"
        initiative.save_edit()
        initiative.record_edit(alice, created=False)
        selection = Initiative.objects.filter(pk=initiative.pk)
        unpublishing = run_aside(lambda: selection.set_published(False, bruno))
        wait_for_the_other_connection_to_wait_for_a_lock()

    assert finished(unpublishing)["result"] == [initiative]
    initiative.refresh_from_db()
    assert (initiative.aim, initiative.is_published, initiative.version) == ("Loger", False, 3)
    # Alice's form from her own version would publish the initiative again: it is refused.
    assert "par Bruno" in stale_message(initiative, 2)


@pytest.mark.django_db(transaction=True)
def test_an_edit_checked_while_publishing_waits_and_is_refused_as_stale():
    bruno = make_user("bruno", "Bruno")
    with transaction.atomic():
        initiative = make_initiative("Mon toit pour toi", is_published=False)

    def check_the_version_read_before_publishing():
        with transaction.atomic():
            Initiative.objects.get(pk=initiative.pk).check_version(1)

    with transaction.atomic():
        Initiative.objects.filter(pk=initiative.pk).set_published(True, bruno)
        checking = run_aside(check_the_version_read_before_publishing)
        wait_for_the_other_connection_to_wait_for_a_lock()

    error = finished(checking)["error"]
    assert error.code == "stale"
    assert "par Bruno" in error.messages[0]
    assert "changé : publiée." in error.messages[0]
