"""Lists are cached per catalogue revision: a repeated page costs almost no query, and no change
to the catalogue, through any path, can leave a stale count or page behind."""

from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test import Client, RequestFactory, modify_settings, override_settings
from django.test.utils import CaptureQueriesContext

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
from .pages import card_titles, in_english, link_texts

pytestmark = pytest.mark.django_db

LIST_PAGES = ["/initiatives/", "/initiatives/?q=logement", "/themes/logement/", "/"]


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
    with django_assert_max_num_queries(1):  # the revision: the whole page is cached
        again = client.get(url)
    assert again.status_code == first.status_code == 200
    assert again.content == first.content


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
    # The browser's language changes nothing: the address says the language.
    french = client.get("/initiatives/", headers={"accept-language": "en"}).content.decode()
    english = client.get(in_english("/initiatives/")).content.decode()
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


def test_a_page_with_an_invalid_parameter_is_never_kept(client, housing):
    assert client.get("/initiatives/?theme=no-such-theme").status_code == 400
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/initiatives/?theme=no-such-theme")
    assert len(queries) > 1  # computed again
    assert again.status_code == 400
    assert "ETag" not in again


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


def test_pages_are_cached_per_address_and_language(client, housing):
    french = client.get("/initiatives/?theme=logement").content.decode()
    english = client.get(in_english("/initiatives/?theme=logement")).content.decode()
    assert "Affiner" in french and "Affiner" not in english
    second_page = client.get("/initiatives/?theme=logement&page=2")
    assert second_page.status_code == 400  # three initiatives: a single page


def test_unknown_parameters_neither_reach_the_page_nor_make_new_entries(
    client, housing, django_assert_max_num_queries
):
    plain = client.get("/initiatives/?theme=logement")
    with django_assert_max_num_queries(1):
        tracked = client.get("/initiatives/?theme=logement&utm_source=x&zz=1")
    assert tracked.content == plain.content
    assert "utm_source" not in tracked.content.decode()


def test_a_page_held_already_is_revalidated_with_a_304(client, housing):
    first = client.get("/themes/logement/")
    etag = first["ETag"]
    assert first["Last-Modified"]
    assert "public" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
    again = client.get("/themes/logement/", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    since = client.get("/themes/logement/", headers={"if-modified-since": first["Last-Modified"]})
    assert since.status_code == 304
    make_initiative("Logement des familles", themes=[housing])
    changed = client.get("/themes/logement/", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "4 initiatives" in changed.content.decode()


def test_a_failing_cache_serves_every_page_without_it(
    client, housing, tmp_path, caplog, monkeypatch
):
    monkeypatch.setattr(caching, "_last_warning", -caching.WARNING_INTERVAL)
    # A file where the cache's folder should be: every write fails, as on a full or read-only disk.
    blocked = tmp_path / "cache"
    blocked.write_text("")
    broken = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(blocked / "inside"),
        }
    }
    with override_settings(CACHES=broken):
        for url in [*LIST_PAGES, "/initiatives/export.csv", "/initiatives/?q=logment"]:
            assert client.get(url).status_code == 200, url
        assert "The cache failed" in caplog.text
        assert client.get("/healthz").json() == {"database": "ok", "cache": "unavailable"}
    assert client.get("/healthz").json() == {"database": "ok", "cache": "ok"}


# Pages answered early, before the session and the middleware below it.

PAGES_ANSWERED_EARLY = [
    "/",
    "/initiatives/",
    "/initiatives/?theme=logement&q=solidaire",
    "/themes/logement/",
    "/initiatives/logement-solidaire-0/",
    "/organisations/partenaire-commun/",
    "/en/initiatives/",
    "/open-data/datapackage.json",
]


def answered_early(response) -> bool:
    """Whether the response was given before SessionMiddleware saw the request."""
    return not hasattr(response.wsgi_request, "session")


@pytest.mark.parametrize("url", PAGES_ANSWERED_EARLY)
def test_a_page_answered_early_has_the_whole_stacks_headers_and_body(housing, url):
    # Production's headers: HTTPS, HSTS; and a page fetched by another site's script.
    headers = {"origin": "https://example.org"}
    with override_settings(SECURE_HSTS_SECONDS=3600):
        with modify_settings(MIDDLEWARE={"remove": "catalogue.middleware.CachedPageMiddleware"}):
            whole_stack = Client(headers=headers)
            computed = whole_stack.get(url, secure=True)
        early = Client(headers=headers).get(url, secure=True)
        tag = {"if-none-match": early["ETag"]}
        not_modified = whole_stack.get(url, secure=True, headers=tag)
        not_modified_early = Client(headers=headers).get(url, secure=True, headers=tag)
    assert computed.status_code == early.status_code == 200
    assert not answered_early(computed) and answered_early(early)
    assert early.content == computed.content
    assert dict(early.items()) == dict(computed.items())
    assert "Strict-Transport-Security" in early and "Content-Security-Policy" in early
    assert not_modified.status_code == not_modified_early.status_code == 304
    assert answered_early(not_modified_early)
    assert dict(not_modified_early.items()) == dict(not_modified.items())


def test_editors_writes_and_unknown_parameters_go_through_the_whole_stack(client, housing):
    page = client.get("/themes/logement/")
    assert answered_early(client.get("/themes/logement/"))
    client.force_login(make_user("editrice", is_staff=True))
    as_editor = client.get("/themes/logement/")
    assert not answered_early(as_editor) and as_editor.content == page.content
    client.logout()
    posted = Client().post("/themes/logement/")
    assert posted.status_code == 405 and not answered_early(posted)
    tracked = client.get("/themes/logement/?utm_source=x")
    assert not answered_early(tracked) and tracked.content == page.content
    # Not the revision held: the whole stack reads it exactly.
    other = client.get("/themes/logement/", headers={"if-none-match": '"an-older-one"'})
    assert other.status_code == 200 and not answered_early(other)


class Clock:
    """A monotonic clock the test moves: `clock.now += seconds`."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def held(monkeypatch, clock):
    """A fresh held revision on `clock`, in place of the process's."""
    revision = caching.HeldRevision()
    revision.clock = clock
    monkeypatch.setattr(caching, "held_revision", revision)
    return revision


@contextmanager
def outside_a_transaction():
    """As a server's requests are: the test's own transaction hidden (reads only, inside)."""
    inside = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        yield
    finally:
        connection.in_atomic_block = inside


def test_a_process_reads_the_revision_at_most_once_a_second(
    housing, held, clock, django_assert_num_queries
):
    revision = CatalogueRevision.objects.current()
    with outside_a_transaction(), django_assert_num_queries(1):
        assert held.current() == (revision, True)
        clock.now += caching.REVISION_HOLD_SECONDS - 0.01
        assert held.current() == (revision, False)
    clock.now += 0.02
    with outside_a_transaction(), django_assert_num_queries(1):
        assert held.current() == (revision, True)
    # Read inside a transaction, whose writes may be rolled back, it is not held.
    clock.now += caching.REVISION_HOLD_SECONDS
    with django_assert_num_queries(2):
        held.current()
        held.current()


def test_an_edit_by_another_process_shows_within_a_second(
    client, housing, held, clock, monkeypatch
):
    assert "3 initiatives" in client.get("/themes/logement/").content.decode()
    with outside_a_transaction():
        held.current()
    with monkeypatch.context() as elsewhere:
        elsewhere.setattr(connection, "execute_wrappers", [])  # a write this process does not see
        make_initiative("Logement des familles", themes=[housing])
    with outside_a_transaction():
        assert "3 initiatives" in client.get("/themes/logement/").content.decode()
        clock.now += caching.REVISION_HOLD_SECONDS
        assert held.current() == (CatalogueRevision.objects.current(), True)
    assert "4 initiatives" in client.get("/themes/logement/").content.decode()


def test_an_edit_made_in_this_process_forgets_the_revision_held(
    housing, held, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as on_commit:
        make_initiative("Logement des familles", themes=[housing])
    assert held.forget in on_commit  # when its transaction commits, as well as at once
    with outside_a_transaction():
        held.current()
        assert held.current()[1] is False
    Organisation.objects.filter(name="Partenaire commun").update(name="Partenaire renommé")
    with outside_a_transaction():
        assert held.current() == (CatalogueRevision.objects.current(), True)
