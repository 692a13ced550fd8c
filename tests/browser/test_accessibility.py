"""axe-core, run in Chromium on every type of page, finds no serious or critical violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import DESKTOP, PHONE, new_page

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "list": "/initiatives/",
    "list filtered": "/initiatives/?public=refugies-bpi&country=FR&sort=title",
    "search": "/initiatives/?q=logment",
    "empty list": "/initiatives/?q=xylophone",
    "bad parameters": "/initiatives/?theme=no-such-theme&page=abc",
    "theme": "/themes/acces-au-logement/?country=FR",
    "initiative": "/initiatives/programme-elan/",
    "suggestion form": "/initiatives/programme-elan/signaler/",
    "lead": "/organisations/france-terre-dasile/",
    "partner": "/organisations/caf/",
    "not found": "/initiatives/no-such-initiative/",
    "map": "/initiatives/map/?theme=acces-au-logement",
    "map near": "/initiatives/map/?near=13001",
}
SEVERE = {"serious", "critical"}


def severe_violations(page):
    violations = Axe().run(page).response["violations"]
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in violations
        if violation["impact"] in SEVERE
    ]


@pytest.fixture(scope="module")
def pages(browser):
    opened: dict = {}
    yield lambda viewport, locale: opened.setdefault(
        (viewport["width"], locale), new_page(browser, viewport=viewport, locale=locale)
    )
    for page in opened.values():
        page.context.close()


# Every page in French on a desktop; the main ones on a phone and in English too.
CASES = [(name, DESKTOP, "fr-FR") for name in PAGES] + [
    (name, viewport, locale)
    for name in ("home", "list filtered", "search", "initiative", "map")
    for viewport, locale in ((PHONE, "fr-FR"), (DESKTOP, "en-GB"))
]


@pytest.mark.parametrize(
    "name, viewport, locale",
    CASES,
    ids=[f"{name}-{viewport['width']}-{locale}" for name, viewport, locale in CASES],
)
def test_no_serious_accessibility_violation(pages, served_catalogue, name, viewport, locale):
    page = pages(viewport, locale)
    prefix = "/en" if locale.startswith("en") else ""  # the language is in the address
    response = page.goto(f"{served_catalogue.address}{prefix}{PAGES[name]}")
    assert response.status < 500
    assert severe_violations(page) == []


def test_axe_does_find_violations(pages):
    page = pages(DESKTOP, "fr-FR")
    page.set_content('<html><body><input type="text"><img src="x.png"></body></html>')
    assert {violation.split(" ")[0] for violation in severe_violations(page)} >= {
        "label",
        "image-alt",
    }
