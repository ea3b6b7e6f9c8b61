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

    def test_the_hub_trusts_exactly_the_clients_address(self):
        self.assertIn("hub", self.hub.roles)
        self.assertEqual(self.hub.trusted_networks, ("10.0.0.30/32", "127.0.0.0/8", "::1/128"))

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


class RemoteNullClientTest(TestCase):
    def setUp(self):
        d = with_null_client()
        d.network("colo", "remote", ["198.51.100.0/24"])
        d.host("nas.example.com", "colo", ["198.51.100.9"])
        self.plan = d.plan()

    def test_a_host_on_a_remote_network_logs_in_instead_of_being_trusted(self):
        nas = self.plan.host("nas.example.com")
        self.assertEqual(nas.relayhost, "[hub.example.com]:587")
        self.assertTrue(nas.relayhost_auth)
        hub = self.plan.host("hub.example.com")
        self.assertNotIn("198.51.100.0/24", hub.trusted_networks)
        self.assertIn("submission", hub.roles)
        self.assertIn(("nas.example.com", "hub.example.com", "submission", 587), flows(self.plan))

    def test_a_trace_shows_the_login(self):
        from architect.core.trace import trace

        d = with_null_client()
        d.network("colo", "remote", ["198.51.100.0/24"])
        d.host("nas.example.com", "colo", ["198.51.100.9"])
        d.client("backups", "application", host="nas.example.com")
        t = trace(d.plan(), "backups", "x@far.example")
        self.assertEqual(
            [(h.target, h.protocol, h.port) for h in t.hops],
            [
                ("nas.example.com", "sendmail-command", None),
                ("hub.example.com", "submission", 587),
                ("internet", "smtp", 25),
            ],
        )

    def test_the_hub_does_not_open_port_25_to_it(self):
        hub = self.plan.host("hub.example.com")
        relay = [x for x in hub.listens if x.port == 25 and x.purpose == "relay"]
        self.assertTrue(all("nas.example.com" not in x.open_to for x in relay))
