"""The example designs: one JSON design file per standard topology.

Shared by the tests, the tutorial (its live diagrams) and the example
gallery, so they can never drift apart. Pure Python, like core/.
"""

from __future__ import annotations

from pathlib import Path

from ..core.design import Design, loads

HERE = Path(__file__).parent

# slug -> topology it shows, in the order the gallery lists them
TOPOLOGIES: dict[str, str] = {
    "solo-server": "T1 stand-alone internet host",
    "department-hub": "T2/T3 hub with null clients and a multi-user shell host",
    "dmz-gateway": "T4 DMZ gateway and inside mailbox server",
    "backup-mx": "T5 primary and backup MX",
    "smarthost": "T6 smarthost when port 25 is blocked",
    "multi-domain": "T7 many domains on one server, with T10 a parked domain",
    "filtering-edge": "T8 filtering edge and LMTP store",
    "timesharing": "T9 multi-user shell host with sendmail",
    "hosted-mailboxes": "Mailboxes at a provider, with a send-only app server",
}


def slugs() -> list[str]:
    return list(TOPOLOGIES)


def text(slug: str) -> str:
    """The example's design file, as stored."""
    if slug not in TOPOLOGIES:
        raise KeyError(slug)
    return (HERE / f"{slug}.json").read_text(encoding="utf-8")


def load(slug: str) -> Design:
    return loads(text(slug))
