"""The finding page as readers use it, by mouse, keyboard and phone, with JavaScript and without:
filters applied without a scroll, folded on a phone, long lists narrowed, a short way to the
results by keyboard, a focus ring that shows."""

import re
import unicodedata

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from ..harness import Gunicorn
from .conftest import DESKTOP, new_page, screenshot

pytestmark = pytest.mark.browser

# A phone as readers hold one: the first screen is what they see before any scroll.
PHONE = {"width": 390, "height": 844}
COUNT = re.compile(r"^(\d+) initiatives?$")


def shown_count(page: Page) -> int:
    """The count of initiatives the results' heading gives."""
    return int(COUNT.match(page.locator("#results-heading").inner_text())[1])


def within_screen(page: Page, locator: Locator) -> bool:
    """Whether all of `locator`'s box lies on the screen as it is scrolled now."""
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def unfold(page: Page, group: str) -> None:
    """Opens the filter group labelled `group`, by its summary."""
    page.locator("#facets .facet-group > summary", has_text=re.compile(f"^{group}")).click()


def test_a_ticked_filter_applies_itself_and_the_count_follows(
    browser: Browser, served_catalogue: Gunicorn
) -> None:
    page = new_page(browser)
    page.goto(f"{served_catalogue.address}/initiatives/")
    everything = shown_count(page)
    expect(page.get_by_role("button", name="Appliquer les filtres")).to_be_hidden()

    unfold(page, "Pays")
    page.get_by_label(re.compile(r"^France \(\d+\)")).check()
    expect(page).to_have_url(re.compile(r"/initiatives/\?country=FR$"))
    expect(page.get_by_role("link", name="Retirer le filtre Pays : France")).to_be_visible()
    in_france = shown_count(page)
    assert 0 < in_france < everything
    # The count is announced where the filters are, and the ticked box keeps the focus.
    expect(page.locator(".apply-count[role=status]")).to_have_text(f"{in_france} initiatives")
    expect(page.get_by_label(re.compile(r"^France \(\d+\)"))).to_be_focused()
    expect(page.locator("#facet-country")).to_have_attribute("open", "")
    screenshot(page, "finding-applied")

    # The same list as the server gives it at that address, and back to the whole list.
    titles = page.locator("h3.card-title").all_inner_texts()
    other = new_page(browser, javascript=False)
    other.goto(page.url)
    assert other.locator("h3.card-title").all_inner_texts() == titles
    other.context.close()
    page.go_back()
    expect(page).to_have_url(f"{served_catalogue.address}/initiatives/")
    expect(page.locator("#results-heading")).to_have_text(f"{everything} initiatives")
    expect(page.get_by_label(re.compile(r"^France \(\d+\)"))).not_to_be_checked()

    # A search is sent in place as well, the filters kept, and found words highlighted.
    page.get_by_label(re.compile(r"^France \(\d+\)")).check()
    expect(page).to_have_url(re.compile(r"country=FR$"))
    page.get_by_label("Rechercher").fill("logement")
    page.get_by_label("Rechercher").press("Enter")
    expect(page).to_have_url(re.compile(r"/initiatives/\?q=logement&country=FR$"))
    # The thesaurus widens « logement » to « hébergement » and « relogement ».
    expect(page.locator("mark").first).to_have_text(
        re.compile("logement|hébergement", re.IGNORECASE)
    )
    assert shown_count(page) < in_france
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_without_javascript_the_apply_button_is_at_hand_wherever_one_scrolls(
    browser: Browser, served_catalogue: Gunicorn, viewport: dict[str, int]
) -> None:
    page = new_page(browser, viewport=viewport, javascript=False)
    page.goto(f"{served_catalogue.address}/initiatives/")
    if viewport is PHONE:
        page.locator(".filters-summary").click()
    for summary in page.locator("#facets .facet-group > summary").all():
        summary.click()
    for more in page.locator("#facets .more-options > summary").all():
        more.click()
    panel = page.locator(".list-filters")
    button = page.get_by_role("button", name="Appliquer les filtres")
    assert panel.bounding_box()["height"] > 2 * viewport["height"], "a long panel to scroll"
    # Scrolled anywhere along the filters.
    checkboxes = page.locator("#facets input[type=checkbox]")
    for index in (0, checkboxes.count() // 2, checkboxes.count() - 1):
        checkboxes.nth(index).scroll_into_view_if_needed()
        assert within_screen(page, button), f"apply button hidden by option {index}"
    checkboxes.nth(checkboxes.count() // 2).scroll_into_view_if_needed()
    page.get_by_label(re.compile(r"^France \(\d+\)")).check()
    button.click()
    expect(page).to_have_url(re.compile(r"country=FR"))
    expect(page.get_by_role("link", name="Retirer le filtre Pays : France")).to_be_visible()
    page.context.close()


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_on_a_phone_the_filters_fold_above_the_first_result(
    browser: Browser, served_catalogue: Gunicorn, javascript: bool
) -> None:
    page = new_page(browser, viewport=PHONE, javascript=javascript)
    page.goto(f"{served_catalogue.address}/initiatives/?public=refugies-bpi&country=FR")
    summary = page.locator(".filters-summary")
    expect(summary).to_have_text("Filtres (2 actifs)")
    first_result = page.locator("h3.card-title").first
    assert summary.bounding_box()["y"] < first_result.bounding_box()["y"]
    assert within_screen(page, first_result), "the first result on the first screen"
    for chip in ("Public : Réfugiés (BPI)", "Pays : France"):
        assert within_screen(page, page.get_by_role("link", name=f"Retirer le filtre {chip}"))
    expect(page.get_by_label(re.compile(r"^France \(\d+\)"))).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"finding-phone-{'js' if javascript else 'nojs'}")

    summary.click()
    expect(page.get_by_label(re.compile(r"^France \(\d+\)"))).to_be_visible()
    if javascript:
        # Applied at once; the panel's link then folds it and shows the results.
        page.get_by_label(re.compile(r"^France \(\d+\)")).uncheck()
        expect(summary).to_have_text("Filtres (1 actif)")
        page.get_by_role("link", name="Voir les résultats").click()
        expect(page.get_by_label(re.compile(r"^France \(\d+\)"))).to_be_hidden()
        assert within_screen(page, page.locator("h3.card-title").first)
    page.context.close()


def test_a_long_list_of_options_unfolds_without_javascript(
    page: Page, served_catalogue: Gunicorn
) -> None:
    page.goto(f"{served_catalogue.address}/initiatives/")
    unfold(page, "Département")
    group = page.locator("#facet-department")
    shown = group.locator("input[type=checkbox]:visible").count()
    more = group.get_by_text(re.compile(r"^Afficher tout \(\d+\)$"))
    total = int(re.search(r"\d+", more.inner_text())[0])
    assert 0 < shown < total
    more.click()
    assert group.locator("input[type=checkbox]:visible").count() == total


def test_typing_in_a_long_list_narrows_its_options(
    browser: Browser, served_catalogue: Gunicorn
) -> None:
    page = new_page(browser)
    page.goto(f"{served_catalogue.address}/initiatives/")
    unfold(page, "Département")
    group = page.locator("#facet-department")
    options = group.locator("li:visible")
    before = options.count()
    # The last département, folded at first: typed in lower case and without its accents.
    wanted = " ".join(group.locator("li label").last.text_content().split()).split(" (")[0]
    typed = unicodedata.normalize("NFD", wanted).encode("ascii", "ignore").decode().lower()
    search = group.get_by_label("Filtrer cette liste")
    search.fill(typed)
    expect(options.filter(has_text=wanted)).to_have_count(1)
    assert 1 <= options.count() < before
    assert all(wanted in text for text in options.all_inner_texts()), options.all_inner_texts()
    # Enter narrows, it sends nothing; emptied, the box gives every option back, unfolded.
    search.press("Enter")
    expect(page).to_have_url(f"{served_catalogue.address}/initiatives/")
    search.fill("")
    assert options.count() == group.locator("li").count() > before
    page.context.close()


def focused(page: Page) -> dict[str, str]:
    """What has the focus: its tag, the region it lies in and its text."""
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            const region = element.closest('.card, .list-filters, .list-search, header')
            return {
                tag: element.tagName.toLowerCase(),
                region: region ? region.className : '',
                text: (element.innerText || element.value || '').trim().slice(0, 80),
            };
        }"""
    )


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_the_keyboard_reaches_the_first_result_in_a_few_presses(
    browser: Browser, served_catalogue: Gunicorn, javascript: bool
) -> None:
    page = new_page(browser, javascript=javascript)
    page.goto(f"{served_catalogue.address}/themes/acces-au-logement/")
    first_title = page.locator("h3.card-title").first.inner_text()
    presses = ["Tab", "Tab", "Enter", "Tab"]
    for key in presses:
        page.keyboard.press(key)
    assert len(presses) <= 8
    assert focused(page) == {"tag": "a", "region": "card", "text": first_title}

    # Tab alone goes as the eye does: the search, then the filters, then the results.
    page.goto(f"{served_catalogue.address}/themes/acces-au-logement/")
    regions = []
    for _ in range(60):
        page.keyboard.press("Tab")
        now = focused(page)
        regions.append(now["region"])
        if now["region"] == "card":
            break
    assert regions[-1] == "card", regions
    order = [region for number, region in enumerate(regions) if region not in regions[:number]]
    assert order.index("list-search") < order.index("list-filters") < order.index("card"), order
    page.context.close()


def test_what_the_keyboard_focuses_is_never_hidden_under_the_apply_bar(
    page: Page, served_catalogue: Gunicorn
) -> None:
    page.goto(f"{served_catalogue.address}/initiatives/")
    unfold(page, "Public")
    unfold(page, "Département")
    page.locator("#facet-department > summary").focus()
    bar = page.locator(".apply-bar")
    hidden = []
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
        bottom = page.evaluate("document.activeElement.getBoundingClientRect().bottom")
        if bottom > bar.bounding_box()["y"]:
            hidden.append(page.evaluate("document.activeElement.id"))
    assert page.evaluate("document.activeElement.type") == "submit", "Tab reaches the button"
    assert hidden == []


def luminance(rgb: list[int]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: list[int], other: list[int]) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def rgb(css_colour: str) -> list[int]:
    return [int(value) for value in re.findall(r"\d+", css_colour)[:3]]


RING = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    // The colour behind the ring: the first ancestor's with a background of its own.
    let behind = element.parentElement;
    while (behind && getComputedStyle(behind).backgroundColor === 'rgba(0, 0, 0, 0)') {
        behind = behind.parentElement;
    }
    return {
        style: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
        colour: style.outlineColor,
        background: behind ? getComputedStyle(behind).backgroundColor : 'rgb(255, 255, 255)',
    };
}"""


def test_the_focus_ring_contrasts_with_what_surrounds_it(
    browser: Browser, served_catalogue: Gunicorn
) -> None:
    page = new_page(browser)
    page.goto(f"{served_catalogue.address}/initiatives/?country=FR")
    rings: dict[str, dict] = {}
    for _ in range(60):
        page.keyboard.press("Tab")
        where = focused(page)
        region = where["region"].split()[0] if where["region"] else where["tag"]
        if region in ("site-header", "list-search", "list-filters", "card") or where["tag"] in (
            "summary",
            "input",
        ):
            rings.setdefault(f"{region} {where['tag']}", page.evaluate(RING))
        if region == "card":
            break
    assert {"site-header a", "list-search input", "list-filters summary", "card a"} <= set(rings)
    for name, ring in rings.items():
        assert ring["style"] != "none" and ring["width"] >= 2, name
        ratio = contrast(rgb(ring["colour"]), rgb(ring["background"]))
        assert ratio >= 3, f"{name}: {ring['colour']} on {ring['background']} is {ratio:.2f}:1"
    page.context.close()


@pytest.mark.parametrize(
    "path", ["/initiatives/", "/themes/acces-au-logement/", "/organisations/france-terre-dasile/"]
)
def test_each_card_shows_its_places_status_and_source_year(
    page: Page, served_catalogue: Gunicorn, path: str
) -> None:
    page.goto(f"{served_catalogue.address}{path}")
    cards = page.locator("article.card")
    assert cards.count() > 0
    for card in cards.all():
        title = card.locator(".card-title").inner_text()
        expect(card.locator(".card-places"), title).to_be_visible()
        expect(card.locator(".card-status"), title).to_have_text(
            re.compile(r"^Statut : .+ · source (de \d{4}|non datée)$")
        )
