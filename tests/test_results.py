"""Results by nature: the initiative's page, /initiatives/results.csv and the rules they keep."""

import csv
import html
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from initiatives.models import Result

from .factories import make_initiative, make_result, make_source, make_theme
from .pages import in_english

pytestmark = pytest.mark.django_db

RESULTS = "/initiatives/results.csv"


def section_text(content: str, nature: str) -> str:
    """The text a reader sees in one section of results ("achieved", "target", "context")."""
    match = re.search(
        rf'<section class="results results-{nature}".*?</section>', content, flags=re.S
    )
    if not match:
        return ""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group())).split())


def read_results(response, delimiter=","):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "spreadsheet-ready by default: a byte-order mark"
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=delimiter))


@pytest.fixture
def employment(db):
    """An initiative with an achieved result, two targets with their horizon, and context."""
    source = make_source("Interreg 2019")
    initiative = make_initiative("Emploi des réfugiés", sources=[source])
    make_result(
        initiative,
        text="Ce réseau met en relation plus de 109 salariés sur 29 sites.",
        qualifier="more-than",
        value=109,
        measure="salariés",
        source=source,
    )
    make_result(
        initiative,
        text="Ce réseau met en relation plus de 109 salariés sur 29 sites.",
        value=29,
        measure="sites",
        source=source,
    )
    make_result(
        initiative,
        nature="target",
        text="Met dit project wil het tegen 2021 ten minste 230 vluchtelingen ondersteunen.",
        text_translation="Avec ce projet, il veut aider d'ici 2021 au moins 230 réfugiés.",
        text_language="nl",
        qualifier="at-least",
        value=230,
        measure="réfugiés aidés",
        as_of=date(2021, 1, 1),
        as_of_precision="year",
        source=source,
    )
    make_result(
        initiative,
        nature="target",
        text="Accompagner des jeunes chaque année.",
        value=20,
        value_max=50,
        measure="jeunes par an",
        as_of=date(2021, 1, 1),
        as_of_precision="year",
        source=source,
    )
    make_result(
        initiative,
        nature="context",
        text="Il gère l'un des 28 centres provisoires d'hébergement du dispositif national.",
        value=28,
        measure="centres provisoires d'hébergement",
        source=source,
    )
    make_result(
        initiative,
        text="23 jeunes ont intégré ce parcours.",
        value=23,
        measure="jeunes",
        as_of=date(2018, 10, 1),
        as_of_precision="quarter",
        source=source,
    )
    return initiative


def test_the_page_shows_results_targets_and_context_apart(client, employment):
    content = client.get(employment.get_absolute_url()).content.decode()
    achieved = section_text(content, "achieved")
    targets = section_text(content, "target")
    context = section_text(content, "context")
    assert achieved.startswith("Résultats ")
    assert "plus de 109 salariés" in achieved and "23 jeunes" in achieved
    assert targets.startswith("Objectifs annoncés ")
    assert "au moins 230 réfugiés" in targets and "(d'ici 2021)" in targets
    assert "230" not in achieved and "230" not in context
    assert context.startswith("Contexte (ne décrit pas un résultat de l'initiative)")
    assert "28 centres" in context and "28" not in achieved


def test_the_page_prints_each_figure_once(client, employment):
    make_result(employment, text="500 baux glissants", value=500, measure="baux glissants")
    content = client.get(employment.get_absolute_url()).content.decode()
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())
    assert text.count("500 baux glissants") == 1
    # One sentence giving two figures is one statement.
    assert text.count("plus de 109 salariés sur 29 sites") == 1


def test_the_page_says_a_range_and_a_quarter_in_words(client, employment):
    content = client.get(employment.get_absolute_url()).content.decode()
    # The sentence does not give the range: the figure is added, in words.
    assert "20 à 50 jeunes par an" in section_text(content, "target")
    assert "(4e trimestre 2018)" in section_text(content, "achieved")
    english = client.get(in_english(employment.get_absolute_url()))
    english = english.content.decode()
    assert "(Q4 2018)" in section_text(english, "achieved")
    assert "20 to 50 jeunes par an" in section_text(english, "target")


def test_the_page_adds_no_figure_a_sentence_gives_in_words(client, initiative):
    make_result(
        initiative,
        text="Une centaine de bénévoles interviennent.",
        qualifier="about",
        value=100,
        measure="bénévoles",
    )
    make_result(initiative, text="Réunification familiale pour 1/3 des mesures", value="33.33")
    content = client.get(initiative.get_absolute_url()).content.decode()
    achieved = section_text(content, "achieved")
    assert "Une centaine de bénévoles interviennent." in achieved
    assert "environ 100" not in achieved
    assert "1/3 des mesures 33,33" in achieved


def test_the_page_gives_a_translation_as_the_catalogue_s_with_the_original(client, employment):
    content = client.get(employment.get_absolute_url()).content.decode()
    assert '<span lang="fr">Avec ce projet, il veut aider d&#x27;ici 2021' in content
    assert '<span lang="nl">Met dit project wil het tegen 2021' in content
    assert "traduction du catalogue" in section_text(content, "target")


def test_the_page_has_no_results_section_without_results(client, db):
    content = client.get(make_initiative().get_absolute_url()).content.decode()
    assert 'class="results' not in content


def test_it_exports_one_row_per_result_with_its_codes(client, employment):
    rows = read_results(client.get(RESULTS))
    assert len(rows) == 6
    url = f"http://testserver{employment.get_absolute_url()}"
    first = rows[0]
    assert list(first)[:3] == ["initiative", "titre", "nature"]
    assert first["initiative"] == url and first["titre"] == "Emploi des réfugiés"
    assert (first["nature"], first["qualificatif"], first["valeur"]) == (
        "resultat",
        "plus_de",
        "109",
    )
    assert (first["valeur_max"], first["date"], first["precision"]) == ("", "", "")
    assert first["source"] == "interreg-2019"
    target = rows[2]
    assert (target["nature"], target["qualificatif"], target["valeur"]) == (
        "objectif",
        "au_moins",
        "230",
    )
    assert (target["date"], target["precision"]) == ("2021-01-01", "annee")
    assert target["texte"].startswith("Met dit project")
    assert target["traduction"].startswith("Avec ce projet")
    ranged = rows[3]
    assert (ranged["valeur"], ranged["valeur_max"], ranged["mesure"]) == (
        "20",
        "50",
        "jeunes par an",
    )
    assert rows[4]["nature"] == "contexte"
    assert (rows[5]["date"], rows[5]["precision"]) == ("2018-10-01", "trimestre")


def test_the_export_s_codes_do_not_follow_the_language(client, employment):
    english = read_results(client.get(in_english(RESULTS)))
    assert [row["nature"] for row in english] == [
        "resultat",
        "resultat",
        "objectif",
        "objectif",
        "contexte",
        "resultat",
    ]


def test_it_exports_the_results_of_the_filtered_list_only(client, employment):
    housing = make_theme("Accès au logement")
    other = make_initiative("Un toit", themes=[housing])
    make_result(other, text="500 baux glissants", value=500)
    make_result(make_initiative("Brouillon", is_published=False), text="Caché")
    every = read_results(client.get(RESULTS))
    assert {row["titre"] for row in every} == {"Emploi des réfugiés", "Un toit"}
    housed = read_results(client.get(RESULTS, {"theme": "acces-au-logement"}))
    assert [row["texte"] for row in housed] == ["500 baux glissants"]
    searched = read_results(client.get(RESULTS, {"q": "toit"}))
    assert [row["titre"] for row in searched] == ["Un toit"]


def test_it_writes_the_variant_asked_for(client, employment):
    excel = read_results(client.get(RESULTS, {"format": "excel"}), delimiter=";")
    assert len(excel) == 6
    plain = client.get(RESULTS, {"format": "csv"})
    body = b"".join(plain.streaming_content).decode("utf-8")
    assert body.startswith("initiative,titre,nature,")


@pytest.mark.parametrize(
    "params", [{"format": "xlsx"}, {"theme": "no-such-theme"}, {"country": "France"}]
)
def test_it_answers_bad_parameters_with_a_400(client, employment, params):
    response = client.get(RESULTS, params)
    assert response.status_code == 400
    assert "Recherche invalide" in response.content.decode()


@pytest.mark.parametrize("initiatives", [2, 20])
def test_it_exports_results_in_the_same_queries_for_2_initiatives_as_for_20(
    client, django_assert_num_queries, initiatives
):
    for _ in range(initiatives):
        initiative = make_initiative()
        make_result(initiative)
        make_result(initiative, nature="target", value=10, value_max=20)
    # The catalogue's revision, the filter choices, then every row in one query read through a
    # server-side cursor (its savepoint, the cursor, the savepoint's release), as the export.
    with django_assert_num_queries(5):
        assert len(read_results(client.get(RESULTS))) == 2 * initiatives


def test_the_list_links_to_the_results_of_its_very_list(client, employment):
    content = client.get("/initiatives/", {"q": "emploi", "page": "1"}).content.decode()
    assert f'href="{reverse("initiatives:result-export")}?q=emploi"' in content


def test_a_theme_page_links_to_its_theme_s_results(client, db):
    housing = make_theme("Accès au logement")
    make_result(make_initiative(themes=[housing]), text="500 baux glissants", value=500)
    content = client.get(housing.get_absolute_url()).content.decode()
    assert f'href="{RESULTS}?theme=acces-au-logement"' in content
    rows = read_results(client.get(RESULTS, {"theme": "acces-au-logement"}))
    assert [row["valeur"] for row in rows] == ["500"]


@pytest.mark.parametrize(
    "fields",
    [
        {"value": 50, "value_max": 20},
        {"value": None, "value_max": 20},
        {"value": None, "qualifier": "more-than"},
        {"value": 3, "as_of": date(2018, 11, 1), "as_of_precision": "quarter"},
        {"value": 3, "as_of": date(2018, 3, 31), "as_of_precision": "year"},
    ],
)
def test_the_database_refuses_a_bad_range_qualifier_or_period(initiative, fields):
    with pytest.raises(IntegrityError):
        make_result(initiative, **fields)


def test_a_range_may_not_run_backwards_in_a_form(initiative):
    result = Result(initiative=initiative, position=1, text="20 à 50", value=50, value_max=20)
    with pytest.raises(Exception, match="valeur haute"):
        result.full_clean()


def test_a_result_keeps_its_history(initiative):
    result = make_result(initiative, value=20)
    result.nature, result.value_max = "target", Decimal(50)
    result.save()
    assert [entry.nature for entry in result.history.order_by("history_id")] == [
        "achieved",
        "target",
    ]
