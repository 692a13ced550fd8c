"""The map of a filtered list, `near` and the GeoJSON export, in Chromium."""

import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, new_page, screenshot

pytestmark = pytest.mark.browser

# Housing in the Bouches-du-Rhône: a theme plus a département.
FILTERS = "theme=acces-au-logement&department=13"


def card_titles(page):
    return page.locator("h3.card-title").all_inner_texts()


def listed_titles(browser, address, query):
    page = new_page(browser, javascript=False)
    page.goto(f"{address}/initiatives/?{query}")
    titles = card_titles(page)
    page.context.close()
    return titles


def test_without_javascript_the_map_page_lists_the_places_and_their_initiatives(
    browser, page, served_catalogue
):
    listed = listed_titles(browser, served_catalogue.address, FILTERS)
    assert listed
    page.goto(f"{served_catalogue.address}/initiatives/map/?{FILTERS}")
    screenshot(page, "map-nojs")
    expect(page.locator(".map-placeholder")).to_be_visible()
    places = page.locator(".place-group")
    assert places.count() >= 1
    named = set(page.locator(".place-group li a").all_inner_texts())
    assert named == set(listed)
    # Back to the list, the filters kept.
    page.get_by_role("link", name="Voir ces initiatives en liste").click()
    assert card_titles(page) == listed


def test_the_markers_open_cards_of_the_same_initiatives_as_the_list(browser, served_catalogue):
    listed = listed_titles(browser, served_catalogue.address, FILTERS)
    page = new_page(browser)
    page.goto(f"{served_catalogue.address}/initiatives/map/?{FILTERS}")
    markers = page.locator(".leaflet-marker-icon")
    expect(markers.first).to_be_visible()
    # Keyboard: Tab reaches a marker, Enter opens its card.
    shown: set[str] = set()
    for number in range(markers.count()):
        markers.nth(number).focus()
        page.keyboard.press("Enter")
        card = page.locator(".leaflet-popup-content .map-card")
        expect(card).to_be_visible()
        shown |= set(card.locator("a").all_inner_texts())
        page.keyboard.press("Escape")
    assert shown == set(listed)
    screenshot(page, "map-js")
    page.context.close()


def test_a_filter_changes_the_map_as_the_list(browser, served_catalogue):
    page = new_page(browser)
    page.goto(f"{served_catalogue.address}/initiatives/map/?theme=acces-au-logement")
    before = page.locator(".place-group").count()
    # The filters' groups are folded until one is chosen: unfold the départements, all of them.
    page.locator("#facet-department > summary").click()
    page.locator("#facet-department-more > summary").click()
    page.get_by_role("checkbox", name=re.compile(r"^Bouches-du-Rhône \(13\)")).check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page).to_have_url(
        re.compile(r"/initiatives/map/\?.*theme=acces-au-logement.*department=13")
    )
    assert page.locator(".place-group").count() < before
    page.context.close()


def test_near_a_marseille_postcode_puts_its_initiatives_first(browser, served_catalogue):
    in_the_department = listed_titles(browser, served_catalogue.address, "department=13")
    page = new_page(browser)
    page.goto(f"{served_catalogue.address}/")
    expect(page.locator(".home-near .map-marker").first).to_be_visible()
    screenshot(page, "home")
    field = page.get_by_label("Votre commune ou son code postal")
    field.fill("13001")
    page.get_by_role("button", name="Voir les initiatives proches").click()
    titles = card_titles(page)
    assert set(titles[: len(in_the_department)]) == set(in_the_department)
    expect(page.locator(".card-near").first).to_have_text("Dans ce département")
    screenshot(page, "list-near")
    page.context.close()


def test_the_near_field_suggests_communes_as_one_types(browser, served_catalogue):
    page = new_page(browser)
    page.goto(f"{served_catalogue.address}/initiatives/")
    page.get_by_label("Près de (commune ou code postal)").press_sequentially("marsei")
    expect(page.locator("#near-suggestions option").first).to_have_attribute(
        "value", "Marseille (13)"
    )
    page.context.close()


def test_the_geojson_parses_and_matches_the_list(browser, page, served_catalogue):
    listed = listed_titles(browser, served_catalogue.address, FILTERS)
    response = page.request.get(f"{served_catalogue.address}/initiatives/export.geojson?{FILTERS}")
    assert response.headers["content-type"] == "application/geo+json"
    collection = json.loads(response.body())
    titles = {feature["properties"]["titre"] for feature in collection["features"]}
    assert titles == set(listed)


def test_without_javascript_the_map_page_fits_a_phone(browser, served_catalogue):
    page = new_page(browser, viewport=PHONE, javascript=False)
    page.goto(f"{served_catalogue.address}/initiatives/map/?near=Marseille")
    expect(page.locator(".place-group").first).to_contain_text("Bouches-du-Rhône (13)")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "map-nojs-near")
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_map_page_fits_the_screen(browser, served_catalogue, viewport):
    page = new_page(browser, viewport=viewport)
    page.goto(f"{served_catalogue.address}/initiatives/map/?near=13001")
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]
    screenshot(page, "map-near")
    page.context.close()
