"""A real site for the browser tests: the catalogue's data in a database of its own, served by
gunicorn with the production settings, driven by Chromium through Playwright.

Screenshots go to test-artifacts/screenshots/ (BROWSER_ARTIFACTS to change it)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, sync_playwright

from ..harness import Gunicorn, scratch_database, serve_catalogue

BASE_DIR = Path(settings.BASE_DIR)
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", BASE_DIR / "test-artifacts" / "screenshots"))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="package")
def served_catalogue(
    django_db_setup: None,
    catalogue_template: str,
    collected_static: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Gunicorn]:
    """The catalogue's data in a database of its own on the test server (a copy of the one
    loaded for the run), named after the worker's test database, whatever other tests leave in
    theirs, served by gunicorn in production settings; each worker that runs browser tests has
    its own.
    Chromium speaks plain HTTP to it, with no TLS-terminating proxy in front: no redirect to
    HTTPS, no secure-only cookies."""
    database = settings.DATABASES["default"]
    with (
        scratch_database(
            database, f"{database['NAME']}_browser", template=catalogue_template
        ) as url,
        serve_catalogue(
            url,
            tmp_path_factory.mktemp("browser"),
            loaded=True,
            static_root=collected_static,
            WEB_CONCURRENCY="2",
            SECURE_SSL_REDIRECT="0",
            SECURE_COOKIES="0",
        ) as server,
    ):
        yield server


@pytest.fixture(scope="package")
def browser(served_catalogue: Gunicorn) -> Iterator[Browser]:
    # Playwright runs an event loop in this thread: the site and its database are set up first,
    # and it stops once the browser tests are done (the package's scope), before the worker runs
    # other tests, whose database connections Django refuses to open under an event loop.
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is needed at {CHROMIUM}: apt-get install chromium-headless-shell, "
            "or CHROMIUM_PATH"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, viewport=DESKTOP, javascript=True, locale="fr-FR"):
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript, locale=locale)
    return context.new_page()


@pytest.fixture
def page(browser):
    """A page in French at desktop width, JavaScript off: the site needs none."""
    page = new_page(browser, javascript=False)
    yield page
    page.context.close()


def screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
