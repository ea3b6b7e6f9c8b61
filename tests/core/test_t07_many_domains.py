"""T7: many domains on one server, with an alias domain and a parked one."""

from __future__ import annotations

from unittest import TestCase

from architect.core.trace import trace
from tests.core.factory import DesignBuilder, mx, records


def hosting() -> DesignBuilder:
    d = DesignBuilder("Hosting")
    d.domain("example.com")
    d.domain("example.net")
    d.domain("shop.example", alias_of="example.com")
    d.domain("parked.example", receives_mail=False)
    d.network("hosting", "internet", ["192.0.2.128/26"])
    d.host("mx.example.com", "hosting", ["192.0.2.130"], stores_mailboxes=True, services=["imap"])
    return d


class ManyDomainsTest(TestCase):
    def setUp(self):
        self.plan = hosting().plan()
        self.host = self.plan.host("mx.example.com")

    def test_every_receiving_domain_points_at_the_one_host(self):
        for domain in ("example.com", "example.net", "shop.example"):
            self.assertEqual(mx(self.plan, domain), [(10, "mx.example.com")], domain)

    def test_the_alias_domain_is_rewritten_not_stored(self):
        self.assertEqual(dict(self.host.alias_domains), {"shop.example": "example.com"})
        t = trace(self.plan, "internet", "sales@shop.example")
        self.assertEqual(t.outcome, "delivered")
        self.assertIn("alias", t.hops[-1].why)

    def test_the_parked_domain_gets_null_mx_spf_fail_and_dmarc_reject(self):
        self.assertEqual(mx(self.plan, "parked.example"), [(0, ".")])
        self.assertEqual(records(self.plan, "parked.example", "TXT"), ["v=spf1 -all"])
        self.assertEqual(records(self.plan, "_dmarc.parked.example", "TXT"), ["v=DMARC1; p=reject"])
        self.assertNotIn("parked.example", self.host.final_domains)

    def test_each_domain_has_its_own_spf_and_dmarc(self):
        for domain in ("example.com", "example.net"):
            self.assertEqual(records(self.plan, domain, "TXT"), ["v=spf1 ip4:192.0.2.130 -all"])
            self.assertEqual(len(records(self.plan, f"_dmarc.{domain}", "TXT")), 1)
