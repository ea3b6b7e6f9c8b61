"""The plan's reasons assembled into "How mail moves here"."""

from __future__ import annotations

from architect import examples
from architect.core.explain import explain
from architect.core.learn import all_links
from architect.core.planner import plan


def test_it_groups_the_journey_in_four_sections():
    sections = explain(plan(examples.load("dmz-gateway")))
    assert [s.key for s in sections] == ["inbound", "outbound", "injection", "reading"]
    inbound = " ".join(p.text for p in sections[0].points)
    assert "example.com: MX 10 gw.example.com" in inbound
    assert "gw.example.com passes mail for example.com on to store.example.com" in inbound
    outbound = " ".join(p.text for p in sections[1].points)
    assert "store.example.com relays mail for other domains through gw.example.com" in outbound
    assert any("office-pcs submits" in p.text for p in sections[2].points)


def test_every_point_links_to_a_tutorial_section_and_names_stay_as_written():
    links = set(all_links())
    for slug in examples.slugs():
        for section in explain(plan(examples.load(slug))):
            for point in section.points:
                assert point.learn in links, (slug, point)
                assert not point.text.startswith(("Mail.", "Gw.", "Office-")), point.text
