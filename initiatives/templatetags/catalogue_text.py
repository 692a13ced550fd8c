from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from initiatives import search

register = template.Library()

BULLET = "- "


@register.filter
def paragraphs(text: object) -> SafeString:
    """Plain text as HTML: blank lines separate paragraphs, lines starting with "- " are list items.

    Everything is escaped; only the <p>, <br>, <ul> and <li> this filter writes are markup.
    """
    blocks = []
    for block in str(text or "").replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith(BULLET) for line in lines):
            items = format_html_join("", "<li>{}</li>", ((line[2:],) for line in lines))
            blocks.append(format_html("<ul>{}</ul>", items))
        else:
            body = mark_safe("<br>".join(format_html("{}", line) for line in lines))
            blocks.append(format_html("<p>{}</p>", body))
    return mark_safe("\n".join(blocks))


@register.filter
def highlight(text: object) -> SafeString:
    """Text from the search's headline: escaped, then its marked words wrapped in <mark>."""
    return search.highlight(text)
