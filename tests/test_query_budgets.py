"""Every page's number of queries stays the same whatever the number of rows it shows."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from initiatives import bitmaps
from initiatives.models import Initiative

from .factories import (
    MARSEILLE,
    commune,
    country,
    department,
    make_contact,
    make_initiative,
    make_organisation,
    make_public,
    make_result,
    make_source,
    make_theme,
)

pytestmark = pytest.mark.django_db

# Each page makes exactly its budget of queries, for 5 as for 50 rows of everything: one query
# more or less is a change to look at, and the budget to update with its reason. Lists are
# counted the first time they are asked for, before anything is cached (test_caching checks the
# pages served again).
BUDGETS = {
    # The catalogue's revision, the bitmaps (9: the latest change, then 8 queries, read whole
    # once per process; after an edit, the changes and the initiatives changed), themes and
    # sources (counted from the bitmaps), the départements' coordinates, the map's places,
    # their first initiatives and the initiatives without a place (and their groups, once
    # places are more than geo.MAX_POINTS).
    "home": 16,
    # The revision, filter choices, the catalogue's bitmaps (initiatives.bitmaps: the latest
    # change, then 8 queries, read whole once per process, whatever the filters), the rows of
    # the vocabularies whose options are counted (themes, publics, sources), the page with its
    # cards' themes, places and leads (initiatives.nested); the count and the facets' counts
    # are bitmaps' sizes. A search adds its expansion (acronyms), whether it finds anything at
    # all, and its ranking (initiatives.ranking: the keys of what it finds, read whole the
    # first time, in a transaction of its own asking for parallel workers: the setting, and
    # here the savepoint and its release).
    "list": 16,
    "search": 21,
    # A search by relevance: the same, its page read from the ranking, the cards by key.
    "ranked": 21,
    # A search that finds nothing: its expansion, whether it finds anything, the closest words
    # (none), each word alone (their expansions, their counts: none finds); then, for the empty
    # list, the expansions of its words, the counts without each filter and of each word alone
    # (one query), the communes it may name, the themes; the département facet.
    "nothing": 28,
    # A list by closeness to a commune: the revision, the filter choices, the commune, the
    # bitmaps (9), the ranking of every initiative by closeness to it (initiatives.ranking:
    # read whole the first time, in three queries: the commune, the départements' coordinates,
    # the order), its page read by key, the vocabularies' rows (3).
    "near": 20,
    # A search of which one word finds nothing: as above, then the other words' expansion and
    # whether they find anything, and the list they give with its places; the département facet.
    "fallback": 27,
    "theme": 17,
    # The revision; the initiative with its themes, publics, organisations, contacts, results,
    # citations and places (with_page); which initiatives are close to it (one UNION); those
    # and its parts and related initiatives, with their cards' rows (around).
    "initiative": 4,
    # The revision, filter choices, the bitmaps (9) and the vocabularies' rows (3), as a list;
    # the départements' coordinates (where the places without any stand), the places
    # (grouped), their first initiatives, the initiatives with no place (and the middles of the
    # regions and countries, once places are more than geo.MAX_POINTS: the groups' counts are
    # bitmaps' sizes).
    "map": 19,
    # The revision, filter choices, the chosen options' rows, the bitmaps (9, read whole once
    # per process: the initiatives are read by key), the départements' coordinates, the
    # features: one query, read from a server-side cursor in a transaction (its savepoint and
    # release in a test).
    "geojson": 16,
    # Filter choices, the chosen options' rows, the count, the page with its cards' rows
    # (initiatives.nested), their publics.
    "api-list": 6,
    # The initiative, its themes, publics, organisations, contacts, results, citations, places.
    "api-initiative": 8,
    # The revision (these pages are cached whole and validated as the others); the counts:
    # initiatives and the catalogue's date, results, partnerships, contacts, lead organisations,
    # services.
    "open-data": 7,
    "dcat": 7,
    "datapackage": 1,
    # The revision; the rows in one query, read from a server-side cursor in a transaction (its
    # savepoint and release in a test); data·inclusion's services first read the regions'
    # départements.
    "structures": 4,
    "services": 5,
    "hsds-services": 4,
    # The revision, filter choices, the chosen options' rows, then each of the four tables in
    # one query read from a server-side cursor in a transaction (savepoint, query, release).
    "xlsx": 15,
    # The sitemap's initiatives: their count, then the page of them.
    "sitemap": 2,
    # The revision, the organisation, the number of initiatives it leads and of those it is
    # partner in (one query), then those it has (the first of each, with their cards' rows), and
    # its partnerships in those it is partner in.
    "lead": 4,
    "partner": 5,
}


@pytest.fixture(scope="module", params=[5, 50])
def sized_catalogue(request, django_db_setup, django_db_blocker):
    """A catalogue with 5, then 50, of each kind of row a page lists; its first initiative. Built
    once for all the pages of a size, in a transaction rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        first = build_catalogue(request.param)
        # Check the deferred constraints now, as a commit would.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield first
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def nothing_cached() -> Iterator[None]:
    """Each page is counted before anything is cached, whatever the pages before cached."""
    cache.clear()
    bitmaps.forget()
    yield


def build_catalogue(rows: int) -> Initiative:
    theme, public, source = make_theme("Logement"), make_public("Jeunes"), make_source()
    pilot, partner = make_organisation("Association pilote"), make_organisation("Partenaire commun")
    partners = [partner, *(make_organisation() for _ in range(rows))]
    initiatives = [
        make_initiative(
            f"Logement solidaire {number}",
            themes=[theme, make_theme()],
            publics=[public, make_public()],
            partners=[partner, make_organisation()],
            sources=[source],
            leads=[pilot],
            places=[commune(MARSEILLE), department(f"{number % 19 + 1:02}")],
        )
        for number in range(rows)
    ]
    first = make_initiative(
        "Logement des familles",
        themes=[theme],
        partners=partners,
        sources=[source],
        leads=[pilot],
        description="Logement",
        places=[commune(MARSEILLE), country("BE")],
    )
    for _ in range(rows):
        make_contact(first)
        make_result(first, source=source)
    # A third are its parts, a third related to it, a third only close to it.
    for initiative in initiatives[: rows // 3]:
        initiative.parent = first
        initiative.save()
    first.related.set(initiatives[rows // 3 : 2 * rows // 3])
    assert Initiative.objects.count() == rows + 1
    return first


@pytest.mark.parametrize(
    "page, url",
    [
        ("home", "/"),
        ("list", "/initiatives/?public=jeunes"),
        ("list", "/initiatives/?theme=logement"),
        ("search", "/initiatives/?q=logement&sort=title"),
        ("ranked", "/initiatives/?q=logement"),
        ("near", "/initiatives/?near=13001&theme=logement"),
        ("nothing", "/initiatives/?q=xylophone+zzyzx&theme=logement"),
        ("fallback", "/initiatives/?q=xylophone+logement&theme=logement"),
        ("theme", "/themes/logement/?country=FR"),
        ("initiative", "/initiatives/logement-des-familles/"),
        ("map", "/initiatives/map/?theme=logement"),
        ("geojson", "/initiatives/export.geojson?theme=logement"),
        ("lead", "/organisations/association-pilote/"),
        ("partner", "/organisations/partenaire-commun/"),
        ("api-list", "/api/v1/initiatives/?theme=logement"),
        ("api-initiative", "/api/v1/initiatives/logement-des-familles/"),
        ("open-data", "/open-data/"),
        ("dcat", "/open-data/catalog.jsonld"),
        ("datapackage", "/open-data/datapackage.json"),
        ("structures", "/open-data/data-inclusion/structures.json"),
        ("services", "/open-data/data-inclusion/services.json"),
        ("structures", "/open-data/hsds/organizations.json"),
        ("hsds-services", "/open-data/hsds/services.json"),
        ("xlsx", "/initiatives/export.xlsx?theme=logement"),
        ("sitemap", "/sitemap-initiatives.xml"),
    ],
)
def test_each_page_makes_its_budget_of_queries_for_5_rows_as_for_50(
    client, sized_catalogue, django_assert_num_queries, page, url
):
    with django_assert_num_queries(BUDGETS[page]):
        response = client.get(url)
    assert response.status_code == 200
    if response.streaming:
        with django_assert_num_queries(0):
            b"".join(response.streaming_content)  # read before answering: no query left
