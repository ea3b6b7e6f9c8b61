"""T2: null clients send everything through a hub and receive nothing."""

from __future__ import annotations

from unittest import TestCase

from tests.core.factory import DesignBuilder, flows, mx, records


def with_null_client() -> DesignBuilder:
    d = DesignBuilder("Null client")
    d.domain("example.com")
    d.network("servers", "internet", ["198.51.100.0/26"])
    d.network("lan", "internal", ["10.0.0.0/24"])
    d.host("hub.example.com", "servers", ["198.51.100.5"], stores_mailboxes=True)
    d.host("web.example.com", "lan", ["10.0.0.30"])
    d.client("cron", "application", host="web.example.com")
    return d


class NullClientTest(TestCase):
    def setUp(self):
        self.plan = with_null_client().plan()
        self.client = self.plan.host("web.example.com")
        self.hub = self.plan.host("hub.example.com")

    def test_it_sends_everything_to_the_hub_and_listens_on_loopback_only(self):
        self.assertIn("null-client", self.client.roles)
        self.assertEqual(self.client.relayhost, "[hub.example.com]")
        self.assertTrue(self.client.loopback_only)
        self.assertEqual(self.client.listens, ())
        self.assertEqual(self.client.final_domains, ())
        self.assertEqual(self.client.origin, "example.com")

    def test_the_hub_trusts_exactly_the_clients_network(self):
        self.assertIn("hub", self.hub.roles)
        self.assertEqual(self.hub.trusted_networks, ("10.0.0.0/24", "127.0.0.0/8", "::1/128"))

    def test_the_null_client_is_neither_mx_nor_in_spf(self):
        self.assertEqual(mx(self.plan, "example.com"), [(10, "hub.example.com")])
        spf = records(self.plan, "example.com", "TXT")
        self.assertEqual(spf, ["v=spf1 ip4:198.51.100.5 -all"])

    def test_its_programs_use_the_sendmail_command(self):
        self.assertIn(
            ("cron", "web.example.com", "sendmail-command", None), flows(self.plan, "injection")
        )
        self.assertIn(
            ("web.example.com", "hub.example.com", "smtp", 25), flows(self.plan, "transport")
        )
