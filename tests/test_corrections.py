"""Corrections that never mislead: a search is corrected only when it finds nothing, never a word
the catalogue knows, only to words that find something, and the page says what it searched, with
a link to the search exactly as typed; a search of several words falls back to those that find
something, and says so."""

import pytest

from initiatives import search
from initiatives.models import Acronym, ThesaurusEntry

from .factories import make_initiative, make_organisation
from .pages import card_titles, links, page_text

pytestmark = pytest.mark.django_db

LIST = "/initiatives/"


def test_a_typo_is_corrected_and_the_page_links_to_the_search_as_typed(client):
    make_initiative("Logement pour tous")
    page = client.get(LIST, {"q": "logment", "theme": []})
    assert card_titles(page) == ["Logement pour tous"]
    assert "Aucun résultat pour « logment ». Résultats pour « logement »." in page_text(page)
    as_typed = links(page)["Rechercher exactement « logment »"]
    assert as_typed == f"{LIST}?q=logment&verbatim=1"
    exactly = client.get(as_typed)
    assert card_titles(exactly) == []
    assert "Résultats pour" not in page_text(exactly)
    assert "Aucune initiative ne correspond à ces critères." in page_text(exactly)
    assert links(exactly)["sans la recherche « logment »"] == LIST


@pytest.mark.parametrize(
    "place, lookalike",
    [("Bordeaux", "Les beaux jours"), ("Lille", "Ville accueillante")],
)
def test_a_place_of_the_reference_is_never_replaced(client, place, lookalike):
    # Every commune of the reference is a word the catalogue knows, whether or not an
    # initiative acts there.
    make_initiative(lookalike)
    page = client.get(LIST, {"q": place})
    assert card_titles(page) == []
    assert "Résultats pour" not in page_text(page)


@pytest.mark.parametrize(
    "typed, lookalike", [("women", "Worden samen"), ("french", "Free-in, free-out")]
)
def test_a_word_of_the_thesaurus_is_never_replaced(client, typed, lookalike):
    ThesaurusEntry.objects.create(words="women", terms=["femmes"])
    ThesaurusEntry.objects.create(words="french", terms=["français"])
    make_initiative(lookalike)
    page = client.get(LIST, {"q": typed})
    assert card_titles(page) == []
    assert "Résultats pour" not in page_text(page)


def test_an_organisation_an_acronym_or_a_place_is_never_replaced(db):
    make_initiative("Programme Kodika", aim="Mentorat des Cafas à Tourcoings")
    typed = ["kodiko", "cafa", "tourcoing"]
    # Tourcoing is a commune of the places' reference: known from the start.
    assert search.corrections(typed) == {"kodiko": "kodika", "cafa": "cafas"}
    make_organisation("Kodiko")
    Acronym.objects.create(acronym="CAFA", expansion="centre d'accueil familial")
    assert search.corrections(typed) == {}


def test_a_word_is_replaced_only_by_a_close_one(db):
    make_initiative("Les beaux jours")
    assert search.corrections(["bordeau"]) == {}


def test_a_word_that_finds_nothing_is_left_out_and_the_page_says_so(client):
    make_initiative("Logement des familles")
    make_initiative("Chorale")
    page = client.get(LIST, {"q": "logement xyzzy"})
    assert card_titles(page) == ["Logement des familles"]
    assert (
        "Aucun résultat pour « logement xyzzy » : aucune initiative ne contient « xyzzy ». "
        "Résultats pour « logement »."
    ) in page_text(page)
    exactly = client.get(links(page)["Rechercher exactement « logement xyzzy »"])
    assert card_titles(exactly) == []


def test_words_corrected_and_left_out_together(client):
    make_initiative("Logement des familles")
    page = client.get(LIST, {"q": "logment xyzzy"})
    assert card_titles(page) == ["Logement des familles"]
    assert "aucune initiative ne contient « xyzzy ». Résultats pour « logement »." in page_text(
        page
    )


def test_a_search_with_operators_is_never_shortened(client):
    make_initiative("Logement des familles")
    for typed in ('"logement xyzzy"', "logement -familles", "xyzzy or zzyzx"):
        page = client.get(LIST, {"q": typed})
        assert card_titles(page) == []
        assert "Résultats pour" not in page_text(page)


def test_the_search_as_typed_is_a_parameter_like_the_others(client):
    make_initiative("Logement pour tous")
    assert client.get(LIST, {"q": "logment", "verbatim": "1"}).status_code == 200
    page = client.get(LIST, {"q": "logment", "verbatim": "oui"})
    assert page.status_code == 400
    assert client.get("/initiatives/export.csv", {"q": "logment", "verbatim": "2"}).status_code == (
        400
    )
