"""A real site for the browser tests: the catalogue's data in a database of its own, served by
gunicorn with the production settings, driven by Chromium through Playwright.

Screenshots go to test-artifacts/screenshots/ (BROWSER_ARTIFACTS to change it)."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

BASE_DIR = Path(settings.BASE_DIR)
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", BASE_DIR / "test-artifacts" / "screenshots"))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
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


def database_url(database, name):
    host = quote(database["HOST"] or "", safe="")
    user = quote(database["USER"] or "", safe="")
    password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    port = f":{database['PORT']}" if database["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{name}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


@pytest.fixture(scope="session")
def site_database(django_db_setup):
    """An empty database of its own for the served site (migrated and filled by `site_env`),
    whatever other tests leave in theirs."""
    database = settings.DATABASES["default"]
    name = f"{database['NAME']}_browser"
    admin_url = database_url(database, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = database_url(database, name)
    yield url
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def site_env(site_database):
    env = {
        **os.environ,
        "DATABASE_URL": site_database,
        "DJANGO_SETTINGS_MODULE": "catalogue.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    fixtures = sorted(str(path) for path in (BASE_DIR / "fixtures").glob("*.json"))
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "loaddata", *fixtures, "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    return env


@pytest.fixture(scope="session")
def live_site(site_env):
    """The address of the catalogue served by gunicorn."""
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn"),
            *("--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "2", "--access-logfile", "/dev/null", "catalogue.wsgi"),
        ],
        cwd=BASE_DIR,
        env=site_env,
    )
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{address}/", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise
            time.sleep(0.2)
    yield address
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="session")
def browser(live_site):
    # Playwright runs an event loop in this thread: the site and its database are set up first.
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium is needed at {CHROMIUM}: apt-get install chromium, or CHROMIUM_PATH")
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
