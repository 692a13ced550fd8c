import re

import pytest
from django.urls import reverse

from initiatives.models import Contact, Initiative

from .conftest import form_data, make_contact, make_initiative, make_theme

pytestmark = pytest.mark.django_db


def change_url(initiative):
    return reverse("admin:initiatives_initiative_change", args=[initiative.pk])


def edit(client, initiative, **changes):
    """Opens the initiative's change form, changes some fields and saves it."""
    data = form_data(client.get(change_url(initiative))) | changes
    return client.post(change_url(initiative), data)


def test_it_records_who_changed_which_fields_in_one_entry(admin_client, admin_user):
    initiative = make_initiative("Mon toit pour toi")
    language = make_theme("Langue")
    before = initiative.history.count()
    response = edit(
        admin_client,
        initiative,
        title="Un toit pour toi",
        themes=[initiative.main_theme_id, language.pk],
    )
    assert response.status_code == 302
    assert initiative.history.count() == before + 1
    latest, previous = initiative.history.all()[:2]
    assert latest.history_user == admin_user
    assert latest.history_type == "~"
    delta = latest.diff_against(previous)
    assert set(delta.changed_fields) == {"title", "themes"}
    assert {row.theme_id for row in latest.themes.all()} == {initiative.main_theme_id, language.pk}


def test_it_records_an_initiative_added_through_the_admin_with_its_themes(admin_client):
    from .conftest import initiative_form, make_organisation

    housing = make_theme("Logement")
    response = admin_client.post(
        reverse("admin:initiatives_initiative_add"),
        initiative_form(make_organisation(), housing, [housing]),
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get(slug="nouvelle-initiative")
    (record,) = initiative.history.all()
    assert record.history_type == "+"
    assert [row.theme_id for row in record.themes.all()] == [housing.pk]


def test_it_records_changes_to_contacts_edited_inline(admin_client, admin_user):
    initiative = make_initiative()
    contact = make_contact(initiative, email="ancien@example.org")
    data = form_data(admin_client.get(change_url(initiative)))
    data["contacts-0-email"] = "nouveau@example.org"
    response = admin_client.post(change_url(initiative), data)
    assert response.status_code == 302
    record = contact.history.first()
    assert record.email == "nouveau@example.org"
    assert record.history_user == admin_user


@pytest.mark.parametrize(("action", "published"), [("publish", True), ("unpublish", False)])
def test_publishing_actions_record_history(admin_client, admin_user, action, published):
    changed = make_initiative(is_published=not published)
    unchanged = make_initiative(is_published=published)
    before = {changed.pk: changed.history.count(), unchanged.pk: unchanged.history.count()}
    response = admin_client.post(
        reverse("admin:initiatives_initiative_changelist"),
        {"action": action, "_selected_action": [changed.pk, unchanged.pk]},
    )
    assert response.status_code == 302
    changed.refresh_from_db()
    assert changed.is_published is published
    assert changed.history.count() == before[changed.pk] + 1
    record = changed.history.first()
    assert record.is_published is published
    assert record.history_user == admin_user
    assert unchanged.history.count() == before[unchanged.pk]


def test_it_lists_the_history_of_an_initiative_with_who_changed_what(admin_client, admin_user):
    initiative = make_initiative("Mon toit pour toi")
    edit(admin_client, initiative, title="Un toit pour toi")
    response = admin_client.get(
        reverse("admin:initiatives_initiative_history", args=[initiative.pk])
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Un toit pour toi" in content
    assert reverse("admin:auth_user_change", args=[admin_user.pk]) in content
    text = re.sub(r"(\s|&nbsp;)+", " ", re.sub(r"<[^>]+>", "", content))
    assert "Titre: Mon toit pour toi &rarr; Un toit pour toi" in text


def test_it_reverts_an_initiative_to_an_earlier_version(admin_client):
    initiative = make_initiative("Mon toit pour toi")
    before = initiative.history.first()
    edit(admin_client, initiative, title="Un toit pour toi")
    original = initiative.history.get(pk=before.pk)
    url = reverse(
        "admin:initiatives_initiative_simple_history", args=[initiative.pk, original.history_id]
    )
    response = admin_client.post(url, form_data(admin_client.get(url)))
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Mon toit pour toi"
    assert initiative.history.first().history_type == "~"


def test_it_reverts_the_themes_too(admin_client):
    initiative = make_initiative()
    language = make_theme("Langue")
    before = initiative.history.first()
    edit(admin_client, initiative, themes=[initiative.main_theme_id, language.pk])
    original = initiative.history.get(pk=before.pk)
    url = reverse(
        "admin:initiatives_initiative_simple_history", args=[initiative.pk, original.history_id]
    )
    response = admin_client.post(url, form_data(admin_client.get(url)))
    assert response.status_code == 302
    assert list(initiative.themes.all()) == [initiative.main_theme]


def test_history_of_a_deleted_contact_remains(admin_client):
    initiative = make_initiative()
    contact = make_contact(initiative)
    data = form_data(admin_client.get(change_url(initiative)))
    data["contacts-0-DELETE"] = "on"
    assert admin_client.post(change_url(initiative), data).status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Contact.history.filter(id=contact.pk, history_type="-").exists()
