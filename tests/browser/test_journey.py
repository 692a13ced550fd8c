"""A social worker's journey through the catalogue, in Chromium, JavaScript off."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, new_page, screenshot

pytestmark = pytest.mark.browser


def result_titles(page):
    return page.locator("h3.card-title").all_inner_texts()


def test_from_a_theme_to_an_initiative_its_pilot_and_a_partner_then_in_english(
    page, served_catalogue
):
    page.goto(f"{served_catalogue.address}/")
    screenshot(page, "home")
    page.get_by_role("link", name=re.compile("^Accès au logement")).click()
    expect(page).to_have_url(f"{served_catalogue.address}/themes/acces-au-logement/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès au logement")

    # Narrow by public and country: each option says how many initiatives it would give; the
    # filters' groups and their long lists are unfolded first.
    page.locator("#facet-public > summary").click()
    page.locator("#facet-public-more > summary").click()
    page.get_by_label(re.compile(r"^Réfugiés \(BPI\) \(\d+\)")).check()
    page.locator("#facet-country > summary").click()
    page.get_by_label(re.compile(r"^France \(\d+\)")).check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page).to_have_url(re.compile(r"public=refugies-bpi.*country=FR|country=FR.*public="))
    expect(page.locator("#results-heading")).to_have_text("10 initiatives")
    expect(page.get_by_role("link", name="Retirer le filtre Pays : France")).to_be_visible()
    screenshot(page, "theme-filtered")

    # A word typed without its accents finds it, and is highlighted; the initiatives that say it
    # come before those the thesaurus adds (« hébergement » leads to « logement »).
    page.get_by_label("Rechercher").fill("hebergement")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"q=hebergement"))
    titles = result_titles(page)
    assert titles[0].startswith("Centre provisoire d'hébergement")
    assert titles.index("Centre provisoire d'hébergement (CPH) de Créteil") < titles.index(
        "Programme Elan"
    )
    expect(page.locator("mark").first).to_have_text(re.compile("hébergement", re.IGNORECASE))
    screenshot(page, "search")

    page.get_by_role("link", name="Bail glissant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bail glissant")
    screenshot(page, "initiative")
    detail = page.url

    page.locator(".initiative-facts").get_by_role("link", name="Elia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Elia"))
    expect(page.get_by_role("link", name="Bail glissant")).to_be_visible()
    screenshot(page, "pilot")

    page.goto(detail)
    partner = page.locator("section[aria-labelledby=partners-heading] li a").first
    partner_name = partner.inner_text()
    partner.click()
    expect(page).to_have_url(re.compile("/organisations/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(partner_name)
    expect(page.get_by_role("link", name="Bail glissant")).to_be_visible()
    screenshot(page, "partner")

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile("/en/organisations/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="All initiatives")).to_be_visible()
    page.get_by_role("link", name="Bail glissant").click()
    expect(page).to_have_url(re.compile("/en/initiatives/bail-glissant/"))
    expect(page.get_by_role("heading", name="Description")).to_be_visible()
    expect(page.locator(".initiative-facts")).to_contain_text("Lead organisation")
    screenshot(page, "initiative-en")


def test_a_typo_and_an_acronym_find_what_was_meant(page, served_catalogue):
    page.goto(f"{served_catalogue.address}/initiatives/?q=logment")
    expect(page.get_by_text("Aucun résultat pour « logment »")).to_be_visible()
    assert "Bail glissant" in result_titles(page)
    page.goto(f"{served_catalogue.address}/initiatives/?q=CPH")
    assert "Centre provisoire d'hébergement (CPH) de Créteil" in result_titles(page)


def test_on_a_phone_the_first_screen_shows_results_not_filters(browser, served_catalogue):
    page = new_page(browser, viewport=PHONE, javascript=False)
    page.goto(f"{served_catalogue.address}/themes/acces-au-logement/")
    first_result = page.locator("h3.card-title").first
    assert first_result.bounding_box()["y"] < PHONE["height"], "a result on the first screen"
    # The filters fold above the results, one line until unfolded.
    filters = page.locator("#facets")
    assert filters.bounding_box()["y"] < first_result.bounding_box()["y"]
    assert filters.bounding_box()["height"] < 60
    # The page is not wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_text("Filtres", exact=True).click()
    expect(page.locator("#facet-public > summary")).to_be_visible()
    screenshot(page, "theme")
    page.goto(f"{served_catalogue.address}/initiatives/programme-elan/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "initiative")
    page.context.close()
