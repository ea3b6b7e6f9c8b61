"""T8: filtering gateways in front of an LMTP mailbox store."""

from __future__ import annotations

from unittest import TestCase

from architect.core.trace import trace
from tests.core.factory import DesignBuilder, codes, flows, mx


def edge(backup: bool = False) -> DesignBuilder:
    d = DesignBuilder("Edge")
    d.domain("example.org")
    d.network("edge", "dmz", ["198.51.100.0/28"])
    d.network("core", "internal", ["10.1.0.0/24"])
    d.host("gw1.example.org", "edge", ["198.51.100.2"], services=["filtering", "submission"])
    d.host("gw2.example.org", "edge", ["198.51.100.3"], services=["filtering"])
    d.host("store.example.org", "core", ["10.1.0.10"], mta="none", stores_mailboxes=True)
    d.client("office", "desktop", count=100, network="core")
    d.policy(backup_mx=backup)
    return d


class FilteringEdgeTest(TestCase):
    def setUp(self):
        self.plan = edge().plan()
        self.store = self.plan.host("store.example.org")

    def test_the_gateways_share_the_load_at_equal_preference(self):
        self.assertEqual(
            mx(self.plan, "example.org"), [(10, "gw1.example.org"), (10, "gw2.example.org")]
        )
        for gw in ("gw1.example.org", "gw2.example.org"):
            self.assertTrue({"mx", "gateway", "filter"} <= set(self.plan.host(gw).roles))

    def test_a_backup_policy_makes_the_preferences_distinct(self):
        self.assertEqual(
            mx(edge(backup=True).plan(), "example.org"),
            [(10, "gw1.example.org"), (20, "gw2.example.org")],
        )

    def test_gateways_deliver_over_lmtp_to_the_store(self):
        gw = self.plan.host("gw1.example.org")
        self.assertEqual(dict(gw.transport), {"example.org": "lmtp:[store.example.org]:24"})
        self.assertIn(
            ("gw1.example.org", "store.example.org", "lmtp", 24), flows(self.plan, "delivery")
        )

    def test_the_store_listens_for_lmtp_from_the_gateways_only(self):
        lmtp = next(listener for listener in self.store.listens if listener.port == 24)
        self.assertEqual(lmtp.open_to, ("gw1.example.org", "gw2.example.org"))
        self.assertEqual(self.store.delivery, "maildir")
        self.assertEqual(self.store.trusted_networks, ())

    def test_a_message_is_filtered_then_stored(self):
        t = trace(self.plan, "internet", "ann@example.org")
        self.assertEqual([h.action for h in t.hops], ["accept", "deliver"])
        self.assertEqual(t.hops[-1].protocol, "lmtp")
        self.assertEqual(codes(self.plan, "error"), set())

    def test_an_inbound_filter_provider_becomes_the_mx(self):
        d = edge()
        d.provider("cleaner", "inbound_filter", "in.cleaner.example")
        plan = d.plan()
        self.assertEqual(mx(plan, "example.org"), [(10, "in.cleaner.example")])
        t = trace(plan, "internet", "ann@example.org")
        self.assertEqual([h.target for h in t.hops][:2], ["cleaner", "gw1.example.org"])
