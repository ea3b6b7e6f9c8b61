"""Stable links from plan decisions to the tutorial.

Every ``why`` in a plan carries a ``learn`` link built here, so the tutorial
and the planner agree on one list of anchors. The tutorial's chapter pages
must give each of these anchors as a section ``id``; a test checks that every
link a plan can produce lands on an existing section.
"""

from __future__ import annotations

# chapter slug -> section anchors that plans link to (in reading order)
CHAPTERS: dict[str, tuple[str, ...]] = {
    "journey": ("roles", "stages"),
    "injection": ("sendmail-command", "submission", "submission-not-relay", "devices"),
    "transport": (
        "smtp",
        "mx-records",
        "mx-preference",
        "implicit-mx",
        "relaying",
        "smarthost",
        "port-25-blocked",
    ),
    "delivery": ("mbox-maildir", "lmtp", "aliases", "local-delivery"),
    "reading": ("imap", "pop3", "webmail"),
    "relaying": (
        "open-relay",
        "trusted-networks",
        "relay-domains",
        "authentication",
        "backscatter",
    ),
    "topologies": (
        "stand-alone",
        "null-client",
        "hub",
        "dmz-gateway",
        "backup-mx",
        "smarthost",
        "many-domains",
        "filtering-edge",
        "shell-host",
        "null-mx",
    ),
    "trust": ("ptr", "spf", "dkim", "dmarc", "starttls", "mta-sts", "tls-rpt", "autoconfig"),
    "mta": ("choosing", "safe-defaults"),
    "glossary": (),
}


def learn(chapter: str, anchor: str) -> str:
    """Return the tutorial address of a section, refusing anchors that do not exist."""
    if anchor not in CHAPTERS.get(chapter, ()):
        raise KeyError(f"no tutorial section {chapter}#{anchor}")
    return f"/learn/{chapter}/#{anchor}"


def all_links() -> list[str]:
    """Every link a plan may carry, for tests that check the tutorial has them."""
    return [learn(c, a) for c, anchors in CHAPTERS.items() for a in anchors]
