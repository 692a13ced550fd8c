import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.utils import translation

from initiatives import bitmaps

from . import harness
from .factories import MARSEILLE, commune, make_initiative, make_organisation, make_source


# First, so that pytest-xdist's own hook finds the groups when it reads them into the tests' ids.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`, as scripts/test runs it), the tests of a module that
    use one of the project's module-scoped fixtures share a worker, so that data loads once; the
    browser tests share one worker and so one served catalogue; every other test goes to whichever
    worker is free."""
    for item in items:
        if item.get_closest_marker("browser"):
            group = "browser"
        elif shares_wide_fixture(item):
            group = item.nodeid.split("::")[0]
        else:
            group = item.nodeid
        item.add_marker(pytest.mark.xdist_group(group))


def shares_wide_fixture(item: pytest.Item) -> bool:
    """Whether the test uses a fixture of the project's (not a plugin's) wider than a test and
    narrower than the session (which each worker has once whatever it runs)."""
    if not isinstance(item, pytest.Function):
        return False
    definitions = item._fixtureinfo.name2fixturedefs.values()
    return any(
        definition.scope not in ("function", "session") and definition.baseid
        for definitions_of_name in definitions
        for definition in definitions_of_name
    )


@pytest.fixture(autouse=True)
def site_language():
    """Each test starts in the site's language, French, whatever language an earlier request
    left active in its worker's thread."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def bitmaps_read_afresh() -> None:
    """Each test's first list reads the filters' bitmaps whole: those an earlier test read saw
    rows its transaction then rolled back."""
    bitmaps.forget()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The test database, migrated by pytest-django (when a test selected uses it), and a copy
    of it as migrated, made before any test writes to it (`migrated_database`)."""
    settings_dict = connection.settings_dict
    if not is_test_database(settings_dict):
        yield
        return
    with django_db_blocker.unblock():
        # Nothing may be connected to the database a copy is made from.
        connection.close()
    with harness.scratch_database(
        settings_dict, migrated_name(settings_dict), template=settings_dict["NAME"]
    ):
        yield


def is_test_database(settings_dict: dict[str, Any]) -> bool:
    """Whether the connection is to the test database (named as Django names it)."""
    return settings_dict["NAME"].startswith(TEST_DATABASE_PREFIX)


def migrated_name(settings_dict: dict[str, Any]) -> str:
    return f"{settings_dict['NAME']}_migrated"


@pytest.fixture(scope="session")
def migrated_database(django_db_setup: None) -> Iterator[str]:
    """The name of a database on the test server with every migration applied and no data but
    what the migrations write, to copy (CREATE DATABASE … TEMPLATE) rather than migrate a new
    database; nothing may connect to it."""
    settings_dict = connection.settings_dict
    if is_test_database(settings_dict):
        yield migrated_name(settings_dict)
        return
    # pytest-django made no test database (no test selected uses one): one is migrated here, for
    # this worker alone (another may be migrating its own at the same time).
    name = f"{migrated_name(settings_dict)}{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    with harness.scratch_database(settings_dict, name) as url:
        environment = {"DJANGO_SETTINGS_MODULE": "catalogue.test_settings", "DATABASE_URL": url}
        harness.manage(os.environ | environment, "migrate", "--no-input")
        yield name


@pytest.fixture(scope="module")
def catalogue_data(django_db_setup, django_db_blocker):
    """The catalogue's data (load_catalogue), loaded once for a module in a transaction rolled
    back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_catalogue", verbosity=0)
        # Check the deferred constraints now, as a commit would.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield
        transaction.set_rollback(True)


@pytest.fixture
def initiative(db):
    return make_initiative(
        "Mon toit pour toi",
        aim="Favoriser l'accès au logement des jeunes réfugiés.",
        places=[commune(MARSEILLE)],
        partners=[make_organisation("Pôle emploi")],
        sources=[make_source("Catalogue du forum")],
    )
