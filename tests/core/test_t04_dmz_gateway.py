"""T4: a DMZ gateway relays inward to a mailbox server on the inside network."""

from __future__ import annotations

from unittest import TestCase

from architect.core.trace import trace
from tests.core.factory import DesignBuilder, codes, mx, records


def dmz() -> DesignBuilder:
    d = DesignBuilder("DMZ")
    d.domain("example.com")
    d.network("dmz", "dmz", ["203.0.113.0/28"])
    d.network("inside", "internal", ["10.0.0.0/24"])
    d.host("gw.example.com", "dmz", ["203.0.113.2"])
    d.host("store.example.com", "inside", ["10.0.0.20"], stores_mailboxes=True)
    d.client("pcs", "desktop", count=20, network="inside")
    return d


class DmzGatewayTest(TestCase):
    def setUp(self):
        self.plan = dmz().plan()
        self.gw = self.plan.host("gw.example.com")
        self.store = self.plan.host("store.example.com")

    def test_the_gateway_is_the_only_mx(self):
        self.assertEqual(mx(self.plan, "example.com"), [(10, "gw.example.com")])
        self.assertTrue({"mx", "gateway", "outbound"} <= set(self.gw.roles))

    def test_the_gateway_relays_the_domain_inward_with_recipient_checks(self):
        self.assertEqual(self.gw.relay_domains, ("example.com",))
        self.assertEqual(self.gw.final_domains, ())
        self.assertEqual(dict(self.gw.transport), {"example.com": "relay:[store.example.com]"})
        self.assertTrue(self.gw.recipient_validation)
        self.assertIsNone(self.gw.delivery)

    def test_the_store_is_final_and_sends_out_through_the_gateway(self):
        self.assertEqual(self.store.final_domains, ("example.com",))
        self.assertEqual(self.store.relayhost, "[gw.example.com]")
        self.assertNotIn("mx", self.store.roles)
        # Trusted by its own address, not the whole inside network (issue 14, item 1).
        self.assertIn("10.0.0.20/32", self.gw.trusted_networks)
        self.assertNotIn("10.0.0.0/24", self.gw.trusted_networks)

    def test_the_store_stays_out_of_public_dns(self):
        published = [r for r in self.plan.dns if r.name == "store.example.com." and r.zone]
        self.assertEqual(published, [])
        self.assertEqual(records(self.plan, "example.com", "TXT"), ["v=spf1 ip4:203.0.113.2 -all"])

    def test_inbound_mail_crosses_the_gateway(self):
        t = trace(self.plan, "internet", "bob@example.com")
        self.assertEqual(
            [(h.source, h.target, h.action) for h in t.hops],
            [
                ("internet", "gw.example.com", "accept"),
                ("gw.example.com", "store.example.com", "relay"),
                ("store.example.com", "store.example.com", "deliver"),
            ],
        )

    def test_gateway_checks_recipients_and_says_so(self):
        self.assertIn("gateway-recipient-list", codes(self.plan, "info"))
        self.assertEqual(codes(self.plan, "error"), set())
