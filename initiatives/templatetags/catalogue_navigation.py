from typing import Any

from django import template
from django.core.paginator import Page

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
