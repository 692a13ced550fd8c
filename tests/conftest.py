import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import translation

from .factories import MARSEILLE, commune, make_initiative, make_organisation, make_source


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
    """Whether the test uses a fixture of the project's (not a plugin's) wider than a test."""
    if not isinstance(item, pytest.Function):
        return False
    definitions = item._fixtureinfo.name2fixturedefs.values()
    return any(
        definition.scope != "function" and definition.baseid
        for definitions_of_name in definitions
        for definition in definitions_of_name
    )


@pytest.fixture(autouse=True)
def site_language():
    """Each test starts in the site's language, French, whatever language an earlier request
    left active in its worker's thread."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


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
