"""Small template helpers of the designer pages."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()

GROUPS = ("radioselect", "checkboxselectmultiple")


@register.filter
def described(field: BoundField) -> SafeString:
    """The field's widget tied to its help text and errors (aria-describedby, aria-invalid)."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_errors")
    attrs = {}
    if ids and field.widget_type not in GROUPS:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def severity_word(severity: str) -> str:
    return {"error": "Error", "warning": "Warning", "info": "Note"}.get(severity, severity)


@register.filter
def outcome_words(outcome: str) -> str:
    return {
        "delivered": "delivered to a mailbox",
        "sent-out": "sent out to the internet",
        "rejected": "refused, as it should be",
        "bounced": "bounced back to the sender",
        "stuck": "stuck: it cannot be delivered",
    }.get(outcome, outcome)


@register.filter
def action_words(action: str) -> str:
    return {
        "accept": "accepts it",
        "relay": "passes it on",
        "deliver": "delivers it",
        "reject": "refuses it",
        "bounce": "bounces it",
    }.get(action, action)


@register.filter
def kind_title(kind: str) -> str:
    from ..analysis import KIND_TITLES

    return KIND_TITLES.get(kind, kind)
