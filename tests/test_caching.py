"""Lists are cached per catalogue revision: a repeated page costs almost no query, and no change
to the catalogue, through any path, can leave a stale count or page behind."""

import re

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import translation

from initiatives import caching
from initiatives.filters import InitiativeFilter
from initiatives.models import CatalogueRevision, Initiative, Organisation

from .factories import (
    make_contact,
    make_initiative,
    make_organisation,
    make_public,
    make_theme,
    make_user,
)
from .pages import card_titles, link_texts

pytestmark = pytest.mark.django_db

# The language switcher's CSRF token is masked differently in every response.
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')

LIST_PAGES = ["/initiatives/", "/initiatives/?q=logement", "/themes/logement/", "/"]
# Served again: the revision; a theme page reads its theme, and validates it as a filter. A
# search served again is not expanded: its rendered results are all the page needs.
QUERIES_AGAIN = {"/initiatives/": 1, "/initiatives/?q=logement": 1, "/themes/logement/": 3, "/": 1}


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


def test_a_new_initiative_counts_at_once_in_its_theme_on_the_home_page(django_app, housing):
    assert link_texts(django_app.get("/"), "/themes/logement/") == ["Logement 3 initiatives"]
    make_initiative("Logement des familles", themes=[housing])
    assert link_texts(django_app.get("/"), "/themes/logement/") == ["Logement 4 initiatives"]


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
    initiative = Initiative.objects.earliest("pk")
    revision = CatalogueRevision.objects.current()
    make_user("editrice", is_staff=True)  # accounts are not on lists
    assert CatalogueRevision.objects.current() == revision
    make_contact(initiative)  # a contact's address is searched
    assert CatalogueRevision.objects.current() != revision
    revision = CatalogueRevision.objects.current()
    initiative.publics.add(make_public())
    assert CatalogueRevision.objects.current() != revision


def test_each_language_has_its_own_page(client, housing):
    french = client.get("/initiatives/", headers={"accept-language": "fr"}).content.decode()
    english = client.get("/initiatives/", headers={"accept-language": "en"}).content.decode()
    assert "Affiner" in french and "Affiner" not in english


# caching as a unit.


def list_cache(query):
    """The ListCache of a request for the list with `query`, and its filterset."""
    request = RequestFactory().get("/initiatives/", query)
    filterset = InitiativeFilter(
        request.GET, queryset=Initiative.objects.published(), request=request
    )
    return caching.ListCache(request, filterset), filterset


class Counter:
    """A computation that says how many times it ran."""

    def __init__(self, value=3):
        self.value, self.runs = value, 0

    def __call__(self):
        self.runs += 1
        return self.value


def test_the_revision_tables_are_those_whose_triggers_move_the_revision(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT trigger_table.relname
            FROM pg_trigger
            JOIN pg_class AS trigger_table ON trigger_table.oid = pg_trigger.tgrelid
            JOIN pg_proc ON pg_proc.oid = pg_trigger.tgfoid
            WHERE pg_proc.proname = 'initiatives_new_catalogue_revision'
              AND NOT pg_trigger.tgisinternal
            """
        )
        tables = {table for (table,) in cursor.fetchall()}
    assert tables == set(caching.REVISION_TABLES)


def test_the_revision_is_read_once_per_request(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(1):
        assert caching.revision(request) == caching.revision(request) is not None


def test_a_value_is_computed_once_per_revision(housing):
    cache, _filterset = list_cache({"theme": "logement"})
    count = Counter()
    assert cache.count(count) == cache.count(count) == 3
    assert count.runs == 1
    make_initiative("Logement des familles", themes=[housing])
    again, _filterset = list_cache({"theme": "logement"})
    assert again.count(count) == 3 and count.runs == 2


def test_nothing_is_cached_while_a_parameter_is_invalid(housing):
    cache, filterset = list_cache({"theme": "no-such-theme"})
    count = Counter()
    cache.count(count)
    cache.count(count)
    assert count.runs == 2
    cache.keep_rendered_results("<form>…</form>")
    assert cache.rendered_results() is None
    # An error found later (an invalid page) counts as well.
    cache, filterset = list_cache({"theme": "logement"})
    filterset.form.add_error(None, "Page invalide")
    cache.keep_rendered_results("<form>…</form>")
    assert cache.rendered_results() is None


def test_the_same_filters_in_another_order_share_their_values(housing):
    make_theme("Langue")
    first, _filterset = list_cache({"theme": ["logement", "langue"], "sort": "title"})
    second, _filterset = list_cache({"theme": ["langue", "logement"]})
    count = Counter()
    first.count(count)
    second.count(count)
    assert count.runs == 1
    other, _filterset = list_cache({"theme": "langue"})
    other.count(count)
    assert count.runs == 2


def test_facets_are_cached_per_language(housing):
    cache, _filterset = list_cache({})
    options = Counter(["options"])
    for language in ("fr", "en", "fr"):
        with translation.override(language):
            cache.facet("status", options)
    assert options.runs == 2


def test_rendered_results_are_cached_per_address_and_language(housing):
    cache, _filterset = list_cache({"theme": "logement"})
    with translation.override("fr"):
        assert cache.rendered_results() is None
        cache.keep_rendered_results("<form>Logement</form>")
        assert cache.rendered_results() == "<form>Logement</form>"
        other, _filterset = list_cache({"theme": "logement", "page": "1"})
        assert other.rendered_results() is None
    with translation.override("en"):
        assert cache.rendered_results() is None
