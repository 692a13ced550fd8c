"""The map of a filtered list, its GeoJSON export and the `near` ordering."""

import json
import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from initiatives.models import Initiative, InitiativePlace, Place, Scope, Theme

from .factories import (
    LILLE,
    LYON,
    MARSEILLE,
    commune,
    country,
    department,
    make_initiative,
    make_theme,
    region,
)
from .pages import card_titles, links, page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """Initiatives in Marseille, elsewhere in its département and region, in Lyon and Lille,
    nationwide, and with no place."""
    housing, health = make_theme("Logement"), make_theme("Santé")
    make_initiative("Logis Marseille", themes=[housing], places=[commune(MARSEILLE)])
    make_initiative("Logis Aix", themes=[housing], places=[commune("13001")])  # Aix (INSEE)
    make_initiative("Logis Provence", themes=[housing], places=[region("93")])
    make_initiative("Logis Lyon", themes=[housing], places=[commune(LYON)])
    make_initiative("Soins Lille", themes=[health], places=[commune(LILLE), department("59")])
    make_initiative("Logis France", themes=[housing], places=[country("FR")])
    make_initiative("Logis partout", themes=[housing], scope=Scope.NATIONAL)


def catalogue_theme(slug: str) -> Theme:
    return Theme.objects.get(slug=slug)


def map_places(response) -> dict[str, list[str]]:
    """{place as listed: [its initiatives' titles]} of the map page's list of places."""
    content = response.content.decode()
    section = content.split('class="map-places"')[1].split("</section>")[0]
    groups = re.findall(r'<h4 class="place-name">(.*?)<span.*?<ul>(.*?)</ul>', section, re.S)
    return {
        page_text(name): [page_text(title) for title in re.findall(r">([^<]+)</a>", items)]
        for name, items in groups
    }


def map_titles(response) -> set[str]:
    """Every initiative the map page names: in its places and among those with no place."""
    named = {title for titles in map_places(response).values() for title in titles}
    content = response.content.decode()
    if 'class="map-without-place"' in content:
        section = content.split('class="map-without-place"')[1].split("</section>")[0]
        named |= {page_text(title) for title in re.findall(r">([^<]+)</a>", section)}
    return named


def test_it_lists_the_places_with_their_initiatives(client, catalogue):
    response = client.get("/initiatives/map/")
    assert response.status_code == 200
    places = map_places(response)
    assert places["Marseille (13)"] == ["Logis Marseille"]
    assert places["Lille (59)"] == ["Soins Lille"]
    assert places["Nord (59)"] == ["Soins Lille"]
    text = page_text(response)
    assert "2 initiatives sans lieu précis (aucun, ou seulement un pays)" in text
    assert "7 initiatives" in text


def test_a_place_lists_its_first_initiatives_by_title_and_follows_edits(
    client, catalogue, monkeypatch
):
    monkeypatch.setattr("initiatives.geo.LISTED_PER_PLACE", 2)
    housing = catalogue_theme("logement")
    for title in ["Atelier logement", "Bail glissant", "Colocation solidaire"]:
        make_initiative(title, themes=[housing], places=[commune(MARSEILLE)])
    make_initiative("Abri hors ligne", places=[commune(MARSEILLE)], is_published=False)
    response = client.get("/initiatives/map/?theme=logement")
    places = map_places(response)
    # The place with most initiatives first, then by name; its first two by title.
    assert list(places)[:2] == ["Marseille (13)", "Aix-en-Provence (13)"]
    assert places["Marseille (13)"] == ["Atelier logement", "Bail glissant"]
    assert "Marseille (13) (4 initiatives)" in page_text(response)
    renamed = Initiative.objects.get(title="Colocation solidaire")
    renamed.title = "Accueil solidaire"
    renamed.save()
    places = map_places(client.get("/initiatives/map/?theme=logement"))
    assert places["Marseille (13)"] == ["Accueil solidaire", "Atelier logement"]


def test_it_gives_the_map_the_points_of_the_places(client, catalogue):
    response = client.get("/initiatives/map/?theme=logement")
    content = response.content.decode()
    data = re.search(r'<script id="map-points" type="application/json">(.*?)</script>', content)
    points = {point["name"]: point for point in json.loads(data[1])}
    assert points["Marseille (13)"]["initiatives"][0]["title"] == "Logis Marseille"
    assert round(points["Marseille (13)"]["lat"], 2) == 43.30
    assert "Lille (59)" not in points  # not a housing initiative


def test_it_shows_the_same_initiatives_as_the_list(client, catalogue):
    query = "theme=logement&department=13"
    listed = set(card_titles(client.get(f"/initiatives/?{query}")))
    mapped = map_titles(client.get(f"/initiatives/map/?{query}"))
    assert listed == mapped == {"Logis Marseille", "Logis Aix"}


def test_it_links_the_list_and_the_map_with_the_same_filters(client, catalogue):
    listing = links(client.get("/initiatives/?theme=logement&page=1"))
    assert listing["Voir sur une carte"] == "/initiatives/map/?theme=logement"
    mapped = links(client.get("/initiatives/map/?theme=logement&department=13"))
    assert mapped["Voir ces initiatives en liste"] == "/initiatives/?theme=logement&department=13"
    theme_page = links(client.get("/themes/logement/"))
    assert theme_page["Voir sur une carte"] == "/initiatives/map/?theme=logement"


@pytest.mark.parametrize(
    "query", ["theme=nope", "department=999", "sort=nope", "near=Nulle-part-sur-terre"]
)
def test_it_answers_400_with_the_form_for_an_invalid_parameter(client, catalogue, query):
    for path in ("/initiatives/map/", "/initiatives/export.geojson"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert "Recherche invalide" in page_text(response)


def test_it_exports_the_list_as_geojson(client, catalogue):
    response = client.get("/initiatives/export.geojson?theme=logement&near=13001")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(b"".join(response.streaming_content))
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    first = features[0]
    assert first["properties"]["titre"] == "Logis Marseille"
    assert first["properties"]["url"] == "http://testserver/initiatives/logis-marseille/"
    assert first["properties"]["themes"] == ["Logement"]
    assert first["properties"]["lieu"] == "Marseille"
    assert first["properties"]["type_lieu"] == "commune"
    longitude, latitude = first["geometry"]["coordinates"]
    assert (round(latitude), round(longitude)) == (43, 5)
    # One feature per initiative and place with coordinates, in the list's order.
    titles = [feature["properties"]["titre"] for feature in features]
    listed = card_titles(client.get("/initiatives/?theme=logement&near=13001"))
    assert titles == [title for title in listed if title in titles]
    assert set(titles) == {"Logis Marseille", "Logis Aix", "Logis Provence", "Logis Lyon"}


def test_it_orders_the_list_by_closeness_to_a_postcode(client, catalogue):
    response = client.get("/initiatives/?near=13001")
    assert response.status_code == 200
    assert card_titles(response)[:3] == ["Logis Marseille", "Logis Aix", "Logis Provence"]
    assert card_titles(response)[3:5] == ["Logis France", "Logis partout"]
    text = page_text(response)
    assert "Dans cette commune" in text
    assert "Dans ce département, à 26 km" in text
    assert "Dans cette région" in text
    assert "Ailleurs, à 276 km" in text


def test_a_list_near_a_commune_follows_an_edit_ordering_only_the_edited_initiative(
    client, catalogue
):
    url = "/initiatives/?near=13001"
    assert card_titles(client.get(url))[:3] == ["Logis Marseille", "Logis Aix", "Logis Provence"]
    moved = Initiative.objects.get(title="Logis Lyon")
    InitiativePlace.objects.filter(initiative=moved).update(place=commune(MARSEILLE))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    marseille = Place.objects.get(kind="commune", code=MARSEILLE)
    in_sql = (
        Initiative.objects.published()
        .near(marseille)
        .order_by("near_order", "title", "pk")
        .values_list("title", flat=True)
    )
    assert card_titles(response) == list(in_sql)[:20]
    assert card_titles(response)[:2] == ["Logis Lyon", "Logis Marseille"]
    assert "Dans cette commune" in page_text(response)
    # Ordered again: the initiative moved alone, not every initiative.
    orders = [query["sql"] for query in queries if "jsonb_object_agg" in query["sql"]]
    assert len(orders) == 1
    assert f"IN ({moved.pk})" in orders[0] and "initiative_id = ANY(" in orders[0]


def test_it_finds_the_commune_by_its_name_without_accents_or_hyphens(client, catalogue):
    by_name = card_titles(client.get("/initiatives/?near=marseille"))
    assert by_name == card_titles(client.get("/initiatives/?near=13001"))
    assert card_titles(client.get("/initiatives/?near=lyon"))[0] == "Logis Lyon"


def test_it_lists_the_communes_an_ambiguous_name_may_mean(client, catalogue):
    response = client.get("/initiatives/?near=Saint-Denis")
    assert response.status_code == 400
    text = page_text(response)
    assert "Plusieurs communes répondent à « Saint-Denis » : choisissez-en une." in text
    choices = re.findall(r'name="near" value="([^"]+)"', response.content.decode())
    assert "Saint-Denis (93)" in choices
    chosen = client.get("/initiatives/?near=Saint-Denis (93)")
    assert chosen.status_code == 200


def test_it_says_when_no_commune_has_that_name(client, catalogue):
    response = client.get("/initiatives/map/?near=Atlantide")
    assert response.status_code == 400
    assert "Aucune commune ne s'appelle « Atlantide » ni n'a ce code postal." in page_text(response)


def test_it_suggests_communes_as_one_types(client):
    response = client.get("/initiatives/communes.json?q=marsei")
    assert response.status_code == 200
    assert response.json()[0] == "Marseille (13)"
    assert client.get("/initiatives/communes.json?q=m").json() == []


def test_the_home_page_offers_near_and_the_map(client, catalogue):
    response = client.get("/")
    text = page_text(response)
    assert "Près de chez vous" in text
    form = response.content.decode().split('class="home-near"')[1]
    assert 'action="/initiatives/"' in form and 'name="near"' in form
    assert links(response)["Voir toutes les initiatives sur la carte, avec la liste des lieux"] == (
        "/initiatives/map/"
    )


@override_settings(MAP_TILES_URL="https://tiles.example.org/{z}/{x}/{y}.png")
def test_the_map_reads_its_tiles_from_the_settings(client, catalogue):
    response = client.get("/initiatives/map/")
    assert 'data-tiles-url="https://tiles.example.org/{z}/{x}/{y}.png"' in response.content.decode()


def test_the_policy_allows_images_from_the_tile_server_alone(client):
    policy = client.get("/initiatives/map/")["Content-Security-Policy"]
    images = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert images.split()[1:] == ["'self'", "data:", "https://tile.openstreetmap.org"]


def test_the_map_lists_the_closest_places_first_near_a_commune(client, catalogue):
    response = client.get("/initiatives/map/?near=13001")
    assert list(map_places(response))[:3] == [
        "Marseille (13)",
        "Provence-Alpes-Côte d'Azur",
        "Aix-en-Provence (13)",
    ]
    assert "(à 26 km · 1 initiative)" in page_text(response)


def test_the_csv_export_is_ordered_near_a_commune_as_the_list(client, catalogue):
    listed = card_titles(client.get("/initiatives/?near=13001"))
    response = client.get("/initiatives/export.csv?near=13001&format=csv")
    rows = b"".join(response.streaming_content).decode().splitlines()[1:]
    assert [row.split(",")[1] for row in rows] == listed


def map_points(response) -> dict[str, dict]:
    """{name: point} of the map's points, as its script reads them."""
    content = response.content.decode()
    data = re.search(r'<script id="map-points" type="application/json">(.*?)</script>', content)
    return {point["name"]: point for point in json.loads(data[1])}


def test_many_places_are_grouped_by_departement_on_the_map(client, catalogue, monkeypatch):
    monkeypatch.setattr("initiatives.geo.MAX_POINTS", 2)
    response = client.get("/initiatives/map/?theme=logement")
    points = map_points(response)
    marseille = points["Bouches-du-Rhône (13)"]
    # Two initiatives act there (Marseille, Aix): one marker, with the map of its places.
    assert marseille["count"] == 2
    assert marseille["url"] == "/initiatives/map/?theme=logement&department=13"
    assert points["Rhône (69)"]["count"] == 1
    assert "Marseille (13)" not in points
    assert "chaque repère regroupe ceux d'un département" in page_text(response)
    # Without JavaScript, the places are listed as they are.
    assert set(map_places(response)) == {
        "Marseille (13)",
        "Aix-en-Provence (13)",
        "Provence-Alpes-Côte d'Azur",
        "Lyon (69)",
    }
    # The département's map shows its places.
    narrowed = map_points(client.get(marseille["url"]))
    assert set(narrowed) == {"Marseille (13)", "Aix-en-Provence (13)"}
    assert narrowed["Marseille (13)"]["initiatives"][0]["title"] == "Logis Marseille"


def test_a_grouped_map_lists_its_largest_places_and_counts_the_others(
    client, catalogue, monkeypatch
):
    monkeypatch.setattr("initiatives.geo.MAX_POINTS", 2)
    monkeypatch.setattr("initiatives.geo.LISTED_PLACES_GROUPED", 2)
    response = client.get("/initiatives/map/?theme=logement")
    assert len(map_places(response)) == 2
    assert "2 autres lieux ne sont pas listés ici" in page_text(response)
    # A département's map, its places not grouped, lists them all.
    narrowed = client.get("/initiatives/map/?theme=logement&department=13")
    assert set(map_places(narrowed)) == {"Marseille (13)", "Aix-en-Provence (13)"}


@pytest.mark.parametrize("query", ["q=logis", "theme=logement&sort=title"])
def test_the_geojson_holds_the_list_in_its_order(client, catalogue, query):
    response = client.get(f"/initiatives/export.geojson?{query}")
    features = json.loads(b"".join(response.streaming_content))["features"]
    titles = [feature["properties"]["titre"] for feature in features]
    listed = card_titles(client.get(f"/initiatives/?{query}"))
    assert len(titles) == 4
    assert titles == [title for title in listed if title in titles]
    assert set(titles) == set(listed) - {"Logis France", "Logis partout"}


def test_an_initiative_of_wide_scope_is_national_near_a_commune(client, catalogue):
    make_initiative("Réseau national", places=[commune(LILLE)], scope=Scope.NATIONAL)
    response = client.get("/initiatives/?near=13001")
    titles = card_titles(response)
    # Acting in Lille alone, far from Marseille, but nationwide: before those elsewhere, and
    # before the other national ones (it has a distance, they have none).
    assert titles[3:] == [
        "Réseau national",
        "Logis France",
        "Logis partout",
        "Logis Lyon",
        "Soins Lille",
    ]
    assert "À l'échelle nationale ou transfrontalière" in page_text(response)


def test_an_empty_list_gives_an_empty_map_and_geojson(client, catalogue):
    response = client.get("/initiatives/map/?theme=sante&department=13")
    assert response.status_code == 200
    assert "0 initiative" in page_text(response)
    assert map_titles(response) == set()
    geojson = client.get("/initiatives/export.geojson?theme=sante&department=13")
    assert json.loads(b"".join(geojson.streaming_content))["features"] == []
