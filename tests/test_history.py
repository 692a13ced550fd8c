import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from initiatives.models import Contact, Initiative

from .factories import (
    initiative_form,
    make_contact,
    make_initiative,
    make_organisation,
    make_theme,
)
from .pages import change_form

pytestmark = pytest.mark.django_db


def edit(app, user, initiative, themes=None, **changes):
    """Opens the initiative's change form as `user`, changes some fields and saves it."""
    app.set_user(user)
    form = change_form(app, initiative)
    for name, value in changes.items():
        form[name] = value
    if themes is not None:
        # The admin's autocomplete holds the chosen themes only: a user finds others by typing.
        form["themes"].force_value(themes)
    return form.submit()


def revert(app, user, initiative, record):
    """Opens the form that reverts the initiative to `record`, and saves it unchanged."""
    url = reverse(
        "admin:initiatives_initiative_simple_history", args=[initiative.pk, record.history_id]
    )
    return app.get(url, user=user).forms["historicalinitiative_form"].submit()


def test_it_records_who_changed_which_fields_in_one_entry(django_app, admin_user):
    initiative = make_initiative("Mon toit pour toi")
    language = make_theme("Langue")
    before = initiative.history.count()
    response = edit(
        django_app,
        admin_user,
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


def test_it_records_changes_to_contacts_edited_inline(django_app, admin_user):
    initiative = make_initiative()
    contact = make_contact(initiative, email="ancien@example.org")
    response = edit(
        django_app, admin_user, initiative, **{"contacts-0-email": "nouveau@example.org"}
    )
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
    # The admin's own log, shown as its recent actions, names the initiative changed only.
    logged = LogEntry.objects.filter(user=admin_user, action_flag=CHANGE)
    assert list(logged.values_list("object_id", flat=True)) == [str(changed.pk)]


def test_it_lists_the_history_of_an_initiative_with_who_changed_what(django_app, admin_user):
    initiative = make_initiative("Mon toit pour toi")
    edit(django_app, admin_user, initiative, title="Un toit pour toi")
    response = django_app.get(
        reverse("admin:initiatives_initiative_history", args=[initiative.pk]), user=admin_user
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Un toit pour toi" in content
    assert reverse("admin:auth_user_change", args=[admin_user.pk]) in content
    text = re.sub(r"(\s|&nbsp;)+", " ", re.sub(r"<[^>]+>", "", content))
    assert "Titre: Mon toit pour toi &rarr; Un toit pour toi" in text


def test_it_reverts_an_initiative_to_an_earlier_version(django_app, admin_user):
    initiative = make_initiative("Mon toit pour toi")
    before = initiative.history.first()
    edit(django_app, admin_user, initiative, title="Un toit pour toi")
    original = initiative.history.get(pk=before.pk)
    response = revert(django_app, admin_user, initiative, original)
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Mon toit pour toi"
    assert initiative.history.first().history_type == "~"


def test_it_reverts_the_themes_too(django_app, admin_user):
    initiative = make_initiative()
    language = make_theme("Langue")
    before = initiative.history.first()
    edit(django_app, admin_user, initiative, themes=[initiative.main_theme_id, language.pk])
    original = initiative.history.get(pk=before.pk)
    response = revert(django_app, admin_user, initiative, original)
    assert response.status_code == 302
    assert list(initiative.themes.all()) == [initiative.main_theme]


def test_history_of_a_deleted_contact_remains(django_app, admin_user):
    initiative = make_initiative()
    contact = make_contact(initiative)
    assert (
        edit(django_app, admin_user, initiative, **{"contacts-0-DELETE": True}).status_code == 302
    )
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Contact.history.filter(id=contact.pk, history_type="-").exists()
