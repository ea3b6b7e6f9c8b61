"""T3: a LAN with a central mail hub that is also the MX."""

from __future__ import annotations

from unittest import TestCase

from architect.core.trace import trace
from tests.core.factory import DesignBuilder, codes, flows


def lan() -> DesignBuilder:
    d = DesignBuilder("LAN hub")
    d.domain("example.edu")
    d.network("servers", "dmz", ["203.0.113.0/28"])
    d.network("lan", "internal", ["10.1.0.0/16"])
    d.network("home", "remote", ["100.64.0.0/10"])
    d.host("mailhost.example.edu", "servers", ["203.0.113.5"], stores_mailboxes=True)
    d.host("ws1.example.edu", "lan", ["10.1.0.21"])
    d.client("printers", "device", count=3, network="lan", can_authenticate=False)
    d.client("desktops", "desktop", count=40, network="lan")
    d.client("home-laptops", "desktop", count=10, network="home")
    return d


class LanHubTest(TestCase):
    def setUp(self):
        self.plan = lan().plan()
        self.hub = self.plan.host("mailhost.example.edu")

    def test_the_hub_is_mx_store_and_relay_for_the_lan(self):
        self.assertTrue({"mx", "mailbox", "hub", "outbound"} <= set(self.hub.roles))
        self.assertIn("10.1.0.0/16", self.hub.trusted_networks)

    def test_it_never_trusts_the_remote_network(self):
        for h in self.plan.hosts:
            self.assertNotIn("100.64.0.0/10", h.trusted_networks)

    def test_devices_inject_unauthenticated_only_from_the_trusted_lan(self):
        self.assertIn(
            ("printers", "mailhost.example.edu", "smtp", 25), flows(self.plan, "injection")
        )
        self.assertIn(
            ("home-laptops", "mailhost.example.edu", "submission", 587),
            flows(self.plan, "injection"),
        )

    def test_a_device_outside_a_trusted_network_is_an_error(self):
        d = lan()
        d.client("cafe-scanner", "device", network="home", can_authenticate=False)
        plan = d.plan()
        self.assertIn("device-cannot-authenticate", codes(plan, "error"))
        self.assertIsNone(plan.client("cafe-scanner").send_via)

    def test_lan_mail_leaves_through_the_hub(self):
        t = trace(self.plan, "desktops", "someone@far.example")
        self.assertEqual(t.outcome, "sent-out")
        self.assertEqual(
            [(h.source, h.target) for h in t.hops][-1], ("mailhost.example.edu", "internet")
        )


class TrustAcrossNatTest(TestCase):
    def test_trusting_an_internal_network_from_an_internet_host_is_questioned(self):
        d = DesignBuilder("Hosted hub")
        d.domain("example.com")
        d.network("hosting", "internet", ["192.0.2.0/24"])
        d.network("office", "internal", ["192.168.1.0/24"])
        d.host("mail.example.com", "hosting", ["192.0.2.10"], stores_mailboxes=True)
        d.client("printers", "device", network="office", can_authenticate=False)
        plan = d.plan()
        self.assertIn("192.168.1.0/24", plan.host("mail.example.com").trusted_networks)
        self.assertIn("trust-across-nat", codes(plan, "warning"))

    def test_a_dmz_hub_inside_the_firewall_is_not_questioned(self):
        self.assertNotIn("trust-across-nat", codes(lan().plan()))
