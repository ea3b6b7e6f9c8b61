"""Properties every plan keeps, over generated designs (hypothesis)."""

from __future__ import annotations

import ipaddress
from unittest import TestCase

from hypothesis import HealthCheck, given, settings

from architect.core import plan as plan_model
from architect.core.planner import plan
from architect.core.trace import trace
from tests.strategies import designs

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def about(p, *names) -> bool:
    """Whether some finding names one of ``names``."""
    return any(set(names) & set(f.subjects) for f in p.findings)


class PlannerPropertyTest(TestCase):
    @SETTINGS
    @given(designs())
    def test_no_host_ever_trusts_a_remote_network_or_everything(self, design):
        p = plan(design)
        remote = [
            ipaddress.ip_network(c) for n in design.networks if n.zone == "remote" for c in n.cidrs
        ]
        for h in p.hosts:
            for block in h.trusted_networks:
                net = ipaddress.ip_network(block)
                self.assertGreaterEqual(net.prefixlen, 8, (h.name, block))
                self.assertFalse(
                    any(net.version == r.version and net.overlaps(r) for r in remote),
                    (h.name, block),
                )

    @SETTINGS
    @given(designs())
    def test_every_receiving_domain_has_an_internet_mx_or_a_finding(self, design):
        p = plan(design)
        for d in design.domains:
            if not d.receives_mail:
                self.assertEqual([(m.preference, m.host) for m in p.mx_for(d.name)], [(0, ".")])
                continue
            records = p.mx_for(d.name)
            reachable = records and all(
                not p.has_host(m.host)
                or any("internet" in x.open_to and x.port == 25 for x in p.host(m.host).listens)
                for m in records
            )
            self.assertTrue(reachable or about(p, d.name, d.alias_of), d.name)

    @SETTINGS
    @given(designs())
    def test_every_client_can_send_or_a_finding_says_why(self, design):
        p = plan(design)
        for c in p.clients:
            self.assertTrue(c.send_via is not None or about(p, c.name), c.name)

    @SETTINGS
    @given(designs())
    def test_mail_from_the_internet_to_outsiders_is_always_refused(self, design):
        t = trace(plan(design), "internet", "victim@not-ours.example")
        self.assertEqual(t.outcome, "rejected")
        self.assertEqual(len(t.hops), 1)
        self.assertNotIn("relay", [h.action for h in t.hops])

    @SETTINGS
    @given(designs())
    def test_the_plan_is_deterministic(self, design):
        self.assertEqual(plan_model.dumps(plan(design)), plan_model.dumps(plan(design)))

    @SETTINGS
    @given(designs())
    def test_an_mx_is_never_internal_remote_often_off_or_closed(self, design):
        p = plan(design)
        for _, records in p.mx:
            for m in records:
                if not p.has_host(m.host):
                    continue
                h = design.host(m.host)
                self.assertIn(design.network(h.network).zone, ("internet", "dmz"))
                self.assertTrue(h.always_on and h.accepts_internet_smtp and h.mta != "none")

    @SETTINGS
    @given(designs())
    def test_preferences_are_equal_only_for_load_sharing_gateways(self, design):
        p = plan(design)
        for domain, records in p.mx:
            prefs = [m.preference for m in records]
            self.assertEqual(prefs, sorted(prefs))
            if design.policy.backup_mx:
                ours = [m.preference for m in records if p.has_host(m.host)]
                self.assertLessEqual(ours.count(10), 1, domain)

    @SETTINGS
    @given(designs())
    def test_every_learn_link_and_flow_end_is_known(self, design):
        from architect.core.learn import all_links

        p = plan(design)
        links = set(all_links())
        ends = {h.name for h in p.hosts} | {c.name for c in p.clients}
        ends |= {pr.name for pr in p.providers} | {"internet"}
        for f in p.flows:
            self.assertIn(f.learn, links)
            self.assertIn(f.source, ends)
            self.assertIn(f.target, ends)
        for item in [*p.findings, *p.dns]:
            self.assertIn(item.learn, links)
