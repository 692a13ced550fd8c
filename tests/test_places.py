"""Where initiatives act: the reference places, the filters and facets on them, cards, pages and
the export."""

import gzip
import html
import re

import pytest

from initiatives import geodata

from .factories import (
    LILLE,
    MARSEILLE,
    commune,
    country,
    department,
    make_initiative,
    region,
)
from .pages import card_places, card_titles, page_text
from .test_export import EXPORT, read_csv
from .test_search import facet_options

pytestmark = pytest.mark.django_db

LIST = "/initiatives/"


@pytest.fixture
def places_catalogue(db):
    """Initiatives in Marseille, in the Gironde, in Lille and Belgium, and in the Netherlands."""
    make_initiative("A Marseille", places=[commune(MARSEILLE)])
    make_initiative("En Gironde", places=[department("33")])
    make_initiative("Lille et Belgique", places=[commune(LILLE), country("BE")])
    make_initiative("Aux Pays-Bas", places=[country("NL")])


def test_it_filters_by_a_departement_its_communes_included(client, places_catalogue):
    response = client.get(LIST, {"department": "13"})
    assert card_titles(response) == ["A Marseille"]


def test_it_filters_by_several_departements(client, places_catalogue):
    response = client.get(LIST, {"department": ["13", "33"], "sort": "title"})
    assert card_titles(response) == ["A Marseille", "En Gironde"]


@pytest.mark.parametrize("code", ["99", "marseille", "13055"])
def test_it_answers_an_unknown_departement_with_a_400_and_the_form(client, places_catalogue, code):
    response = client.get(LIST, {"department": code})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_it_filters_by_region_through_the_places(client, places_catalogue):
    response = client.get(LIST, {"region": "provence-alpes-cote-dazur"})
    assert card_titles(response) == ["A Marseille"]


def test_it_filters_by_country_through_the_places(client, places_catalogue):
    france = client.get(LIST, {"country": "FR", "sort": "title"})
    assert card_titles(france) == ["A Marseille", "En Gironde", "Lille et Belgique"]
    belgium_or_netherlands = client.get(LIST, {"country": ["BE", "NL"], "sort": "title"})
    assert card_titles(belgium_or_netherlands) == ["Aux Pays-Bas", "Lille et Belgique"]


def test_it_counts_each_departement_s_initiatives_with_the_other_filters_kept(
    client, places_catalogue
):
    response = client.get(LIST, {"country": "FR", "department": "13"})
    assert facet_options(response, "department") == {
        "13": (1, True, False),
        "33": (1, False, False),
        "59": (1, False, False),
    }
    assert "Bouches-du-Rhône (13)" in html.unescape(response.content.decode())
    assert facet_options(response, "country")["BE"] == (0, False, True)


def test_it_keeps_a_chosen_departement_without_initiatives_listed_to_unchoose(
    client, places_catalogue
):
    response = client.get(LIST, {"department": "2A"})
    assert card_titles(response) == []
    assert facet_options(response, "department")["2A"] == (0, True, False)
    assert "Corse-du-Sud (2A)" in response.content.decode()


def test_it_shows_every_place_of_an_initiative_on_its_card(client, places_catalogue):
    response = client.get(LIST, {"q": "Lille"})
    assert card_places(response) == ["Lieux : Lille (59) · Belgique"]


def test_a_card_says_when_the_source_gives_no_place(client):
    make_initiative("Sans lieu")
    card = client.get(LIST).text
    assert "Lieu non précisé par la source" in page_text(card[card.index("Sans lieu") :])


def test_it_shows_each_place_with_its_departement_region_and_country_on_the_page(client):
    initiative = make_initiative("Deux lieux", places=[commune(MARSEILLE), region("BE-WAL")])
    content = html.unescape(client.get(initiative.get_absolute_url()).content.decode())
    items = re.findall(r'<ul class="plain places">(.*?)</ul>', content, re.S)[0]
    assert re.findall(r"<li>(.*?)</li>", items) == [
        "Marseille, Bouches-du-Rhône (13), Provence-Alpes-Côte d'Azur, France",
        "Wallonia, Belgique",
    ]


def test_it_says_when_the_source_gives_no_place(client):
    initiative = make_initiative("Nulle part")
    content = client.get(initiative.get_absolute_url()).content.decode()
    assert "Lieu non précisé par la source." in content


def test_it_exports_several_places_joined_in_their_cells(client):
    make_initiative(
        "Transfrontalier", places=[commune(MARSEILLE), department("33"), region("BE-VLG")]
    )
    [row] = read_csv(client.get(EXPORT))
    assert row["ville"] == "Marseille"
    assert row["departement"] == "Bouches-du-Rhône | Gironde"
    assert row["region"] == "Flanders | Nouvelle-Aquitaine | Provence-Alpes-Côte d'Azur"
    assert row["pays"] == "BE | FR"


# The builder of the reference file, on a few rows of each package.
COMMUNES = [
    {"code": "13055", "nom": "Marseille", "departement": "13", "region": "93"},
    {"code": "13001", "nom": "Aix-en-Provence", "departement": "13", "region": "93"},
    # Two communes of one département with one name: neither is given coordinates.
    {"code": "14001", "nom": "Saint-Denis", "departement": "14", "region": "28"},
    {"code": "14002", "nom": "Saint Denis", "departement": "14", "region": "28"},
]
CITIES = [
    {"name": "Marseille", "lat": "43.29695", "lng": "5.38107", "country": "FR", "admin2": "13"},
    # The same name in another département is another place.
    {"name": "Aix-en-Provence", "lat": "1", "lng": "1", "country": "FR", "admin2": "84"},
    {"name": "Saint-Denis", "lat": "49.1", "lng": "-0.1", "country": "FR", "admin2": "14"},
    {
        "name": "Ostend",
        "lat": "51.21551",
        "lng": "2.927",
        "country": "BE",
        "admin1": "VLG",
        "admin2": "VWV",
    },
]


def test_the_builder_matches_communes_by_name_within_their_departement():
    assert geodata.normalise("Saint-Étienne-du-Rouvray") == geodata.normalise(
        "St Etienne du Rouvray"
    )
    assert geodata.french_coordinates(COMMUNES, CITIES) == {"13055": ("43.29695", "5.38107")}


def test_the_builder_codes_foreign_localities_and_regions_from_geonames():
    rows = list(geodata.foreign_rows(CITIES, [{"code": "BE.VLG", "name": "Flanders"}]))
    assert [(row["kind"], row["code"], row["name"], row["region_name"]) for row in rows] == [
        ("region", "BE-VLG", "Flanders", "Flanders"),
        ("commune", "BE-VLG-VWV-ostend", "Ostend", "Flanders"),
    ]


def test_the_builder_writes_the_same_bytes_for_the_same_rows(tmp_path):
    rows = list(geodata.foreign_rows(CITIES, []))
    first, second = tmp_path / "first.csv.gz", tmp_path / "second.csv.gz"
    geodata.write(rows, first)
    geodata.write(rows, second)
    assert first.read_bytes() == second.read_bytes()
    assert gzip.decompress(first.read_bytes()).decode().startswith("kind,code,name,")


def test_the_vendored_file_holds_every_current_commune_and_departement():
    rows = list(geodata.read())
    kinds = [row["kind"] for row in rows if row["country"] == "FR"]
    assert kinds.count("commune") == 34969
    assert kinds.count("department") == 109
    marseille = next(row for row in rows if row["kind"] == "commune" and row["code"] == MARSEILLE)
    assert (marseille["department_code"], marseille["region_name"]) == (
        "13",
        "Provence-Alpes-Côte d'Azur",
    )
    assert marseille["latitude"] == "43.29695"
