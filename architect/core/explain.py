"""Assemble a plan's reasons into readable sections: "How mail moves here".

Nothing here is written separately from the plan: every sentence is a
``why`` that a planner stage recorded, grouped by the part of the journey it
belongs to, with the tutorial link that explains it. The designer page, the
share page and the bundle's README all use this, so they say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from .plan import Plan


@dataclass(frozen=True)
class Point:
    text: str
    learn: str
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str  # inbound | outbound | injection | reading
    title: str
    points: tuple[Point, ...]


TITLES = {
    "inbound": "Mail coming in",
    "outbound": "Mail going out",
    "injection": "How mail programs hand over mail",
    "reading": "Reading mail",
}


def explain(plan: Plan) -> list[Section]:
    """The plan's explanations in four sections, in the order a message lives them."""
    inbound: list[Point] = []
    for domain, records in plan.mx:
        for m in records:
            if m.host == ".":
                inbound.append(
                    Point(f"{domain}: {m.why}.", "/learn/topologies/#null-mx", (domain,))
                )
            else:
                inbound.append(
                    Point(
                        f"{domain}: MX {m.preference} {m.host}, {m.why}.",
                        "/learn/transport/#mx-records",
                        (domain, m.host),
                    )
                )
    outbound: list[Point] = []
    injection: list[Point] = []
    reading: list[Point] = []
    for f in plan.flows:
        point = Point(_sentence(f.why), f.learn, (f.source, f.target))
        if f.stage == "injection":
            injection.append(point)
        elif f.stage == "access":
            reading.append(point)
        elif f.stage == "delivery" or f.source == "internet" or f.domains:
            inbound.append(point)
        else:
            outbound.append(point)
    sections = [
        ("inbound", inbound),
        ("outbound", outbound),
        ("injection", injection),
        ("reading", reading),
    ]
    return [Section(key, TITLES[key], tuple(_unique(points))) for key, points in sections]


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    # Capitalise an ordinary first word, never a name ("mail.example.org", "office-pcs").
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
