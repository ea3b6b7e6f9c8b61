"""Every tutorial link a plan gives lands on a section that exists (plans and tutorial agree)."""

from __future__ import annotations

from functools import cache
from html.parser import HTMLParser

import pytest
from django.test import Client

from architect import examples
from architect.core import learn
from architect.core.explain import explain
from architect.core.plan import Plan
from architect.core.planner import plan


class Ids(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.ids.update(v for k, v in attrs if k == "id" and v)


@cache
def section_ids(path: str) -> frozenset[str] | None:
    """The section ids of a tutorial page, or None when the page does not exist."""
    r = Client().get(path)
    return frozenset(Ids(r.text).ids) if r.status_code == 200 else None


def plan_links(p: Plan) -> dict[str, str]:
    """Every `learn` link a plan carries -> where it was found."""
    links = {}
    for f in p.findings:
        links.setdefault(f.learn, f"finding {f.code}")
    for f in p.flows:
        links.setdefault(f.learn, f"flow {f.source} -> {f.target}")
    for r in p.dns:
        links.setdefault(r.learn, f"DNS record {r.name} {r.type}")
    for h in p.hosts:
        for reason in h.reasons:
            links.setdefault(reason.learn, f"host {h.name}: {reason.subject}")
    for section in explain(p):
        for point in section.points:
            links.setdefault(point.learn, f"explanation: {section.title}")
    return links


def unresolved(link: str) -> str | None:
    path, _, anchor = link.partition("#")
    if not path.startswith("/learn/") or not anchor:
        return "not a /learn/<chapter>/#<section> address"
    ids = section_ids(path)
    if ids is None:
        return "no such chapter"
    if anchor not in ids:
        return "no such section"
    return None


@pytest.mark.django_db
def test_it_resolves_every_link_a_plan_can_carry():
    broken = {link: unresolved(link) for link in learn.all_links()}

    assert {k: v for k, v in broken.items() if v} == {}


@pytest.mark.django_db
@pytest.mark.parametrize("slug", examples.slugs())
def test_it_resolves_every_link_in_the_plan_of_each_example(slug):
    links = plan_links(plan(examples.load(slug)))

    broken = {f"{link} ({where})": unresolved(link) for link, where in links.items()}

    assert len(links) >= 5
    assert {k: v for k, v in broken.items() if v} == {}
