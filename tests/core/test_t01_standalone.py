"""T1: a stand-alone internet host does everything itself."""

from __future__ import annotations

from unittest import TestCase

from architect.core.trace import trace
from tests.core.factory import DesignBuilder, codes, flows, mx, records


def standalone() -> DesignBuilder:
    d = DesignBuilder("Stand-alone")
    d.domain("example.org")
    d.network("hosting", "internet", ["192.0.2.0/24"])
    d.network("roaming", "remote")
    d.host("mail.example.org", "hosting", ["192.0.2.10"], stores_mailboxes=True)
    d.client("laptops", "desktop", count=5, network="roaming")
    return d


class StandaloneTest(TestCase):
    def setUp(self):
        self.plan = standalone().plan()
        self.host = self.plan.host("mail.example.org")

    def test_it_makes_the_host_mx_store_and_sender(self):
        self.assertTrue({"mx", "mailbox", "outbound", "submission", "imap"} <= set(self.host.roles))
        self.assertEqual(mx(self.plan, "example.org"), [(10, "mail.example.org")])

    def test_it_relays_for_nobody_else(self):
        self.assertEqual(self.host.trusted_networks, ("127.0.0.0/8", "::1/128"))
        self.assertEqual(self.host.relay_domains, ())
        self.assertEqual(self.host.final_domains, ("example.org",))
        self.assertIsNone(self.host.relayhost)

    def test_it_offers_tls_on_25_without_auth_and_requires_both_on_submission(self):
        by_port = {listener.port: listener for listener in self.host.listens}
        self.assertEqual((by_port[25].auth, by_port[25].tls), (False, "offered"))
        for port in (587, 465):
            self.assertEqual((by_port[port].auth, by_port[port].tls), (True, "required"))

    def test_it_publishes_mx_a_ptr_and_a_tight_spf(self):
        self.assertEqual(records(self.plan, "example.org", "MX"), ["10 mail.example.org."])
        self.assertEqual(records(self.plan, "mail.example.org", "A"), ["192.0.2.10"])
        self.assertEqual(
            records(self.plan, "10.2.0.192.in-addr.arpa", "PTR"), ["mail.example.org."]
        )
        self.assertIn("v=spf1 ip4:192.0.2.10 -all", records(self.plan, "example.org", "TXT"))

    def test_its_roaming_clients_submit_and_read_on_the_host(self):
        self.assertIn(
            ("laptops", "mail.example.org", "submission", 587), flows(self.plan, "injection")
        )
        self.assertIn(("mail.example.org", "laptops", "imap", 993), flows(self.plan, "access"))
        self.assertEqual(codes(self.plan, "error"), set())

    def test_it_delivers_inbound_mail_and_refuses_to_relay(self):
        inbound = trace(self.plan, "internet", "alice@example.org")
        self.assertEqual(inbound.outcome, "delivered")
        self.assertEqual([h.action for h in inbound.hops], ["accept", "deliver"])
        relay = trace(self.plan, "internet", "victim@elsewhere.example")
        self.assertEqual((relay.outcome, relay.hops[0].action), ("rejected", "reject"))
        self.assertEqual(len(relay.hops), 1)
