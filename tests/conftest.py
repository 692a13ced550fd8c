import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.utils import translation

from initiatives import bitmaps, ranking

from . import harness
from .factories import MARSEILLE, commune, make_initiative, make_organisation, make_source


# Around the other plugins' hooks: the groups are set before pytest-xdist reads them into the
# tests' ids, and the order after pytest-django's (which puts the tests without a database last).
@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    """Under pytest-xdist (`--dist loadgroup --no-loadscope-reorder`, as scripts/test runs it),
    the tests of a module that use one of the project's module-scoped fixtures, or are browser
    tests, share a worker, so that their data loads once; every other test goes to whichever
    worker is free.

    The groups are handed out in the order of the tests, pytest-django's (tests using the test
    database, then those flushing it, then the others) but for the groups that need no test
    database, which go first: the browser modules, the largest first (each worker that runs any
    sets up a served catalogue and a Chromium of its own once, then runs its browser modules one
    after another), then the modules with `slow` tests; so that no long group starts last while
    the other worker has nothing left."""
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        if shares_wide_fixture(item) or item.get_closest_marker("browser"):
            group = item.nodeid.split("::")[0]
        else:
            group = item.nodeid
        item.add_marker(pytest.mark.xdist_group(group))
        groups.setdefault(group, []).append(item)
    yield
    ranks = {id(item): rank(members) for members in groups.values() for item in members}
    order = {id(item): position for position, item in enumerate(items)}
    items.sort(key=lambda item: (ranks[id(item)], order[id(item)]))


def rank(items: list[pytest.Item]) -> tuple[int, int]:
    """Where a group of tests goes: browser modules, the larger first, then modules with slow
    tests, if they need no test database; then the others where pytest-django puts them."""
    if any(uses_test_database(item) for item in items):
        return 2, 0
    if any(item.get_closest_marker("browser") for item in items):
        return 0, -len(items)
    if any(item.get_closest_marker("slow") for item in items):
        return 1, 0
    return 2, 0


def uses_test_database(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", [])
    return bool(
        item.get_closest_marker("django_db")
        or {"db", "transactional_db", "live_server"} & set(fixtures)
    )


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


# The site's database, as named before pytest-django names the test database after it.
SITE_DATABASE = settings.DATABASES["default"]["NAME"]


def template_name(suffix: str) -> str:
    """The name of a database the workers of a run share, on the test server."""
    return f"{TEST_DATABASE_PREFIX}{SITE_DATABASE}_{suffix}_template"


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the workers of a run share: the parent of their temporary folders."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return tmp_path_factory.getbasetemp().parent
    return tmp_path_factory.getbasetemp()


def once_for_the_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[], object]
) -> None:
    """Calls `build` once for the whole run, in whichever worker of pytest-xdist gets there
    first while the others wait."""
    folder = run_folder(tmp_path_factory)
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = folder / f"{name}.made"
        if not made.exists():
            build()
            made.touch()


def shared_database(
    tmp_path_factory: pytest.TempPathFactory,
    suffix: str,
    build: Callable[[str], None],
    template: str | None = None,
) -> str:
    """The name of a database on the test server made once for the whole run (a copy of
    `template`, or empty, then `build(url)`), by whichever worker of pytest-xdist needs it first
    while the others wait; whatever an earlier run left under that name is made again. Nothing
    may connect to it: it is to copy (CREATE DATABASE … TEMPLATE). Dropped at the end of the run
    (pytest_sessionfinish)."""
    name = template_name(suffix)
    settings_dict = settings.DATABASES["default"]
    once_for_the_run(
        tmp_path_factory,
        name,
        lambda: build(harness.make_database(settings_dict, name, template=template)),
    )
    return name


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static files as collectstatic writes them in production settings (hashed names,
    compressed copies), collected once for the run: the STATIC_ROOT of every served catalogue
    of the tests, which only read it."""
    folder = run_folder(tmp_path_factory)
    environment = harness.production_environment(
        harness.database_url(settings.DATABASES["default"], SITE_DATABASE), folder
    )
    once_for_the_run(
        tmp_path_factory,
        "collected-static",
        lambda: harness.manage(environment, "collectstatic", "--no-input"),
    )
    return Path(environment["STATIC_ROOT"])


def manage_test_database(url: str, *args: str) -> None:
    """A manage.py command on the database at `url`, without the system checks, which
    scripts/test runs once."""
    environment = {"DJANGO_SETTINGS_MODULE": "catalogue.test_settings", "DATABASE_URL": url}
    harness.manage(os.environ | environment, *args, "--skip-checks")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The name of a database migrated once for the run, which every worker's test database
    copies instead of migrating its own."""
    return shared_database(
        tmp_path_factory, "migrated", lambda url: manage_test_database(url, "migrate", "--no-input")
    )


@pytest.fixture(scope="session")
def catalogue_template(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The name of a copy of `migrated_template` with the catalogue's data (load_catalogue),
    loaded once for the run; the modules and served sites that need the data copy it."""
    return shared_database(
        tmp_path_factory,
        "catalogue",
        lambda url: load_and_analyze(url),
        template=migrated_template,
    )


def load_and_analyze(url: str) -> None:
    """load_catalogue, then the planner's statistics, which the copies keep: with none, a copy's
    first queries are planned on guesses."""
    manage_test_database(url, "load_catalogue", "--verbosity", "0")
    with psycopg.connect(url, autocommit=True) as database:
        database.execute("ANALYZE")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The shared databases dropped, by the process that ran the workers (or ran the tests)."""
    if hasattr(session.config, "workerinput") or not settings.configured:
        return
    settings_dict = settings.DATABASES["default"]
    # Every name template_name() gives, whichever fixtures made them.
    start, end = template_name("").split("__")
    try:
        with psycopg.connect(harness.database_url(settings_dict, "postgres")) as server:
            names = [name for (name,) in server.execute("SELECT datname FROM pg_database")]
        for name in names:
            if name.startswith(f"{start}_") and name.endswith(f"_{end}"):
                harness.drop_database(settings_dict, name)
    except psycopg.OperationalError:  # no server: the run made none
        pass


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings: None, migrated_template: str
) -> None:
    """The test database is made as a copy of `migrated_template` (Django's TEST TEMPLATE); its
    migrate, run by pytest-django, then finds every migration applied."""
    settings.DATABASES["default"].setdefault("TEST", {})["TEMPLATE"] = migrated_template


@pytest.fixture(autouse=True)
def bitmaps_read_afresh() -> None:
    """Each test's first list reads the filters' bitmaps and its search's ranking whole: those
    an earlier test read saw rows its transaction then rolled back."""
    bitmaps.forget()
    ranking.forget()


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
def migrated_database(django_db_setup: None, request: pytest.FixtureRequest) -> Iterator[str]:
    """The name of a database on the test server with every migration applied and no data but
    what the migrations write, to copy (CREATE DATABASE … TEMPLATE) rather than migrate a new
    database; nothing may connect to it."""
    settings_dict = connection.settings_dict
    if is_test_database(settings_dict):
        yield migrated_name(settings_dict)
        return
    # pytest-django made no test database (no test selected uses one): a copy of the shared one
    # for this worker alone.
    name = f"{migrated_name(settings_dict)}{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    with harness.scratch_database(
        settings_dict, name, template=request.getfixturevalue("migrated_template")
    ):
        yield name


@pytest.fixture(scope="session")
def catalogue_database(
    django_db_setup: None, django_db_blocker: Any, catalogue_template: str
) -> Iterator[str]:
    """The name of this worker's copy of `catalogue_template`, which `catalogue_data` connects
    the tests to."""
    settings_dict = connection.settings_dict
    with harness.scratch_database(
        settings_dict, f"{settings_dict['NAME']}_catalogue", template=catalogue_template
    ):
        yield f"{settings_dict['NAME']}_catalogue"


@contextmanager
def connected_to(name: str) -> Iterator[None]:
    """Django's connection to the database `name` of the test server, instead of the test
    database, inside the block."""
    test_database = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = test_database


@pytest.fixture(scope="module")
def catalogue_data(catalogue_database: str, django_db_blocker: Any) -> Iterator[None]:
    """The catalogue's data (load_catalogue): the module's tests run on this worker's copy of
    it, in a transaction rolled back at the module's end."""
    with django_db_blocker.unblock(), connected_to(catalogue_database), transaction.atomic():
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
