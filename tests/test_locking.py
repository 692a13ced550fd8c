"""Two editors change the same initiative: the second save, from a stale form, is refused."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from initiatives.models import Initiative

from .conftest import form_data, make_contact, make_initiative

pytestmark = pytest.mark.django_db


def editor_client(username, first_name=""):
    user = User.objects.create_superuser(username, f"{username}@example.org", "x")
    user.first_name = first_name
    user.save()
    client = Client()
    client.force_login(user)
    return client


def change_url(initiative):
    return reverse("admin:initiatives_initiative_change", args=[initiative.pk])


@pytest.fixture
def editors():
    return editor_client("alice", "Alice"), editor_client("bruno", "Bruno")


def test_the_second_save_from_a_stale_form_is_refused_saying_what_changed(editors):
    alice, bruno = editors
    initiative = make_initiative("Mon toit pour toi", aim="Loger")
    alice_form = form_data(alice.get(change_url(initiative)))
    bruno_form = form_data(bruno.get(change_url(initiative)))

    response = alice.post(change_url(initiative), alice_form | {"title": "Un toit pour toi"})
    assert response.status_code == 302

    response = bruno.post(change_url(initiative), bruno_form | {"aim": "Loger et accompagner"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "a été modifiée depuis que vous avez ouvert ce formulaire" in content
    assert "par Alice" in content
    assert "changé : titre." in content
    assert "Vos modifications n&#x27;ont pas été enregistrées" in content
    initiative.refresh_from_db()
    assert (initiative.title, initiative.aim) == ("Un toit pour toi", "Loger")
    assert initiative.version == 2


def test_a_form_opened_after_the_change_saves(editors):
    alice, bruno = editors
    initiative = make_initiative("Mon toit pour toi")
    alice_form = form_data(alice.get(change_url(initiative)))
    alice.post(change_url(initiative), alice_form | {"title": "Un toit pour toi"})

    bruno_form = form_data(bruno.get(change_url(initiative)))
    response = bruno.post(change_url(initiative), bruno_form | {"aim": "Loger"})
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.title, initiative.aim, initiative.version) == (
        "Un toit pour toi",
        "Loger",
        3,
    )


def test_a_change_to_contacts_only_makes_other_forms_stale(editors):
    alice, bruno = editors
    initiative = make_initiative()
    make_contact(initiative, email="ancien@example.org")
    alice_form = form_data(alice.get(change_url(initiative)))
    bruno_form = form_data(bruno.get(change_url(initiative)))

    alice_form["contacts-0-email"] = "nouveau@example.org"
    assert alice.post(change_url(initiative), alice_form).status_code == 302

    bruno_form["contacts-0-email"] = "autre@example.org"
    response = bruno.post(change_url(initiative), bruno_form)
    assert response.status_code == 200
    assert "changé : contacts." in response.content.decode()
    assert initiative.contacts.get().email == "nouveau@example.org"


def test_publishing_from_the_list_makes_open_forms_stale(editors):
    alice, bruno = editors
    initiative = make_initiative(is_published=True)
    bruno_form = form_data(bruno.get(change_url(initiative)))
    alice.post(
        reverse("admin:initiatives_initiative_changelist"),
        {"action": "unpublish", "_selected_action": [initiative.pk]},
    )
    response = bruno.post(change_url(initiative), bruno_form)
    assert response.status_code == 200
    assert "changé : publiée." in response.content.decode()
    assert Initiative.objects.get(pk=initiative.pk).is_published is False


def test_a_form_without_its_version_is_refused(editors):
    alice, _ = editors
    initiative = make_initiative("Mon toit pour toi")
    data = form_data(alice.get(change_url(initiative)))
    del data["base_version"]
    response = alice.post(change_url(initiative), data | {"title": "Autre"})
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
