"""An empty list says so and offers what would give results: the list without each of its
filters (with counts), the initiatives closest to the commune searched, each typed word alone,
the themes."""

import pytest

from .factories import MARSEILLE, commune, department, make_initiative, make_public, make_theme
from .pages import card_titles, links, page_text

pytestmark = pytest.mark.django_db

LIST = "/initiatives/"


@pytest.fixture
def catalogue(db):
    housing, language = make_theme("Logement"), make_theme("Langue")
    youth = make_public("Jeunes")
    make_initiative("Logement solidaire", themes=[housing])
    make_initiative("Logement des jeunes", themes=[housing], publics=[youth])
    make_initiative("Cours de français", themes=[language], publics=[youth])
    make_initiative("Chorale", themes=[language])


def empty_state(page):
    return page.content.decode().split('class="empty-state"')[1]


def test_it_offers_the_list_without_each_filter_with_its_count(client, catalogue):
    page = client.get(LIST, {"q": "chorale", "theme": "langue", "public": "jeunes"})
    assert card_titles(page) == []
    offered = empty_state(page)
    assert "Aucune initiative ne correspond à ces critères." in page_text(offered)
    assert "sans la recherche « chorale » (1)" in page_text(offered)
    assert "sans le filtre Public : Jeunes (1)" in page_text(offered)
    assert "sans le filtre Thème" not in page_text(offered)  # gives nothing either
    without_public = links(offered)["sans le filtre Public : Jeunes"]
    assert without_public == f"{LIST}?q=chorale&theme=langue"
    assert card_titles(client.get(without_public)) == ["Chorale"]
    assert card_titles(client.get(links(offered)["sans la recherche « chorale »"])) == [
        "Cours de français"
    ]


def test_it_offers_each_word_alone(client, catalogue):
    page = client.get(LIST, {"q": "chorale solidaire"})
    assert card_titles(page) == []
    offered = empty_state(page)
    assert "« chorale » (1)" in page_text(offered)
    assert "« solidaire » (1)" in page_text(offered)
    assert card_titles(client.get(links(offered)["« chorale »"])) == ["Chorale"]


def test_it_offers_the_themes_with_their_counts(client, catalogue):
    offered = empty_state(client.get(LIST, {"q": "xylophone"}))
    assert "Parcourir les thèmes" in page_text(offered)
    assert "Logement (2)" in page_text(offered) and "Langue (2)" in page_text(offered)
    assert links(offered)["Logement"] == "/themes/logement/"


def test_a_list_with_results_offers_nothing_else(client, catalogue):
    page = client.get(LIST, {"q": "logement"})
    assert "Parcourir les thèmes" not in page_text(page)


def test_a_search_naming_a_commune_offers_the_initiatives_closest_to_it(client):
    make_initiative("A Marseille", places=[commune(MARSEILLE)])
    make_initiative("En Gironde", places=[department("33")])
    for typed in ("Pau", "64000"):
        offered = empty_state(client.get(LIST, {"q": typed, "sort": "title"}))
        assert "Au plus près de ce lieu" in page_text(offered)
        assert "les initiatives les plus proches de Pau (64) (2)" in page_text(offered)
        closest = links(offered)["les initiatives les plus proches de Pau (64)"]
        assert closest == f"{LIST}?near=Pau+%2864%29"
        assert card_titles(client.get(closest)) == ["En Gironde", "A Marseille"]
    # A name several communes bear says nothing of where the reader is.
    offered = empty_state(client.get(LIST, {"q": "Saint-Denis"}))
    assert "Au plus près de ce lieu" not in page_text(offered)
