"""Editors at work in the admin, in Chromium with JavaScript on: create, publish, edit, revert;
a stale save refused; what an editor may not do."""

import pytest
from playwright.sync_api import Browser, Page, expect

from ..harness import Gunicorn, manage
from .conftest import new_page, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "plume-verte-cartable-2026"
EDITORS = ("edith", "eric")


@pytest.fixture(scope="package")
def editor_accounts(served_catalogue: Gunicorn) -> tuple[str, ...]:
    """Two editors' usernames, made by the management command in the served site's database."""
    environment = served_catalogue.environment | {"DJANGO_EDITOR_PASSWORD": PASSWORD}
    for username in EDITORS:
        manage(environment, "make_editor", username, "--create")
    return EDITORS


# Built by the tests' own builder; the main theme must be among the themes when the
# transaction ends.
CREATE_SHARED_INITIATIVE = """
from django.db import transaction
from initiatives.models import Organisation, Theme
from tests.factories import make_initiative
with transaction.atomic():
    make_initiative(
        "Atelier partagé",
        aim="Un atelier.",
        themes=[Theme.objects.get(slug="creer-du-lien-social")],
        leads=[Organisation.objects.order_by("slug").first()],
    )
"""


@pytest.fixture(scope="package")
def shared_initiative(served_catalogue: Gunicorn) -> str:
    """An initiative for the stale-save test, so that other tests see the fixtures unchanged."""
    manage(
        served_catalogue.environment,
        "shell",
        "-c",
        CREATE_SHARED_INITIATIVE,
    )
    return "atelier-partage"


def signed_in_page(browser: Browser, served_catalogue: Gunicorn, username: str) -> Page:
    page = new_page(browser)
    page.goto(f"{served_catalogue.address}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_contain_text(username)
    return page


def choose(page, field, text):
    """Picks `text` in the admin's autocomplete for `field` (select2)."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_an_editor_creates_finds_edits_and_reverts_an_initiative(
    browser, served_catalogue, editor_accounts
):
    page = signed_in_page(browser, served_catalogue, "edith")
    page.goto(f"{served_catalogue.address}/admin/initiatives/initiative/add/")
    page.locator("#id_title").press_sequentially("Jardins partagés de Roubaix")
    expect(page.locator("#id_slug")).to_have_value("jardins-partages-de-roubaix")
    page.fill("#id_aim", "Cultiver ensemble pour apprendre le français.")
    page.locator("#partnerships-group .add-row a").click()
    choose(page, "organisation", "Elia")
    page.select_option("#id_partnerships-0-role", "lead")
    choose(page, "main_theme", "Apprentissage de la langue")
    choose(page, "themes", "Apprentissage de la langue")
    page.locator("#contacts-group .add-row a").click()
    page.fill("#id_contacts-0-name", "Nadia Jardinière")
    page.fill("#id_contacts-0-email", "nadia@example.org")
    page.fill("#id_contacts-0-phones", "03 20 00 00 00")
    page.locator("#results-group .add-row a").click()
    page.fill("#id_results-0-text", "40 familles jardinent chaque semaine")
    screenshot(page, "admin-add-initiative")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("a été ajouté avec succès")

    public = new_page(browser, javascript=False)
    public.goto(f"{served_catalogue.address}/initiatives/?q=jardins+roubaix")
    public.get_by_role("link", name="Jardins partagés de Roubaix").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Jardins partagés de Roubaix")
    expect(public.get_by_text("Nadia Jardinière")).to_be_visible()
    expect(public.get_by_text("40 familles jardinent chaque semaine")).to_be_visible()

    page.goto(f"{served_catalogue.address}/admin/initiatives/initiative/?q=Roubaix")
    page.get_by_role("link", name="Jardins partagés de Roubaix").click()
    page.fill("#id_title", "Jardins solidaires de Roubaix")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("modifié avec succès")
    public.goto(f"{served_catalogue.address}/initiatives/jardins-partages-de-roubaix/")
    expect(public.get_by_role("heading", level=1)).to_have_text("Jardins solidaires de Roubaix")

    page.get_by_role("link", name="Historique").click()
    history = page.locator("#change-history")
    expect(history).to_contain_text("Jardins partagés de Roubaix")
    expect(history).to_contain_text("edith")
    screenshot(page, "admin-history")
    history.get_by_role("link", name="Jardins partagés de Roubaix").click()
    page.get_by_role("button", name="Rétablir").click()
    expect(page.locator(".messagelist")).to_contain_text("modifié avec succès")
    public.goto(f"{served_catalogue.address}/initiatives/jardins-partages-de-roubaix/")
    expect(public.get_by_role("heading", level=1)).to_have_text("Jardins partagés de Roubaix")
    expect(public.get_by_text("Nadia Jardinière")).to_be_visible()
    public.context.close()
    page.context.close()


def test_a_second_editor_s_stale_save_is_refused(
    browser, served_catalogue, editor_accounts, shared_initiative
):
    first = signed_in_page(browser, served_catalogue, "edith")
    second = signed_in_page(browser, served_catalogue, "eric")
    for page in (first, second):
        page.goto(f"{served_catalogue.address}/admin/initiatives/initiative/?q=Atelier+partagé")
        page.get_by_role("link", name="Atelier partagé").click()

    first.fill("#id_aim", "Un atelier de réparation de vélos.")
    first.locator("input[name=_save]").click()
    expect(first.locator(".messagelist")).to_contain_text("modifié avec succès")

    second.fill("#id_title", "Atelier vélo")
    second.locator("input[name=_save]").click()
    error = second.locator(".errorlist.nonfield")
    expect(error).to_contain_text("a été modifiée depuis que vous avez ouvert ce formulaire")
    expect(error).to_contain_text("par edith")
    expect(error).to_contain_text("objectif")
    screenshot(second, "admin-stale-save")

    public = new_page(browser, javascript=False)
    public.goto(f"{served_catalogue.address}/initiatives/{shared_initiative}/")
    expect(public.get_by_role("heading", level=1)).to_have_text("Atelier partagé")
    expect(public.get_by_text("Un atelier de réparation de vélos.")).to_be_visible()
    for page in (first, second, public):
        page.context.close()


def test_an_editor_cannot_delete_an_organisation_nor_reach_user_management(
    browser, served_catalogue, editor_accounts
):
    page = signed_in_page(browser, served_catalogue, "eric")
    expect(page.locator("#content-main")).not_to_contain_text("Utilisateurs")
    page.goto(f"{served_catalogue.address}/admin/initiatives/organisation/")
    page.locator("#result_list tbody a").first.click()
    expect(page.locator("#content-main")).to_be_visible()
    expect(page.locator(".deletelink")).to_have_count(0)
    assert page.goto(page.url.rstrip("/") + "/../delete/").status == 403
    assert page.goto(f"{served_catalogue.address}/admin/auth/user/").status == 403
    assert page.goto(f"{served_catalogue.address}/admin/auth/group/").status == 403
    page.context.close()
