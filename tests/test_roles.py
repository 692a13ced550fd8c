"""What each staff role may do in the admin, by the HTTP status of its pages."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from initiatives.roles import ADMINISTRATORS, EDITORS

from .factories import make_initiative, make_source, make_user

pytestmark = pytest.mark.django_db


def client_for(username, *options):
    call_command("make_editor", username, "--create", *options, stdout=None)
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def editor():
    return client_for("editrice")


@pytest.fixture
def administrator():
    return client_for("administratrice", "--admin")


@pytest.fixture
def entries():
    initiative = make_initiative()
    return {
        "initiative": initiative,
        "organisation": initiative.leads[0],
        "theme": initiative.main_theme,
        "source": make_source(),
    }


def admin_url(name, *args):
    return reverse(f"admin:{name}", args=args)


EDITOR_ALLOWED = [
    ("initiatives_initiative_changelist", None),
    ("initiatives_initiative_add", None),
    ("initiatives_initiative_change", "initiative"),
    ("initiatives_initiative_history", "initiative"),
    ("initiatives_organisation_add", None),
    ("initiatives_organisation_change", "organisation"),
    ("initiatives_theme_add", None),
    ("initiatives_theme_change", "theme"),
    ("initiatives_targetpublic_add", None),
    ("initiatives_acronym_add", None),
    ("initiatives_thesaurusentry_add", None),
    ("initiatives_source_changelist", None),
    ("initiatives_source_change", "source"),  # read only
    ("initiatives_place_changelist", None),  # read only
]

EDITOR_FORBIDDEN = [
    ("initiatives_organisation_delete", "organisation"),
    ("initiatives_source_delete", "source"),
    ("initiatives_source_add", None),
    ("initiatives_theme_delete", "theme"),
    ("initiatives_initiative_delete", "initiative"),
    ("initiatives_place_add", None),
    ("auth_user_changelist", None),
    ("auth_user_add", None),
    ("auth_group_changelist", None),
]


@pytest.mark.parametrize(("name", "entry"), EDITOR_ALLOWED)
def test_an_editor_reaches(editor, entries, name, entry):
    args = [entries[entry].pk] if entry else []
    assert editor.get(admin_url(name, *args)).status_code == 200


@pytest.mark.parametrize(("name", "entry"), EDITOR_FORBIDDEN)
def test_an_editor_is_refused(editor, entries, name, entry):
    args = [entries[entry].pk] if entry else []
    assert editor.get(admin_url(name, *args)).status_code == 403


def test_an_editor_cannot_delete_an_organisation_by_posting_either(editor, entries):
    organisation = entries["organisation"]
    entries["initiative"].delete()
    url = admin_url("initiatives_organisation_delete", organisation.pk)
    response = editor.post(url, {"post": "yes"})
    assert response.status_code == 403
    assert type(organisation).objects.filter(pk=organisation.pk).exists()


def test_an_editor_sees_no_user_management_on_the_admin_index(editor):
    content = editor.get(admin_url("index")).content.decode()
    assert admin_url("initiatives_initiative_changelist") in content
    assert admin_url("auth_user_changelist") not in content


def test_an_editor_cannot_change_a_source(editor, entries):
    source = entries["source"]
    url = admin_url("initiatives_source_change", source.pk)
    response = editor.post(url, {"title": "Autre", "slug": source.slug, "language": "fr"})
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.title != "Autre"


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("auth_user_changelist", None),
        ("auth_user_add", None),
        ("auth_group_changelist", None),
        ("initiatives_organisation_delete", "organisation"),
        ("initiatives_source_add", None),
        ("initiatives_source_delete", "source"),
        ("initiatives_initiative_delete", "initiative"),
    ],
)
def test_an_administrator_reaches(administrator, entries, name, entry):
    args = [entries[entry].pk] if entry else []
    assert administrator.get(admin_url(name, *args)).status_code == 200


def test_an_account_outside_the_staff_is_sent_to_the_login_page(entries):
    client = Client()
    client.force_login(make_user("lecteur"))
    response = client.get(admin_url("initiatives_initiative_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(admin_url("login"))


def test_the_editor_role_holds_no_account_permission():
    editors = Group.objects.get(name=EDITORS)
    assert not editors.permissions.filter(content_type__app_label="auth").exists()
    forbidden = ["delete_organisation", "delete_source"]
    assert not editors.permissions.filter(codename__in=forbidden).exists()
    assert Group.objects.get(name=ADMINISTRATORS).permissions.filter(codename="add_user").exists()


def test_make_editor_creates_a_staff_account_that_can_sign_in(monkeypatch):
    monkeypatch.setenv("DJANGO_EDITOR_PASSWORD", "correct-horse-battery-42")
    call_command("make_editor", "claire", "--create", "--email", "claire@example.org", stdout=None)
    user = User.objects.get(username="claire")
    assert user.is_staff and not user.is_superuser
    assert user.email == "claire@example.org"
    assert list(user.groups.values_list("name", flat=True)) == [EDITORS]
    assert user.check_password("correct-horse-battery-42")


def test_make_editor_moves_an_existing_account_between_roles():
    make_user("claire")
    call_command("make_editor", "claire", "--admin", stdout=None)
    call_command("make_editor", "claire", stdout=None)
    user = User.objects.get(username="claire")
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == [EDITORS]


def test_make_editor_refuses_an_unknown_account_without_create():
    with pytest.raises(CommandError, match="--create"):
        call_command("make_editor", "personne")
    assert not User.objects.filter(username="personne").exists()


def test_make_editor_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("DJANGO_EDITOR_PASSWORD", "1234")
    with pytest.raises(CommandError):
        call_command("make_editor", "claire", "--create")
    assert not User.objects.filter(username="claire").exists()


def test_an_editor_sets_where_an_initiative_acts(editor, entries):
    content = editor.get(admin_url("initiatives_initiative_change", entries["initiative"].pk))
    assert 'name="place_links-TOTAL_FORMS"' in content.content.decode()
