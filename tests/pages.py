"""The pages tests open, and what they read on them as a reader sees it."""

import html
import re
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django_webtest import DjangoTestApp

from initiatives.models import Initiative


def in_english(address: str) -> str:
    """The English twin of a public page's French `address`."""
    return f"/en{address}"


CARD_TITLE = re.compile(r'<h3 class="card-title"><a href="[^"]*">(.*?)</a></h3>', re.S)


def card_titles(page: HttpResponse | str) -> list[str]:
    """The titles of the initiatives a page (or a part of its HTML) lists, in order."""
    content = page if isinstance(page, str) else page.content.decode()
    return [html.unescape(re.sub(r"<[^>]+>", "", title)) for title in CARD_TITLE.findall(content)]


def card_slugs(page: HttpResponse | str) -> list[str]:
    """The slugs of the initiatives a page (or a part of its HTML) lists, in order, read from
    the addresses their titles link to."""
    content = page if isinstance(page, str) else page.content.decode()
    links = re.findall(r'<h3 class="card-title"><a href="[^"]*/initiatives/([^/"]+)/">', content)
    return links


def page_text(page: HttpResponse | str) -> str:
    """The text a reader reads on a page (or a part of its HTML): no tags, white space folded."""
    content = page if isinstance(page, str) else page.content.decode()
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def links(page: HttpResponse | str) -> dict[str, str]:
    """{text: address} of each link of a page (or a part of its HTML), white space folded."""
    content = page if isinstance(page, str) else page.content.decode()
    found = re.findall(r'<a\b[^>]*href="([^"]*)"[^>]*>(.*?)</a>', content, re.S)
    return {page_text(text): html.unescape(url) for url, text in found}


def card_places(page: HttpResponse) -> list[str]:
    """The places line of each card, as a screen reader reads it (« Lieux : » included)."""
    lines = re.findall(r'<p class="card-places">(.*?)</p>', page.content.decode(), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", line)).split()) for line in lines]


def link_texts(page: Any, href: str) -> list[str]:
    """The text of each link of a WebTest page to `href`, its white space folded."""
    return [" ".join(link.get_text().split()) for link in page.html.select(f'a[href="{href}"]')]


def change_url(initiative: Initiative) -> str:
    """The address of the initiative's change form in the admin."""
    return reverse("admin:initiatives_initiative_change", args=[initiative.pk])


def change_form(app: DjangoTestApp, initiative: Initiative) -> Any:
    """The initiative's change form, as the signed-in editor's browser `app` opened it."""
    return app.get(change_url(initiative)).forms["initiative_form"]


def facet_options(page: Any, name: str) -> list[str]:
    """The options a WebTest page's filter `name` offers, as a reader reads them: « label (n) »."""
    options = []
    for box in page.html.select(f'input[name="{name}"]'):
        label = page.html.select_one(f'label[for="{box["id"]}"]')
        options.append(" ".join(label.get_text().split()))
    return options


def card_statuses(page: HttpResponse | str) -> list[str]:
    """The status line of each card of a page (or a part of its HTML), in order."""
    content = page if isinstance(page, str) else page.content.decode()
    lines = re.findall(r'<p class="card-status">(.*?)</p>', content, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", line)).split()) for line in lines]


def visible_text(fragment: str) -> str:
    """What a reader reads of an HTML fragment: tags dropped, entities decoded, spaces folded."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
    return re.sub(r" ([,.])", r"\1", text)  # a tag closed before a comma adds no space


def section_text(page: HttpResponse, heading_id: str) -> str:
    """The text of the page's section titled by the heading of id `heading_id`."""
    content = page.content.decode()
    section = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', content, re.S)
    assert section, f"no section {heading_id}"
    return visible_text(section.group(1))


def facts(page: Any) -> dict[str, str]:
    """The « En bref » list of an initiative's page (a Django or a WebTest response):
    {term: its description's text}."""
    content = page.content.decode() if isinstance(page, HttpResponse) else page.text
    aside = re.search(r'<aside class="initiative-facts".*?</aside>', content, re.S)
    assert aside, "no facts"
    pairs = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", aside.group(0), re.S)
    return {visible_text(term): visible_text(description) for term, description in pairs}
