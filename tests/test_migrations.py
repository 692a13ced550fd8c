"""The app's migrations undo to zero and redo, on a scratch database of the same server."""

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection

from . import harness


@pytest.fixture
def scratch_database(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The URL of an empty database on the test server, dropped at the end."""
    with django_db_blocker.unblock():
        settings_dict = connection.settings_dict
    with harness.scratch_database(settings_dict, f"{settings_dict['NAME']}_migrations") as url:
        yield url


def manage(url: str, *args: str) -> None:
    environment = os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "catalogue.test_settings",
    }
    harness.manage(environment, *args)


def catalogue_objects(url: str) -> list[tuple[str]]:
    """The app's tables, functions and text search configurations in the database."""
    with psycopg.connect(url) as database:
        return database.execute(
            """
            SELECT tablename FROM pg_tables WHERE tablename LIKE 'initiatives%%'
            UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'initiative%%'
            UNION ALL SELECT cfgname FROM pg_ts_config WHERE cfgname = 'french_unaccent'
            """
        ).fetchall()


def test_it_migrates_to_zero_and_back(scratch_database: str) -> None:
    url = scratch_database
    manage(url, "migrate", "--no-input")
    migrated = catalogue_objects(url)
    assert ("initiatives_initiative",) in migrated and ("french_unaccent",) in migrated

    manage(url, "migrate", "initiatives", "zero", "--no-input")
    assert catalogue_objects(url) == []

    manage(url, "migrate", "--no-input")
    assert sorted(catalogue_objects(url)) == sorted(migrated)
