"""backup_catalogue and restore_catalogue: every row back, identical, in an emptied database."""

import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from initiatives.models import Initiative

pytestmark = pytest.mark.django_db(transaction=True)

ROWS_CHECKSUM = """
    SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))
    FROM "{table}" AS t
"""


def snapshot():
    """Each table's row count and a checksum of its rows, and each sequence's position."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = sorted(name for (name,) in cursor.fetchall())
        state = {}
        for table in tables:
            cursor.execute(ROWS_CHECKSUM.format(table=table))
            state[table] = cursor.fetchone()
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences")
        state["sequences"] = sorted(cursor.fetchall())
    return state


def empty_the_database():
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert cursor.fetchone() == (0,)


# Left out of a backup: whoever reads the file must not find a way into the admin there.
SECRET_TABLES = {
    "django_session",
    "axes_accessattempt",
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
}


def test_it_restores_every_row_identical_into_an_emptied_database(tmp_path, admin_user, client):
    call_command("load_catalogue", verbosity=0)
    client.force_login(admin_user)  # an open session
    client.post(reverse("admin:login"), {"username": "claire", "password": "essai-1234"})
    before = snapshot()
    assert before["initiatives_initiative"][0] == 32
    assert before["django_session"][0] == 1 and before["axes_accessattempt"][0] == 1
    backup = tmp_path / "catalogue.dump"

    call_command("backup_catalogue", str(backup), stdout=StringIO())
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    empty_the_database()
    call_command("restore_catalogue", str(backup), interactive=False, stdout=StringIO())

    after = snapshot()
    for state in (before, after):  # the row counters of the tables left out are left out too
        state["sequences"] = [row for row in state["sequences"] if not row[0].startswith("axes_")]
    assert {table: after[table] for table in after if table not in SECRET_TABLES} == {
        table: before[table] for table in before if table not in SECRET_TABLES
    }
    assert {table: after[table][0] for table in SECRET_TABLES} == dict.fromkeys(SECRET_TABLES, 0)
    # The accounts came back: the administrator signs in again.
    assert client.get(reverse("admin:index")).status_code == 302
    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    # The search triggers came back with the rows: a new initiative is found at once.
    initiative = Initiative.objects.get(slug="fonds-de-dotation-coup-de-pouce")
    initiative.title = "Zythogramme introuvable"
    initiative.save()
    assert Initiative.objects.search("zythogramme").get() == initiative


def test_it_keeps_an_existing_backup_file_private(tmp_path):
    backup = tmp_path / "catalogue.dump"
    backup.write_text("old")
    backup.chmod(0o644)
    call_command("backup_catalogue", str(backup), stdout=StringIO())
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_it_leaves_the_database_as_it_was_when_the_file_is_not_a_backup(tmp_path):
    call_command("load_catalogue", verbosity=0)
    before = snapshot()
    bogus = tmp_path / "bogus.dump"
    bogus.write_text("not a backup")
    with pytest.raises(CommandError, match="pg_restore failed"):
        call_command("restore_catalogue", str(bogus), interactive=False)
    assert snapshot() == before
