import pytest
from django.core.management import call_command
from django.db import connection, transaction

from .factories import make_initiative, make_organisation, make_source


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
        city="Marseille",
        partners=[make_organisation("Pôle emploi")],
        sources=[make_source("Catalogue du forum")],
    )
