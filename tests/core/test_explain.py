"""The plan's reasons assembled into "How mail moves here"."""

from __future__ import annotations

from architect import examples
from architect.core.explain import explain, sentence
from architect.core.learn import all_links
from architect.core.planner import plan


def test_it_groups_the_journey_by_stage():
    sections = {s.key: s for s in explain(plan(examples.load("dmz-gateway")))}
    assert list(sections) == ["injection", "outbound", "inbound", "delivery", "access"]
    inbound = " ".join(p.text for p in sections["inbound"].points)
    assert "MX 10 for example.com: gw.example.com" in inbound
    assert "gw.example.com passes mail for example.com on to store.example.com" in inbound
    outbound = " ".join(p.text for p in sections["outbound"].points)
    assert "store.example.com relays mail for other domains through gw.example.com" in outbound
    assert any("office-pcs submits" in p.text for p in sections["injection"].points)


def test_a_null_mx_domain_is_explained():
    sections = {s.key: s for s in explain(plan(examples.load("multi-domain")))}
    texts = [p.text for p in sections["inbound"].points]
    assert "parked-example.org receives no mail: it publishes a null MX (RFC 7505)." in texts


def test_every_point_links_to_a_tutorial_section():
    links = set(all_links())
    for slug in examples.slugs():
        for section in explain(plan(examples.load(slug))):
            for point in section.points:
                assert point.learn in links, (slug, point)


def test_sentences_never_capitalise_a_name():
    assert sentence("senders look up the MX") == "Senders look up the MX."
    assert sentence("mail.example.org delivers") == "mail.example.org delivers."
    assert sentence("office-pcs submits mail.") == "office-pcs submits mail."
