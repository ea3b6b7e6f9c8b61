"""Planner and DNS defects from the deployment review (issue 14), each on a design built here."""

from __future__ import annotations

import dataclasses
from unittest import TestCase

from architect.core.trace import trace
from tests.core.factory import DesignBuilder, codes, records


def spf_records(plan, name: str) -> list[str]:
    return [v for v in records(plan, name, "TXT") if v.startswith("v=spf1")]


class RelayTrustTest(TestCase):
    """1: a hub trusts the hosts that relay through it, not their whole network."""

    def cloud(self, zone: str = "internet") -> DesignBuilder:
        d = DesignBuilder("Shared cloud")
        d.domain("example.com")
        d.network("cloud", zone, ["198.51.100.0/24"])
        d.host("mail.example.com", "cloud", ["198.51.100.5"], stores_mailboxes=True)
        d.host("app.example.com", "cloud", ["198.51.100.9", "2001:db8::9"])
        return d

    def test_a_hub_trusts_only_the_address_of_a_host_on_an_internet_network(self):
        hub = self.cloud().plan().host("mail.example.com")
        self.assertNotIn("198.51.100.0/24", hub.trusted_networks)
        self.assertIn("198.51.100.9/32", hub.trusted_networks)
        self.assertIn("2001:db8::9/128", hub.trusted_networks)
        why = " ".join(r.why for r in hub.reasons if r.subject == "trusted_networks")
        self.assertIn("not its whole network", why)

    def test_the_same_holds_on_a_dmz(self):
        hub = self.cloud("dmz").plan().host("mail.example.com")
        self.assertNotIn("198.51.100.0/24", hub.trusted_networks)
        self.assertIn("198.51.100.9/32", hub.trusted_networks)

    def test_an_internal_lan_is_trusted_whole_only_for_its_devices(self):
        d = DesignBuilder("Office")
        d.domain("example.com")
        d.network("servers", "dmz", ["203.0.113.0/28"])
        d.network("lan", "internal", ["10.1.0.0/16"])
        d.host("mail.example.com", "servers", ["203.0.113.5"], stores_mailboxes=True)
        d.host("ws1.example.com", "lan", ["10.1.0.21"])
        hub = d.plan().host("mail.example.com")
        self.assertEqual(hub.trusted_networks, ("10.1.0.21/32", "127.0.0.0/8", "::1/128"))
        d.client("printers", "device", count=3, network="lan", can_authenticate=False)
        hub = d.plan().host("mail.example.com")
        self.assertIn("10.1.0.0/16", hub.trusted_networks)
        why = " ".join(r.why for r in hub.reasons if r.subject == "trusted_networks")
        self.assertIn("printers", why)


def hybrid() -> DesignBuilder:
    d = DesignBuilder("Hybrid")
    d.domain("example.org")
    d.network("office", "internal", ["10.0.0.0/24"])
    d.network("roaming", "remote")
    d.host("relay.example.org", "office", ["10.0.0.5"])
    d.client("scanners", "device", count=4, network="office", can_authenticate=False, can_tls=False)
    d.client("staff", "desktop", count=10, network="roaming")
    d.provider(
        "mailhost", "mailbox_hosting", "mx.mailhost.example", spf_include="spf.mailhost.example"
    )
    d.provider(
        "mailhost-relay", "smarthost", "smtp.mailhost.example", spf_include="spf.mailhost.example"
    )
    return d


class HybridDevicesTest(TestCase):
    """2: devices without AUTH or TLS use an on-site relay, even with hosted mailboxes."""

    def setUp(self):
        self.plan = hybrid().plan()

    def test_such_devices_hand_mail_to_the_on_site_relay_on_port_25(self):
        c = self.plan.client("scanners")
        self.assertEqual((c.send_via, c.send_port, c.send_auth), ("relay.example.org", 25, False))
        relay = self.plan.host("relay.example.org")
        self.assertIn("10.0.0.0/24", relay.trusted_networks)
        self.assertFalse(relay.loopback_only)
        self.assertIn(25, [listener.port for listener in relay.listens])
        self.assertIn("client-without-tls", codes(self.plan, "warning"))

    def test_clients_that_can_log_in_still_use_the_provider(self):
        self.assertEqual(self.plan.client("staff").send_via, "mailhost")

    def test_their_mail_reaches_the_hosted_mailboxes(self):
        t = trace(self.plan, "scanners", "ann@example.org")
        self.assertEqual(t.outcome, "delivered")
        self.assertEqual(t.hops[0].target, "relay.example.org")

    def test_the_trace_never_delivers_mail_a_client_cannot_send(self):
        # A plan that asked a client for a password it cannot give: the trace says so.
        clients = tuple(
            dataclasses.replace(
                c,
                send_via="mailhost",
                send_protocol="submission",
                send_port=587,
                send_security="STARTTLS",
                send_auth=True,
            )
            if c.name == "scanners"
            else c
            for c in self.plan.clients
        )
        broken = dataclasses.replace(self.plan, clients=clients)
        t = trace(broken, "scanners", "ann@example.org")
        self.assertNotEqual(t.outcome, "delivered")
        self.assertFalse(t.ok)
        self.assertEqual(t.hops[-1].action, "reject")


class InboundFilterTest(TestCase):
    """3: behind an inbound filter provider, port 25 is for the filter only."""

    def setUp(self):
        d = DesignBuilder("Filtered")
        d.domain("example.org")
        d.network("pub", "internet", ["192.0.2.0/24"])
        d.host("mail.example.org", "pub", ["192.0.2.10"], stores_mailboxes=True)
        d.provider("shield", "inbound_filter", "mx.shield.example")
        self.plan = d.plan()
        self.host = self.plan.host("mail.example.org")

    def test_port_25_is_open_to_the_filter_not_the_internet(self):
        port25 = next(listener for listener in self.host.listens if listener.port == 25)
        self.assertNotIn("internet", port25.open_to)
        self.assertIn("shield", port25.open_to)
        why = " ".join(r.why for r in self.host.reasons if r.subject == "inbound_filter")
        self.assertIn("bypass", why)

    def test_a_finding_says_the_addresses_must_be_filled_in(self):
        f = next(f for f in self.plan.findings if f.code == "inbound-filter-addresses")
        self.assertEqual(f.severity, "warning")
        self.assertIn("mail.example.org", f.subjects)
        self.assertIn("check_client_access", f.message)

    def test_filtered_mail_still_arrives(self):
        t = trace(self.plan, "internet", "ann@example.org")
        self.assertEqual(t.outcome, "delivered")


class Ipv6OnlyMxTest(TestCase):
    """13: an MX reachable over IPv6 only is unreachable for IPv4-only senders."""

    def test_it_warns(self):
        d = DesignBuilder("v6")
        d.domain("example.org")
        d.network("pub", "internet", ["2001:db8:1::/48"])
        d.host("mail.example.org", "pub", ["2001:db8:1::25"], stores_mailboxes=True)
        self.assertIn("mx-ipv6-only", codes(d.plan(), "warning"))

    def test_a_dual_stack_mx_is_fine(self):
        d = DesignBuilder("v6")
        d.domain("example.org")
        d.network("pub", "internet", ["2001:db8:1::/48", "192.0.2.0/24"])
        d.host("mail.example.org", "pub", ["2001:db8:1::25", "192.0.2.25"], stores_mailboxes=True)
        self.assertNotIn("mx-ipv6-only", codes(d.plan()))


def home_server() -> DesignBuilder:
    d = DesignBuilder("Home")
    d.domain("example.org")
    d.network("home", "dmz", ["192.168.1.0/24"])
    d.host("mail.example.org", "home", ["192.168.1.10"], stores_mailboxes=True)
    return d


class HomeServerBehindNatTest(TestCase):
    """14: an MX with only a private address is an error, and its public address a FILL IN."""

    def test_it_is_an_error(self):
        self.assertIn("mx-private-address", codes(home_server().plan(), "error"))

    def test_the_zone_gets_a_placeholder_public_address(self):
        p = home_server().plan()
        public = [r for r in p.dns if r.name == "mail.example.org." and r.zone == "example.org"]
        self.assertEqual([(r.type, r.placeholder) for r in public], [("A", True)])
        self.assertIn("FILL IN", public[0].why)

    def test_an_internal_host_that_accepts_internet_smtp_is_told_what_to_change(self):
        d = DesignBuilder("Home")
        d.domain("example.org")
        d.network("home", "internal", ["192.168.1.0/24"])
        d.host(
            "mail.example.org",
            "home",
            ["192.168.1.10"],
            stores_mailboxes=True,
            accepts_internet_smtp=True,
        )
        f = next(f for f in d.plan().findings if f.code == "mx-behind-nat")
        self.assertEqual(f.severity, "error")
        self.assertIn("dmz", f.message)


class SpfWithoutPublicAddressTest(TestCase):
    """15: SPF never names a host by a: when it has no public address."""

    def test_a_backup_mx_behind_nat_is_not_an_a_term(self):
        d = DesignBuilder("Backup")
        d.domain("example.org")
        d.network("pub", "internet", ["192.0.2.0/24"])
        d.network("branch", "dmz", ["172.16.5.0/24"])
        d.host("mx1.example.org", "pub", ["192.0.2.10"], stores_mailboxes=True)
        d.host("mx2.example.org", "branch", ["172.16.5.10"])
        d.policy(backup_mx=True)
        p = d.plan()
        self.assertIn("backup-mx", p.host("mx2.example.org").roles)
        spf = spf_records(p, "example.org")
        self.assertEqual(spf, ["v=spf1 ip4:192.0.2.10 -all"])
        f = next(f for f in p.findings if f.code == "spf-sender-without-public-address")
        self.assertIn("mx2.example.org", f.subjects)
        # Nor does its HELO name get an a record that cannot match.
        self.assertEqual(spf_records(p, "mx2.example.org"), [])


class NullClientRoleTest(TestCase):
    """16: a host that listens is never a null client."""

    def test_a_relaying_host_that_offers_submission_is_not_a_null_client(self):
        d = DesignBuilder("Submission")
        d.domain("example.com")
        d.network("pub", "internet", ["198.51.100.0/26"])
        d.network("lan", "internal", ["10.0.0.0/24"])
        d.host("hub.example.com", "pub", ["198.51.100.5"], stores_mailboxes=True)
        d.host("msa.example.com", "lan", ["10.0.0.30"], services=["submission"])
        h = d.plan().host("msa.example.com")
        self.assertIn("submission", h.roles)
        self.assertNotIn("null-client", h.roles)
        self.assertNotIn("null-client", [r.subject for r in h.reasons])


class WordingTest(TestCase):
    """18: the MTA-STS certificate name, and autoconfig only where a file exists."""

    def test_the_mta_sts_certificate_is_for_the_mta_sts_name(self):
        d = DesignBuilder("Solo")
        d.domain("example.org")
        d.network("pub", "internet", ["192.0.2.0/24"])
        d.host("mail.example.org", "pub", ["192.0.2.10"], stores_mailboxes=True)
        f = next(f for f in d.plan().findings if f.code == "mta-sts-policy-host")
        self.assertIn("certificate for mta-sts.example.org", f.message)

    def test_no_autoconfig_name_without_a_mailbox_server_to_name(self):
        d = DesignBuilder("Timesharing")
        d.domain("example.edu")
        d.network("campus", "internet", ["198.51.100.64/26"])
        d.host(
            "unix.example.edu", "campus", ["198.51.100.70"], shell_users=True, stores_mailboxes=True
        )
        d.client("readers", "terminal", host="unix.example.edu")
        self.assertEqual(records(d.plan(), "autoconfig.example.edu", "CNAME"), [])


class OneSpfRecordPerNameTest(TestCase):
    """19: a host named like its domain gets one SPF record there, not two."""

    def test_the_host_and_domain_share_one_record(self):
        d = DesignBuilder("Shell")
        d.domain("shell.example")
        d.network("campus", "internet", ["198.51.100.64/26"])
        d.host("shell.example", "campus", ["198.51.100.70"], shell_users=True)
        d.client("readers", "terminal", host="shell.example")
        spf = spf_records(d.plan(), "shell.example")
        self.assertEqual(spf, ["v=spf1 ip4:198.51.100.70 -all"])


class DmarcReportConsentTest(TestCase):
    """20: reports to another domain need that domain's consent record (RFC 7489 §7.1)."""

    def two_domains(self, reports_to: str) -> DesignBuilder:
        d = DesignBuilder("Reports")
        d.domain("example.com")
        d.domain("parked-example.org", receives_mail=False)
        d.network("pub", "internet", ["192.0.2.0/24"])
        d.host("mx.example.com", "pub", ["192.0.2.10"], stores_mailboxes=True)
        d.policy(reports_to=reports_to)
        return d

    def test_a_report_address_under_one_of_our_domains_gets_the_record(self):
        p = self.two_domains("dmarc@reports.example.com").plan()
        consent = [
            r for r in p.dns if r.name == "parked-example.org._report._dmarc.reports.example.com."
        ]
        self.assertEqual([(r.value, r.zone) for r in consent], [("v=DMARC1", "example.com")])

    def test_a_report_address_elsewhere_is_a_warning_to_ask_for_it(self):
        p = self.two_domains("dmarc@reports.example.net").plan()
        f = next(
            f
            for f in p.findings
            if f.code == "dmarc-external-reports" and "parked-example.org" in f.subjects
        )
        self.assertEqual(f.severity, "warning")
        self.assertIn(
            'parked-example.org._report._dmarc.reports.example.net TXT "v=DMARC1"', f.message
        )
        self.assertIn("Ask whoever runs reports.example.net", f.message)
