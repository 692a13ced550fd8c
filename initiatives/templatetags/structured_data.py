"""Structured data for machines in the pages: JSON-LD, which no browser runs as a script (the
Content-Security-Policy has nothing to allow)."""

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from ..models import Initiative
from ..opendata import initiative_json_ld

register = template.Library()

# What would end the script element or start markup inside it, escaped as json_script does.
ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data: Any) -> SafeString:
    """`data` in a <script type="application/ld+json"> element."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.simple_tag(takes_context=True)
def initiative_structured_data(context: dict[str, Any], initiative: Initiative) -> SafeString:
    """The initiative as a schema.org Service (opendata.initiative_json_ld)."""
    url = context["request"].build_absolute_uri(initiative.get_absolute_url())
    return json_ld(initiative_json_ld(initiative, url))
