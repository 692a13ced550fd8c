"""A search's ranking follows every change, reading only what changed, and its list pages as
PostgreSQL orders the same search."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives import ranking
from initiatives.models import CatalogueChange, Initiative
from initiatives.ranking import BY_TITLE, RankedInitiatives, Ranking, by_title
from initiatives.search import expand

from .factories import make_initiative, make_theme
from .pages import card_titles

pytestmark = pytest.mark.django_db


def in_sql_order(query: str, **filters) -> list[int]:
    """The keys of the published initiatives `query` finds, as the list orders them in SQL."""
    searched = expand(query)
    return list(
        Initiative.objects.published()
        .filter(**filters)
        .search(searched)
        .order_by("-rank", "title", "pk")
        .values_list("pk", flat=True)
    )


@pytest.fixture
def housing_catalogue():
    """Initiatives about housing: some with the word in their title, most tied (the same words
    in the same fields) so that their titles order them."""
    housing, work = make_theme("Logement"), make_theme("Emploi")
    initiatives = [
        make_initiative(f"Projet {letter}", themes=[work], aim="Un logement pour chacun.")
        for letter in "HCFADGBE"
    ]
    initiatives.append(make_initiative("Logement d'abord", themes=[housing]))
    initiatives.append(make_initiative("Chantier école", themes=[work], aim="Un métier."))
    return {"housing": housing, "work": work, "initiatives": initiatives}


def test_a_ranking_holds_the_search_in_the_lists_order(housing_catalogue):
    ranking = Ranking.read(expand("logement").key)
    assert list(ranking.keys) == in_sql_order("logement")
    assert Initiative.objects.get(pk=ranking.keys[0]).title == "Logement d'abord"
    titles = list(
        Initiative.objects.filter(pk__in=list(ranking.keys[1:])).values_list("title", flat=True)
    )
    assert [Initiative.objects.get(pk=key).title for key in ranking.keys[1:]] == sorted(titles)
    assert set(ranking.found) == set(ranking.keys)
    assert list(ranking.ranks) == sorted(ranking.ranks, reverse=True)


def test_edits_are_ranked_alone_and_give_what_a_whole_read_gives(
    housing_catalogue, django_assert_max_num_queries
):
    query = expand("logement").key
    before = Ranking.read(query)
    first, second, third = housing_catalogue["initiatives"][:3]
    first.title = "Projet Z"  # still tied: moves to the end of its equals
    first.save()
    second.is_published = False
    second.save()
    # Written by hand, as a script would: the triggers see it all the same.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE initiatives_initiative SET aim = 'Un métier.' WHERE id = %s", [third.pk]
        )
    newcomer = make_initiative("Logement solidaire", themes=[housing_catalogue["housing"]])
    make_initiative("Projet AA", aim="Un logement pour chacun.")  # tied, first of its equals
    # The changes, the changed initiatives ranked, and for each of the three among others as
    # relevant, its place among their titles (two queries at most).
    with django_assert_max_num_queries(8):
        after = before.updated()
    assert list(after.keys) == in_sql_order("logement") == list(Ranking.read(query).keys)
    assert second.pk not in after.found and third.pk not in after.found
    assert newcomer.pk in after.found
    assert after.last_change == CatalogueChange.objects.last_number()


def test_the_order_by_title_follows_edits_as_postgresql_orders_titles(
    housing_catalogue, django_assert_max_num_queries
):
    def in_title_order() -> list[int]:
        published = Initiative.objects.published().order_by("title", "pk")
        return list(published.values_list("pk", flat=True))

    before = by_title(None)
    assert list(before.keys) == in_title_order()
    first, second = housing_catalogue["initiatives"][:2]
    first.title = "Abri"  # first of all now
    first.save()
    second.is_published = False
    second.save()
    newcomer = make_initiative("Projet A", slug="projet-a-bis")  # tied: after it, by key
    with django_assert_max_num_queries(8):
        after = before.updated()
    assert list(after.keys) == in_title_order() == list(Ranking.read(BY_TITLE).keys)
    some = type(after.found)([newcomer.pk, first.pk, housing_catalogue["initiatives"][-1].pk])
    assert after.first(2, some) == [key for key in in_title_order() if key in some][:2]
    assert after.first(5, type(some)([second.pk])) == [second.pk]  # unpublished: last


def test_nothing_changed_ranks_nothing_again(housing_catalogue, django_assert_num_queries):
    before = Ranking.read(expand("logement").key)
    with django_assert_num_queries(1):
        assert before.updated() is before


def test_pages_among_other_filters_are_the_sql_lists_pages(housing_catalogue):
    query = expand("logement").key
    ranking = Ranking.read(query)
    work = housing_catalogue["work"]
    expected = in_sql_order("logement", themes=work)
    allowed = ranking.found & type(ranking.found)(work.initiatives.values_list("pk", flat=True))
    pages = RankedInitiatives(ranking, allowed, Initiative.objects.all(), len(allowed))
    assert len(pages) == len(expected) == 8
    assert [card.pk for card in pages[0:3]] == expected[0:3]
    assert [card.pk for card in pages[3:6]] == expected[3:6]
    assert [card.pk for card in pages[6:9]] == expected[6:8]
    assert pages[1].pk == expected[1]


def test_a_search_after_an_edit_shows_the_edit_ranking_only_it(client, housing_catalogue):
    url = "/initiatives/?q=logement"
    assert card_titles(client.get(url))[0] == "Logement d'abord"
    renamed = housing_catalogue["initiatives"][0]
    renamed.title = "Logement partagé"
    renamed.save()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert card_titles(response)[:2] == ["Logement d'abord", "Logement partagé"]
    # Ranked again: the initiative changed alone, not every match.
    ranks = [query["sql"] for query in queries if "ts_rank" in query["sql"]]
    assert len(ranks) == 1
    assert f"IN ({renamed.pk})" in ranks[0]


def test_a_search_sorted_otherwise_or_filtered_counts_from_its_ranking(client, housing_catalogue):
    by_title = card_titles(client.get("/initiatives/?q=logement&sort=title"))
    assert by_title == sorted(by_title) and len(by_title) == 9
    response = client.get("/initiatives/?q=logement&theme=emploi")
    assert len(card_titles(response)) == 8
    assert "8 initiatives" in response.content.decode()


def test_a_process_holds_its_latest_rankings_within_their_bytes(housing_catalogue, monkeypatch):
    revision = uuid.uuid4()
    housing = ranking.for_search(expand("logement").key, revision)
    # Room for one ranking and a half: the latest is held, the older one dropped.
    monkeypatch.setattr(ranking, "HELD_BYTES", housing.size * 3 // 2)
    work = ranking.for_search(expand("emploi").key, revision)
    assert housing.size > 0 and work.size > 0
    assert [query for _database, query in ranking._held] == [expand("emploi").key]
    # However large, the latest is held.
    monkeypatch.setattr(ranking, "HELD_BYTES", 1)
    ranking.for_search(expand("logement").key, revision)
    assert [query for _database, query in ranking._held] == [expand("logement").key]
    ranking.forget()
