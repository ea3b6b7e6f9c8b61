"""Small template helpers of the designer pages."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from architect.core.explain import sentence as as_sentence

from ..analysis import KIND_TITLES

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
def hop_words(hop) -> str:
    """What happens at one hop of a trace, in words: who does what, over which protocol."""
    if hop.action == "accept":
        words = f"{hop.target} accepts it"
    elif hop.action == "relay":
        words = f"{hop.source} passes it on to {hop.target}"
    elif hop.action == "deliver":
        into = "" if hop.target == hop.source else f" into {hop.target}"
        words = f"{hop.source} delivers it{into}"
    elif hop.action == "reject":
        words = f"{hop.target} refuses it"
    elif hop.action == "bounce":
        words = f"{hop.source} bounces it back to the sender"
    else:
        words = f"{hop.source} → {hop.target}: {hop.action}"
    if hop.protocol and hop.protocol != "none":
        port = f", port {hop.port}" if hop.port else ""
        words += f" ({hop.protocol}{port})"
    return words + "."


@register.filter
def sentence(text: str) -> str:
    """``text`` as a sentence; a name at its start (mail.example.org) keeps its case."""
    return as_sentence(text)


@register.filter
def kind_title(kind: str) -> str:
    return KIND_TITLES.get(kind, kind)
