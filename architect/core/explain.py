"""Assemble a plan's reasons into readable sections: "How mail moves here".

Nothing here is written separately from the plan: every sentence is a
``why`` that a planner stage recorded, grouped by the part of the journey it
belongs to, with the tutorial link that explains it. The designer page, the
share page and the tutorial use this, so they say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from .learn import learn
from .plan import Flow, Plan

# key, title, one-line introduction; in the order a message lives them
SECTIONS = (
    ("injection", "How new mail gets in", "Programs and devices hand new messages to a server."),
    ("outbound", "How mail leaves", "Mail for other organisations goes out to their MX hosts."),
    ("inbound", "How mail arrives", "Other organisations' servers look up your MX records."),
    ("delivery", "Where mail is stored", "The last server files each message in a mailbox."),
    ("access", "How people read it", "Mail programs fetch messages from the mailbox store."),
)


@dataclass(frozen=True)
class Point:
    text: str
    learn: str
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    points: tuple[Point, ...]


def explain(plan: Plan) -> list[Section]:
    """The plan's explanations, grouped by stage of the journey; empty sections left out."""
    points: dict[str, list[Point]] = {key: [] for key, _, _ in SECTIONS}
    for domain, records in plan.mx:
        for m in records:
            if m.host == ".":
                text = f"{domain} receives no mail: it publishes a null MX (RFC 7505)."
                points["inbound"].append(Point(text, learn("topologies", "null-mx"), (domain,)))
            else:
                text = f"MX {m.preference} for {domain}: {m.host}, {m.why}."
                link = learn("transport", "mx-records")
                points["inbound"].append(Point(text, link, (domain, m.host)))
    for f in plan.flows:
        points[section_of(f)].append(Point(sentence(f.why), f.learn, (f.source, f.target)))
    return [
        Section(key, title, intro, tuple(_unique(points[key])))
        for key, title, intro in SECTIONS
        if points[key]
    ]


def section_of(f: Flow) -> str:
    """The section a flow belongs to: transport carrying named domains brings mail in."""
    if f.stage != "transport":
        return f.stage
    return "inbound" if f.domains else "outbound"


def sentence(text: str) -> str:
    """A capital and a full stop, but never a capital on a name.

    Plan reasons begin with the thing they are about ("mail.example.org looks
    up ..."); a first word with a dot, hyphen, digit or underscore keeps its case.
    """
    text = text.strip()
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if first.isalpha():
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _unique(points: list[Point]) -> list[Point]:
    seen: set[str] = set()
    out = []
    for p in points:
        if p.text not in seen:
            seen.add(p.text)
            out.append(p)
    return out
