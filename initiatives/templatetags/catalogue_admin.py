"""The admin's index: what editors have to look at, counted."""

from typing import Any

from django import template

from ..review import review_items

register = template.Library()


@register.simple_tag(takes_context=True)
def review_counts(context: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(label, count, address of the list) of each kind of entry to look at that the user may
    see; one count query each."""
    user = context["request"].user
    return [
        (item.label, item.rows.count(), item.url)
        for item in review_items()
        if user.has_perm(item.permission)
    ]
