"""What a search reads of an initiative, as a reader would check it on the list page: besides its
title and texts, its places (commune, département name and number, region, country in French and
English), its themes and publics (French and English names), its results, its organisations and
its contacts' addresses; texts in another language stemmed in their own; kept current by the
database whatever writes the rows; and the order in which matches come."""

import pytest
from django.contrib.postgres.search import SearchVectorExact
from django.db import connection
from django.db.models import F, Value

from initiatives.models import (
    Initiative,
    InitiativePlace,
    Language,
    Place,
    TargetPublic,
    Theme,
    ThesaurusEntry,
)
from initiatives.search import ExpandedQuery, VectorWeights, expand, in_headings

from .factories import (
    LILLE,
    LYON,
    MARSEILLE,
    commune,
    country,
    department,
    make_contact,
    make_initiative,
    make_organisation,
    make_public,
    make_result,
    make_theme,
)
from .pages import card_titles, in_english, page_text

pytestmark = pytest.mark.django_db

LIST = "/initiatives/"


def found(client, text: str) -> list[str]:
    """The titles the list page shows for the search `text`, as typed."""
    return card_titles(client.get(LIST, {"q": text, "verbatim": "1"}))


def test_a_place_is_found_by_its_commune_departement_region_and_country(client):
    make_initiative("Bail glissant", places=[commune(MARSEILLE)])
    make_initiative("Pôle solidarités", places=[department("33")])
    make_initiative("Équipes mobiles", places=[country("BE")])
    make_initiative("Chorale")
    assert found(client, "Marseille") == ["Bail glissant"]
    assert found(client, "Bouches-du-Rhône") == ["Bail glissant"]
    assert found(client, "bouches du rhone") == ["Bail glissant"]
    assert found(client, "13") == ["Bail glissant"]
    assert found(client, "Provence-Alpes-Côte d'Azur") == ["Bail glissant"]
    assert found(client, "Gironde") == ["Pôle solidarités"]
    assert found(client, "Nouvelle-Aquitaine") == ["Pôle solidarités"]
    assert found(client, "Belgique") == ["Équipes mobiles"]
    assert found(client, "Belgium") == ["Équipes mobiles"]
    assert sorted(found(client, "France")) == ["Bail glissant", "Pôle solidarités"]


def test_a_commune_also_finds_what_acts_in_its_whole_departement(client):
    make_initiative("Accelair", places=[department("69")])
    make_initiative("Bail glissant", places=[department("13")], aim="Des cours de français.")
    make_initiative("Chorale", places=[commune(LYON)])
    assert found(client, "Lyon") == ["Chorale", "Accelair"]
    assert found(client, "lyon") == ["Chorale", "Accelair"]
    # Not its région, not a neighbouring département.
    assert found(client, "Villeurbanne") == ["Accelair"]
    assert found(client, "Grenoble") == []
    # « Cours » names three communes, one in the Rhône: the word stays a word.
    assert found(client, "cours de français") == ["Bail glissant"]


def test_themes_and_publics_are_found_by_their_french_and_english_names(client):
    housing = make_theme("Accès au logement", name_en="Access to housing")
    families = make_public("Familles", name_en="Families")
    make_initiative("Bail glissant", themes=[housing])
    make_initiative("Séjour de vacances", publics=[families])
    make_initiative("Chorale")
    assert found(client, "logement") == ["Bail glissant"]
    assert found(client, "housing") == ["Bail glissant"]
    assert found(client, "famille") == ["Séjour de vacances"]
    assert found(client, "families") == ["Séjour de vacances"]
    # English names are stemmed in English: « family » finds « Families ».
    assert found(client, "family") == ["Séjour de vacances"]


def test_results_organisations_and_contact_addresses_are_found(client):
    initiative = make_initiative("Bail glissant")
    make_result(initiative, text="35 ménages relogés en 2018")
    make_contact(initiative, address="1 rue Saint Ferréol - 13001 Marseille")
    make_initiative("Chorale", partners=[make_organisation("Fondation Abbé Pierre")])
    assert found(client, "ménages relogés") == ["Bail glissant"]
    assert found(client, "Marseille") == ["Bail glissant"]
    assert found(client, "abbé pierre") == ["Chorale"]


def test_a_text_in_another_language_is_stemmed_in_its_language(client):
    make_initiative(
        "IntergraPsy",
        language=Language.DUTCH,
        aim="De ambassadeurs spreken minder gangbare talen.",
        aim_translation="Les ambassadeurs parlent des langues peu répandues.",
    )
    make_initiative("Chorale", aim="Chanter en plusieurs langues.")
    # Dutch stemming: « taal » (a language) finds « talen » (languages).
    assert found(client, "taal") == ["IntergraPsy"]
    # The French translation in French.
    assert sorted(found(client, "langue")) == ["Chorale", "IntergraPsy"]


def test_the_database_keeps_what_is_searched_current_whatever_writes_the_rows(client):
    initiative = make_initiative("Bail glissant")
    theme = make_theme("Accès au logement")
    # Rows written by SQL, not by Django: the triggers see them all the same.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Theme.initiatives.through._meta.db_table} (initiative_id, theme_id)"
            " VALUES (%s, %s)",
            [initiative.pk, theme.pk],
        )
    assert found(client, "logement") == ["Bail glissant"]
    Theme.objects.filter(pk=theme.pk).update(name="Habitat", name_en="Home")
    assert found(client, "logement") == []
    assert found(client, "habitat") == found(client, "home") == ["Bail glissant"]

    public = make_public("Familles")
    initiative.publics.add(public)
    assert found(client, "familles") == ["Bail glissant"]
    TargetPublic.objects.filter(pk=public.pk).update(name_en="Households")
    assert found(client, "households") == ["Bail glissant"]
    initiative.publics.clear()
    assert found(client, "familles") == []

    link = InitiativePlace.objects.create(initiative=initiative, place=commune(LILLE))
    assert found(client, "Lille") == found(client, "Nord") == ["Bail glissant"]
    link.delete()
    assert found(client, "Lille") == []

    InitiativePlace.objects.create(initiative=initiative, place=country("NL"))
    Place.objects.filter(kind="country", code="NL").update(name_en="Holland")
    assert found(client, "Holland") == ["Bail glissant"]

    organisation = make_organisation("Habitat et humanisme")
    make_initiative("Chorale", partners=[organisation])
    type(organisation).objects.filter(pk=organisation.pk).update(name="Emmaüs")
    assert found(client, "Emmaüs") == ["Chorale"]


def test_title_theme_or_place_matches_come_before_other_matches(client):
    make_initiative(
        "Chorale",
        aim="Un logement, puis un autre logement",
        description="Logement, logement, logement.",
    )
    make_initiative("Atelier", themes=[make_theme("Accès au logement")])
    make_initiative("Logement d'abord")
    make_initiative("Chorale du dimanche", description="Répétitions à Marseille, à Marseille.")
    make_initiative("Atelier mobile", places=[commune(MARSEILLE)])
    titles = found(client, "logement")
    assert sorted(titles[:2]) == ["Atelier", "Logement d'abord"]
    assert titles[2:] == ["Chorale"]
    assert found(client, "Marseille") == ["Atelier mobile", "Chorale du dimanche"]


@pytest.mark.parametrize(
    "typed", ["logement", '"bail glissant"', "logement -emploi", "logement or emploi", "d'abord"]
)
def test_a_heading_match_is_found_in_the_whole_vector_by_its_words_in_weight_a(typed):
    make_initiative("Bail glissant", description="Un logement, un emploi.")
    make_initiative("Logement d'abord", description="Sans emploi ni bail glissant.")
    make_initiative("Emploi et logement", description="It's a bail, glissant.")
    make_initiative("Atelier", themes=[make_theme("Accès au logement")])
    query = expand(typed)
    vector = F("search_vector")
    heading_words = ExpandedQuery(in_headings(query.tsquery))
    rows = Initiative.objects.annotate(
        in_weight_a=SearchVectorExact(vector, heading_words),
        in_headings=SearchVectorExact(VectorWeights(vector, Value(["a"])), query),
    ).values_list("in_weight_a", "in_headings")
    assert [first for first, _ in rows] == [second for _, second in rows]
    assert any(first for first, _ in rows)


def test_words_next_to_each_other_rank_before_words_apart(client):
    make_initiative(
        "Soirées", description="Des cours pour adultes. Puis le français de tous les jours."
    )
    make_initiative("Ateliers", description="Des cours de français chaque semaine.")
    assert found(client, "cours français") == ["Ateliers", "Soirées"]


def test_a_thesaurus_entry_both_ways_keeps_the_word_typed(client):
    ThesaurusEntry.objects.create(
        words="bénévoles", terms=["volontaires", "bénévolat"], both_ways=True
    )
    ThesaurusEntry.objects.create(words="volunteers", terms=["bénévoles", "volontaires"])
    make_initiative("Pôle solidarités", aim="Une centaine de bénévoles interviennent.")
    make_initiative("Service civique", aim="Des volontaires en service civique.")
    searched = card_titles(client.get(LIST, {"q": "bénévoles"}))
    assert sorted(searched) == ["Pôle solidarités", "Service civique"]
    assert sorted(card_titles(client.get(LIST, {"q": "volunteers"}))) == sorted(searched)


def test_english_pages_name_themes_and_publics_in_english(client):
    housing = make_theme("Accès au logement", name_en="Access to housing")
    women = make_public("Femmes", name_en="Women")
    initiative = make_initiative("Bail glissant", themes=[housing], publics=[women])
    address = initiative.get_absolute_url()
    page = page_text(client.get(in_english(address)))
    assert "Access to housing" in page and "Women" in page
    assert "Accès au logement" not in page and "Femmes" not in page
    assert "Access to housing" in page_text(client.get(in_english(LIST)))
    french = page_text(client.get(address))
    assert "Accès au logement" in french and "Access to housing" not in french


def test_a_search_vector_is_read_from_its_initiatives_row():
    # About 3 KB of words: a search vector over the 2 KB beyond which PostgreSQL would keep it
    # apart by default, each search then reading it from there.
    words = " ".join(f"mot{number} accompagnement{number}" for number in range(150))
    initiative = make_initiative("Long récit", description=words)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(search_vector), reltoastrelid::regclass::text"
            " FROM initiatives_initiative, pg_class"
            " WHERE initiatives_initiative.id = %s AND pg_class.relname = %s",
            [initiative.pk, "initiatives_initiative"],
        )
        size, toast = cursor.fetchone()
        assert size > 2_500
        cursor.execute(f"SELECT count(*) FROM {toast}")
        assert cursor.fetchone()[0] == 0
