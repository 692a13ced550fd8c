"""A reader reports an error and an editor finds it; an initiative's page printed to PDF."""

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from ..harness import Gunicorn, manage
from .conftest import new_page, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "plume-verte-cartable-2026"
SLUG = "fonds-de-dotation-coup-de-pouce"
MESSAGE = "Le 04 91 07 80 00 ne repond plus <b>depuis mars</b> (essai 7431)"


@pytest.fixture(scope="module")
def editor(served_catalogue: Gunicorn) -> str:
    """An editor with an email: the one a suggestion is emailed to."""
    environment = served_catalogue.environment | {"DJANGO_EDITOR_PASSWORD": PASSWORD}
    manage(environment, "make_editor", "sacha", "--create", "--email", "sacha@example.org")
    return "sacha"


def test_a_reader_s_suggestion_reaches_the_editor(
    page: Page, browser, served_catalogue: Gunicorn, editor: str
) -> None:
    page.goto(f"{served_catalogue.address}/initiatives/{SLUG}/")
    page.get_by_role("link", name="Signaler une erreur ou proposer une mise à jour").click()
    expect(page).to_have_url(re.compile(f"/initiatives/{SLUG}/signaler/$"))
    page.get_by_label("Qu'est-ce qui est faux, ou nouveau ?").fill(MESSAGE)
    page.get_by_label("Quelle partie de la fiche ? (facultatif)").select_option("contacts")
    email = page.get_by_label("Votre courriel, pour qu'on vous réponde (facultatif)")
    email.fill("lecteur@example")
    page.get_by_role("button", name="Envoyer à l'équipe du catalogue").click()
    # A mistake comes back with its error, the text typed kept.
    expect(page.get_by_role("alert").first).to_contain_text("Le message n'est pas parti")
    expect(page.get_by_label("Qu'est-ce qui est faux, ou nouveau ?")).to_have_value(MESSAGE)
    email.fill("lecteur@example.org")
    page.get_by_role("button", name="Envoyer à l'équipe du catalogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merci, votre message est parti")
    screenshot(page, "suggestion-sent")

    # The email (console backend: the server's output).
    log = Path(served_catalogue.log.name)
    expect_email = re.compile(r"To: sacha@example\.org.*?" + re.escape(MESSAGE), re.S)
    assert expect_email.search(log.read_text(errors="replace"))

    staff = new_page(browser)
    staff.goto(f"{served_catalogue.address}/admin/login/")
    staff.fill("#id_username", editor)
    staff.fill("#id_password", PASSWORD)
    staff.locator("input[type=submit]").click()
    counts = staff.locator("#review-counts")
    waiting = counts.get_by_role("row", name=re.compile("Suggestions de lecteurs en attente"))
    expect(waiting).to_contain_text("1")
    waiting.get_by_role("link").click()
    row = staff.locator("#result_list tbody tr").first
    # Markup is shown as text.
    expect(row).to_contain_text("<b>depuis mars</b>")
    row.get_by_role("link", name="Fonds de dotation « Coup de Pouce »").click()
    expect(staff).to_have_url(re.compile(r"/admin/initiatives/initiative/\d+/change/$"))
    staff.context.close()


def test_an_initiative_prints_as_a_clean_sheet(page: Page, served_catalogue: Gunicorn) -> None:
    url = f"{served_catalogue.address}/initiatives/{SLUG}/"
    page.goto(url)
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".language-switcher", ".suggest-link"):
        expect(page.locator(hidden)).to_be_hidden()
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = " ".join(" ".join((sheet.extract_text() or "").split()) for sheet in pdf.pages)
    for navigation in ("Toutes les initiatives", "English", "Aller au contenu", "Signaler"):
        assert navigation not in text
    # Contacts, then places, before the description; the outside link's address printed.
    assert text.index("Claire Louazel") < text.index("Bouches-du-Rhône") < text.index("Description")
    assert "(https://www.ajjt.fr)" in text
    # The page's address and the date at the bottom.
    last = " ".join((pdf.pages[-1].extract_text() or "").split())
    assert url in last.replace(" ", "") or url in text.replace(" ", "")
    assert re.search(r"Page produite le \d{1,2} \w+ 20\d\d", text)
