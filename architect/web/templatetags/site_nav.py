"""{% nav_link %}: a main-navigation link that marks itself current with aria-current."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context: template.Context, url_name: str, label: str) -> SafeString:
    """Link to ``url_name`` ("learn:index"); current when the page is in that namespace.

    aria-current is "page" on the section's own page and "true" deeper inside it.
    """
    href = reverse(url_name)
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    section = url_name.partition(":")[0]
    if match is None or match.namespace != section:
        return format_html('<a href="{}">{}</a>', href, label)
    current = "page" if request.path == href else "true"
    return format_html('<a href="{}" aria-current="{}">{}</a>', href, current, label)
