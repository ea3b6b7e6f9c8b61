"""How the diagram looks: thresholds, colours, lanes and columns, and the text
helpers every label goes through (user text is escaped here, nowhere else)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import graphviz

# -- thresholds (docs/diagrams.md explains each) -----------------------------

# More than this many null clients alike on one network become one node.
AGGREGATE_AT = 4
# Past this many nodes (after aggregation) the diagram summarises: one node per
# network instead of one per host, so `dot` stays well inside its time limit.
MAX_NODES = 150
# Past this many nodes the summary by network gives way to one node per zone.
MAX_SUMMARY_NODES = 60
# Lines of MX records listed in the DNS note before "... and N more".
MAX_DNS_LINES = 8
# Kinds of finding listed on a node before "and N more".
MAX_MARK_LINES = 4
# Flows described one by one in the SVG <desc> for screen readers.
MAX_DESC_FLOWS = 40
RENDER_TIMEOUT = 5.0
FORMATS = ("svg", "png")
FONT = "DejaVu Sans"


# -- looks -------------------------------------------------------------------

# Okabe–Ito colours (safe for the common colour-vision deficiencies), each
# paired with its own line style so print and colour-blind readers can tell the
# stages apart without the colour.
STAGE_LOOK: dict[str, dict[str, str]] = {
    "injection": {"color": "#E69F00", "text": "#8A5A00", "style": "dashed", "penwidth": "1.6"},
    "transport": {"color": "#0072B2", "text": "#00507D", "style": "bold", "penwidth": "2.4"},
    "delivery": {"color": "#009E73", "text": "#006B4E", "style": "solid", "penwidth": "1.6"},
    "access": {"color": "#CC79A7", "text": "#8E3F6C", "style": "dotted", "penwidth": "2.0"},
}
STAGE_MEANING = {
    "injection": "injection: a program hands new mail to a server",
    "transport": "transport: server to server over SMTP",
    "delivery": "delivery: into the mailbox store",
    "access": "access: people read their mail",
}
# Badge fill per role, tinted like the stage the role serves.
BADGE_FILL = {
    "injection": "#FBEBC8",
    "transport": "#D5E8F5",
    "delivery": "#CDEEE3",
    "access": "#F4DDEB",
}
ROLE_STAGE = {
    "mx": "transport",
    "backup-mx": "transport",
    "gateway": "transport",
    "filter": "transport",
    "hub": "transport",
    "outbound": "transport",
    "null-client": "transport",
    "submission": "injection",
    "mailbox": "delivery",
    "local-delivery": "delivery",
    "imap": "access",
    "pop3": "access",
    "webmail": "access",
}
ROLE_BADGE = {
    "mx": "MX",
    "backup-mx": "backup MX",
    "gateway": "gateway",
    "filter": "filter",
    "hub": "hub",
    "outbound": "outbound",
    "null-client": "null client",
    "submission": "submission",
    "mailbox": "mailbox",
    "local-delivery": "local delivery",
    "imap": "IMAP",
    "pop3": "POP3",
    "webmail": "webmail",
}
# Order of badges on a node: how mail meets the host, in the order of its journey.
ROLE_ORDER = (
    "mx",
    "backup-mx",
    "filter",
    "gateway",
    "hub",
    "null-client",
    "outbound",
    "submission",
    "mailbox",
    "local-delivery",
    "imap",
    "pop3",
    "webmail",
)
PROVIDER_BADGE = {
    "smarthost": ("smarthost", "transport"),
    "inbound_filter": ("inbound filter", "transport"),
    "backup_mx": ("backup MX", "transport"),
    "mailbox_hosting": ("mailbox hosting", "delivery"),
}
PROTOCOL_NAME = {
    "smtp": "SMTP",
    "submission": "submission",
    "submissions": "submissions",
    "lmtp": "LMTP",
    "local": "local",
    "imap": "IMAP",
    "pop3": "POP3",
    "sendmail-command": "sendmail command",
    "https": "HTTPS",
    "none": "no route",
}
MARK_COLOR = {"error": "#B2182B", "warning": "#D55E00"}
TRACE_EXTRA_COLOR = "#D55E00"
FADED = "#BDBDBD"
FADED_TEXT = "#9E9E9E"
INK = "#222222"
MUTED = "#5F5F5F"

# Lanes, outside in; slot ranges keep each lane in its own columns.
LANES = (
    ("internet", "Internet", "#F3F8FC"),
    ("remote", "Remote (roaming users)", "#FAF6EE"),
    ("dmz", "DMZ", "#F7F3FA"),
    ("internal", "Internal networks", "#F1F8F4"),
    ("clients", "Mail programs", "#FBFBF4"),
)
LANE_TOOLTIP = {
    "internet": "Public addresses: the rest of the internet, outside providers and our hosts "
    "with public addresses",
    "remote": "Where roaming users sit (home, phone, café): never trusted",
    "dmz": "Behind a firewall; published ports are reachable from the internet",
    "internal": "Private networks the internet cannot reach",
    "clients": "Mail programs whose network the plan does not name",
}
# Columns, left to right. A host's own mailbox store and the programs running
# on it take the column right after the host.
SLOT = {
    "internet": 0,
    "remote-client": 0,
    "provider": 1,
    "remote-host": 1,
    "internet-host": 2,
    "internet-beside": 3,
    "dmz-host": 4,
    "dmz-beside": 5,
    "internal-host": 6,
    "internal-beside": 7,
    "internal-client": 8,
    "client": 9,
}


# -- escaping ----------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _clean(text: object) -> str:
    """User text on one line: control characters (newlines too) become spaces."""
    return _CONTROL.sub(" ", str(text))


def _plain(text: object) -> str:
    r"""User text for a plain DOT string: backslashes doubled (so ``\l`` and ``\n``
    stay literal) and never read as an HTML-like label."""
    return graphviz.escape(_clean(text))


def _lines(parts: Iterable[object]) -> str:
    r"""User text for a tooltip, one line per part (joined by the DOT escape ``\n``).

    dot 2.43 expands escapes in tooltips twice, so no count of backslashes
    survives every Graphviz version: a backslash is shown as the look-alike
    U+29F5 instead, which leaves no escape (``\N``, ``\G``, ``\l``) to expand.
    """
    return graphviz.nohtml("\\n".join(_clean(p).replace("\\", "\u29f5") for p in parts))


def _url(url: str) -> str:
    """A caller's link as a DOT URL: percent-encoded backslashes, no escapes to expand."""
    return graphviz.nohtml(_clean(url).replace("\\", "%5C"))


def _html(text: object) -> str:
    """User text inside an HTML-like label: ``& < > "`` as entities."""
    return (
        _clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _font(text: str, *, size: int | None = None, color: str | None = None) -> str:
    """Wrap already-escaped label text in a FONT element."""
    attrs = ""
    if size:
        attrs += f' POINT-SIZE="{size}"'
    if color:
        attrs += f' COLOR="{color}"'
    return f"<FONT{attrs}>{text}</FONT>" if attrs else text


def _row(content: str) -> str:
    """One left-aligned row of an HTML-like label (content already escaped)."""
    return f'<TR><TD ALIGN="LEFT">{content}</TD></TR>'


def _shorten(text: str, limit: int = 2400) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the scene ---------------------------------------------------------------
