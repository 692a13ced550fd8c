"""Lists are cached per catalogue revision: a repeated page costs almost no query, and no change
to the catalogue, through any path, can leave a stale count or page behind."""

import re

import pytest
from django.db import connection, transaction

from initiatives.models import CatalogueRevision, Initiative, Organisation

from .conftest import (
    card_titles,
    make_contact,
    make_initiative,
    make_organisation,
    make_public,
    make_theme,
)

pytestmark = pytest.mark.django_db

# The language switcher's CSRF token is masked differently in every response.
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')

LIST_PAGES = ["/initiatives/", "/initiatives/?q=logement", "/themes/logement/", "/"]
# Served again: the revision; a search expands its acronyms; a theme page reads its theme, and
# validates it as a filter.
QUERIES_AGAIN = {"/initiatives/": 1, "/initiatives/?q=logement": 2, "/themes/logement/": 3, "/": 1}


@pytest.fixture
def housing():
    theme = make_theme("Logement")
    partner = make_organisation("Partenaire commun")
    for number in range(3):
        make_initiative(f"Logement solidaire {number}", themes=[theme], partners=[partner])
    return theme


@pytest.mark.parametrize("url", LIST_PAGES)
def test_a_page_served_again_is_the_same_and_costs_almost_no_query(
    client, housing, django_assert_max_num_queries, url
):
    first = client.get(url)
    with django_assert_max_num_queries(QUERIES_AGAIN[url]):
        again = client.get(url)
    assert again.status_code == first.status_code == 200
    assert CSRF_TOKEN.sub(b"", again.content) == CSRF_TOKEN.sub(b"", first.content)


@pytest.mark.parametrize("url", LIST_PAGES)
def test_a_new_initiative_shows_at_once(client, housing, url):
    assert "3 initiatives" in client.get(url).content.decode()
    make_initiative("Logement des familles", themes=[housing])
    assert "4 initiatives" in client.get(url).content.decode()


def test_a_renamed_partner_shows_at_once_in_the_facets(client, housing):
    assert "Partenaire commun" in client.get("/initiatives/").content.decode()
    Organisation.objects.filter(name="Partenaire commun").update(name="Partenaire renommé")
    page = client.get("/initiatives/").content.decode()
    assert "Partenaire renommé" in page and "Partenaire commun" not in page


def test_a_change_rolled_back_leaves_no_trace(client, housing):
    before = card_titles(client.get("/initiatives/"))
    with transaction.atomic():
        make_initiative("Logement éphémère", themes=[housing])
        assert "Logement éphémère" in card_titles(client.get("/initiatives/"))
        transaction.set_rollback(True)
    assert card_titles(client.get("/initiatives/")) == before


def test_a_change_by_sql_alone_shows_at_once(client, housing):
    assert "3 initiatives" in client.get("/themes/logement/").content.decode()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE initiatives_initiative SET is_published = false WHERE id IN "
            "(SELECT min(id) FROM initiatives_initiative)"
        )
    assert "2 initiatives" in client.get("/themes/logement/").content.decode()


def test_only_writes_to_what_lists_show_change_the_revision(housing):
    initiative = Initiative.objects.first()
    revision = CatalogueRevision.objects.current()
    make_contact(initiative)  # contacts are not on lists
    assert CatalogueRevision.objects.current() == revision
    initiative.publics.add(make_public())
    assert CatalogueRevision.objects.current() != revision


def test_each_language_has_its_own_page(client, housing):
    french = client.get("/initiatives/", headers={"accept-language": "fr"}).content.decode()
    english = client.get("/initiatives/", headers={"accept-language": "en"}).content.decode()
    assert "Affiner" in french and "Affiner" not in english
