"""The app's migrations undo to zero and redo, on a scratch database of the same server."""

import os
import subprocess
import sys
import urllib.parse

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from .pgcluster import PROJECT_DIR


def server_parameters(settings_dict):
    return {
        key: value
        for key, value in {
            "host": settings_dict["HOST"],
            "port": settings_dict["PORT"],
            "user": settings_dict["USER"],
            "password": settings_dict["PASSWORD"],
        }.items()
        if value
    }


def database_url(settings_dict, name):
    user = urllib.parse.quote(settings_dict["USER"] or "", safe="")
    password = urllib.parse.quote(settings_dict["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = urllib.parse.quote(settings_dict["HOST"] or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{credentials}{host}{port}/{name}"


@pytest.fixture
def scratch_database(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_migrations"
    parameters = server_parameters(settings_dict)
    with psycopg.connect(dbname="postgres", autocommit=True, **parameters) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(settings_dict, name), parameters | {"dbname": name}
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **parameters) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def manage(url, *args):
    environment = os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "catalogue.test_settings",
    }
    result = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def catalogue_objects(parameters):
    """The app's tables, functions and text search configurations in the database."""
    with psycopg.connect(**parameters) as database:
        return database.execute(
            """
            SELECT tablename FROM pg_tables WHERE tablename LIKE 'initiatives%%'
            UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'initiative%%'
            UNION ALL SELECT cfgname FROM pg_ts_config WHERE cfgname = 'french_unaccent'
            """
        ).fetchall()


def test_it_migrates_to_zero_and_back(scratch_database):
    url, parameters = scratch_database
    manage(url, "migrate", "--no-input")
    migrated = catalogue_objects(parameters)
    assert ("initiatives_initiative",) in migrated and ("french_unaccent",) in migrated

    manage(url, "migrate", "initiatives", "zero", "--no-input")
    assert catalogue_objects(parameters) == []

    manage(url, "migrate", "--no-input")
    assert sorted(catalogue_objects(parameters)) == sorted(migrated)
