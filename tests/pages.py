"""The pages tests open, and what they read on them as a reader sees it."""

import html
import re
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django_webtest import DjangoTestApp

from initiatives.models import Initiative

CARD_TITLE = re.compile(r'<h3 class="card-title"><a href="[^"]*">(.*?)</a></h3>', re.S)


def card_titles(page: HttpResponse | str) -> list[str]:
    """The titles of the initiatives a page (or a part of its HTML) lists, in order."""
    content = page if isinstance(page, str) else page.content.decode()
    return [html.unescape(re.sub(r"<[^>]+>", "", title)) for title in CARD_TITLE.findall(content)]


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
