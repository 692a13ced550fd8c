from typing import Any

from django import template
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.paginator import Page
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

register = template.Library()


@register.inclusion_tag("includes/pagination.html")
def pagination(page: Page, query: str) -> dict[str, Any]:
    """The links around `page` of a list, none if it has a single page. `query` holds the
    list's other parameters, URL-encoded, kept in every link."""
    if not page.has_other_pages():
        return {}
    prefix = f"?{query}&page=" if query else "?page="
    return {
        "number": page.number,
        "total": page.paginator.num_pages,
        "previous_url": f"{prefix}{page.previous_page_number()}" if page.has_previous() else "",
        "next_url": f"{prefix}{page.next_page_number()}" if page.has_next() else "",
    }


def translations(request: HttpRequest | None) -> list[dict[str, str]]:
    """This very page in each language: code, name and address (its query string kept)."""
    path = request.get_full_path() if request is not None else "/"
    return [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": translate_url(path, code),
        }
        for code, _name in settings.LANGUAGES
    ]


@register.inclusion_tag("includes/language_switcher.html", takes_context=True)
def language_switcher(context: template.Context) -> dict[str, Any]:
    """A link to this very page in each language but the page's."""
    current = get_language()
    return {
        "languages": [
            language
            for language in translations(context.get("request"))
            if language["code"] != current
        ]
    }


@register.inclusion_tag("includes/alternates.html", takes_context=True)
def alternates(context: template.Context) -> dict[str, Any]:
    """The page's `hreflang` alternates: its address in each language, French as the default."""
    request = context.get("request")
    languages = translations(request)
    if request is not None:
        try:
            absolute = request.build_absolute_uri
            for language in languages:
                language["url"] = absolute(language["url"])
        except DisallowedHost:  # the page saying so: relative addresses will do
            pass
    default = next(lang for lang in languages if lang["code"] == settings.LANGUAGE_CODE)
    return {"languages": languages, "default": default}
