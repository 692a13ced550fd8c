"""The readers' thesaurus: English and everyday words a reader types find the catalogue's terms,
as editors set them in the admin; its fixture loads twice to the same entries."""

import pytest
from django.core.management import call_command

from initiatives import search
from initiatives.models import CatalogueRevision, ThesaurusEntry

from .factories import make_initiative
from .pages import card_titles

pytestmark = pytest.mark.django_db

LIST = "/initiatives/"


@pytest.fixture
def thesaurus(db):
    ThesaurusEntry.objects.create(words="housing", terms=["logement", "hébergement"])
    ThesaurusEntry.objects.create(words="mental health", terms=["santé mentale", "psychique"])
    ThesaurusEntry.objects.create(words="health", terms=["santé"])
    ThesaurusEntry.objects.create(
        words="cours de français", terms=["apprentissage du français", "FLE"], both_ways=True
    )
    ThesaurusEntry.objects.create(words="undocumented", terms=["sans-papiers"])


def test_an_english_word_finds_the_catalogue_s_terms(client, thesaurus):
    make_initiative("Logement solidaire")
    make_initiative("Centre provisoire d'hébergement")
    make_initiative("Chorale")
    assert set(card_titles(client.get(LIST, {"q": "housing"}))) == {
        "Logement solidaire",
        "Centre provisoire d'hébergement",
    }


def test_a_phrase_finds_its_terms_before_its_words_are_rewritten(client, thesaurus):
    make_initiative("Soins psychiques en exil")
    make_initiative("Santé mentale des réfugiés")
    make_initiative("Santé des femmes")
    found = card_titles(client.get(LIST, {"q": "mental health"}))
    assert set(found) == {"Soins psychiques en exil", "Santé mentale des réfugiés"}


def test_both_ways_a_catalogue_term_finds_the_readers_words(client, thesaurus):
    make_initiative("Cours de français pour adultes")
    make_initiative("Apprentissage du français à visée professionnelle")
    make_initiative("Formateurs FLE")
    # Both ways, the words and the terms are equivalent: each finds them all.
    for typed in ("cours de français", "apprentissage du français", "FLE"):
        assert len(card_titles(client.get(LIST, {"q": typed}))) == 3
    # One way only: « logement » does not find the English word's other terms.
    make_initiative("Centre provisoire d'hébergement")
    make_initiative("Logement des familles")
    assert card_titles(client.get(LIST, {"q": "logement"})) == ["Logement des familles"]


def test_the_words_as_typed_rank_before_the_terms_the_thesaurus_adds(client, thesaurus):
    make_initiative("Atelier du mardi", description="FLE, FLE et FLE : formateurs FLE.")
    make_initiative("Atelier du samedi", description="Un cours de français le samedi.")
    make_initiative("FLE pour adultes")
    make_initiative("Cours de français pour adultes")
    # Title matches first, then the others; in each, the words as typed before a term added.
    assert card_titles(client.get(LIST, {"q": "cours de français"})) == [
        "Cours de français pour adultes",
        "FLE pour adultes",
        "Atelier du samedi",
        "Atelier du mardi",
    ]


def test_a_hyphenated_word_finds_its_terms(client, thesaurus):
    make_initiative("Accès aux droits des sans-papiers")
    assert card_titles(client.get(LIST, {"q": "undocumented"})) == [
        "Accès aux droits des sans-papiers"
    ]


def test_an_entry_added_in_the_admin_finds_its_terms_at_once(admin_client, client):
    make_initiative("Cours de français langue étrangère")
    assert card_titles(client.get(LIST, {"q": "language classes", "verbatim": "1"})) == []
    response = admin_client.post(
        "/admin/initiatives/thesaurusentry/add/",
        {"words": "language classes", "terms": "cours de français,FLE", "both_ways": ""},
    )
    assert response.status_code == 302
    assert card_titles(client.get(LIST, {"q": "language classes", "verbatim": "1"})) == [
        "Cours de français langue étrangère"
    ]


def test_it_expands_a_search_in_one_query(thesaurus, django_assert_num_queries):
    with django_assert_num_queries(1):
        housing, health = search.expand_all(["housing", "health"])
    assert "'log'" in housing.tsquery and "'heberg'" in housing.tsquery
    assert "'sant'" in health.tsquery


def test_an_edit_to_the_thesaurus_moves_the_catalogue_s_revision(thesaurus):
    before = CatalogueRevision.objects.current()
    entry = ThesaurusEntry.objects.get(words="housing")
    entry.terms = ["logement"]
    entry.save()
    assert CatalogueRevision.objects.current() != before


def test_the_fixture_loads_twice_to_the_same_entries(db):
    call_command("loaddata", "fixtures/03_thesaurus.json", verbosity=0)
    first = list(ThesaurusEntry.objects.values_list("words", "terms", "both_ways"))
    call_command("loaddata", "fixtures/03_thesaurus.json", verbosity=0)
    assert list(ThesaurusEntry.objects.values_list("words", "terms", "both_ways")) == first
    assert len(first) >= 60
