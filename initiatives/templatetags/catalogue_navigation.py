from typing import Any

from django import template
from django.conf import settings
from django.core.paginator import Page
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


@register.inclusion_tag("includes/language_switcher.html", takes_context=True)
def language_switcher(context: template.Context) -> dict[str, Any]:
    """A button for each language but the page's, coming back to this very page."""
    request = context.get("request")
    current = get_language()
    return {
        "next": request.get_full_path() if request is not None else "",
        "languages": [
            {"code": code, "name": get_language_info(code)["name_local"]}
            for code, _name in settings.LANGUAGES
            if code != current
        ],
    }
