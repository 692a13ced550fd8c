"""Two editors change the same initiative: the second save, from a stale form, is refused."""

import threading
from unittest import mock

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django_webtest import DjangoTestApp

from initiatives.models import Initiative

from .factories import make_contact, make_initiative, make_user
from .pages import change_form, change_url

pytestmark = pytest.mark.django_db


def signed_in_browser(username, first_name=""):
    """A browser of its own (its own cookies), signed in to the admin as a new superuser."""
    user = make_user(username, first_name, is_staff=True, is_superuser=True)
    app = DjangoTestApp()
    app.set_user(user)
    return app


@pytest.fixture
def browsers(django_app):
    """Alice's and Bruno's browsers. (django_app sets up the sign-in of their users.)"""
    return signed_in_browser("alice", "Alice"), signed_in_browser("bruno", "Bruno")


def test_the_second_save_from_a_stale_form_is_refused_saying_what_changed(browsers):
    alice, bruno = browsers
    initiative = make_initiative("Mon toit pour toi", aim="Loger")
    alice_form = change_form(alice, initiative)
    bruno_form = change_form(bruno, initiative)

    alice_form["title"] = "Un toit pour toi"
    response = alice_form.submit()
    assert response.status_code == 302

    bruno_form["aim"] = "Loger et accompagner"
    response = bruno_form.submit()
    content = response.content.decode()
    assert response.status_code == 200
    assert "a été modifiée depuis que vous avez ouvert ce formulaire" in content
    assert "par Alice" in content
    assert "changé : titre." in content
    assert "Vos modifications n&#x27;ont pas été enregistrées" in content
    initiative.refresh_from_db()
    assert (initiative.title, initiative.aim) == ("Un toit pour toi", "Loger")
    assert initiative.version == 2


def test_a_form_opened_after_the_change_saves(browsers):
    alice, bruno = browsers
    initiative = make_initiative("Mon toit pour toi")
    alice_form = change_form(alice, initiative)
    alice_form["title"] = "Un toit pour toi"
    alice_form.submit()

    bruno_form = change_form(bruno, initiative)
    bruno_form["aim"] = "Loger"
    response = bruno_form.submit()
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.title, initiative.aim, initiative.version) == (
        "Un toit pour toi",
        "Loger",
        3,
    )


def test_a_change_to_contacts_only_makes_other_forms_stale(browsers):
    alice, bruno = browsers
    initiative = make_initiative()
    make_contact(initiative, email="ancien@example.org")
    alice_form = change_form(alice, initiative)
    bruno_form = change_form(bruno, initiative)

    alice_form["contacts-0-email"] = "nouveau@example.org"
    assert alice_form.submit().status_code == 302

    bruno_form["contacts-0-email"] = "autre@example.org"
    response = bruno_form.submit()
    assert response.status_code == 200
    assert "changé : contacts." in response.content.decode()
    assert initiative.contacts.get().email == "nouveau@example.org"


def test_publishing_from_the_list_makes_open_forms_stale(browsers):
    alice, bruno = browsers
    initiative = make_initiative(is_published=True)
    bruno_form = change_form(bruno, initiative)
    changelist = alice.get(reverse("admin:initiatives_initiative_changelist"))
    actions = changelist.forms["changelist-form"]
    actions["action"] = "unpublish"
    actions.get("_selected_action", index=0).checked = True
    actions.submit()
    response = bruno_form.submit()
    assert response.status_code == 200
    assert "changé : publiée." in response.content.decode()
    assert Initiative.objects.get(pk=initiative.pk).is_published is False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["unpublish", "mark_verified"])
def test_an_edit_saved_while_a_bulk_action_runs_is_refused_not_lost(browsers, action):
    """The action has read the row and is about to save it when Bruno saves his form: his save
    waits for the action, then is refused as made from an older version, rather than saved
    under the same version number and undone (or undoing the action) without a word."""
    alice, bruno = browsers
    with transaction.atomic():  # its main theme among its themes is checked at commit
        initiative = make_initiative("Mon toit pour toi", is_published=True)
    bruno_form = change_form(bruno, initiative)
    bruno_form["title"] = "Titre de Bruno"
    changelist = alice.get(reverse("admin:initiatives_initiative_changelist"))
    actions = changelist.forms["changelist-form"]
    actions["action"] = action
    actions.get("_selected_action", index=0).checked = True

    bruno_saved = {}

    def bruno_saves() -> None:
        try:
            bruno_saved["response"] = bruno_form.submit()
        finally:
            connection.close()

    bruno = threading.Thread(target=bruno_saves)
    save = Initiative.save

    def save_once_bruno_has_submitted(self, *args, **kwargs):
        if not bruno.is_alive() and "response" not in bruno_saved:
            bruno.start()
            bruno.join(timeout=1)  # he finishes unless the action holds the row
        save(self, *args, **kwargs)

    with mock.patch.object(Initiative, "save", save_once_bruno_has_submitted):
        actions.submit()
    bruno.join(timeout=10)

    response = bruno_saved["response"]
    assert response.status_code == 200
    assert "Cette initiative a été modifiée depuis que vous avez ouvert ce formulaire" in (
        response.text
    )
    stored = Initiative.objects.get(pk=initiative.pk)
    assert stored.title == "Mon toit pour toi"
    assert stored.version == 2
    if action == "unpublish":
        assert stored.is_published is False
    versions = list(Initiative.history.filter(id=initiative.pk).values_list("version", flat=True))
    assert max(versions) == 2 and versions.count(2) == 1, "one entry for version 2, as stored"


def test_a_form_without_its_version_is_refused(browsers):
    alice, _ = browsers
    initiative = make_initiative("Mon toit pour toi")
    form = change_form(alice, initiative)
    form["title"] = "Autre"
    data = [(name, value) for name, value in form.submit_fields() if name != "base_version"]
    response = alice.post(change_url(initiative), data)
    assert response.status_code == 200
    assert "ne dit pas de quelle version il part" in response.content.decode()
    assert Initiative.objects.get(pk=initiative.pk).title == "Mon toit pour toi"


def test_every_save_increments_the_version():
    initiative = make_initiative()
    assert initiative.version == 1
    initiative.save()
    initiative.save(update_fields=["title"])
    initiative.refresh_from_db()
    assert initiative.version == 3
