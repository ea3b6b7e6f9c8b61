"""T6: outbound through a provider's smarthost when port 25 is blocked."""

from __future__ import annotations

from unittest import TestCase

from architect.core.trace import trace
from tests.core.factory import DesignBuilder, codes, records


def blocked(smarthost: bool = True, include: str | None = "_spf.relay.example") -> DesignBuilder:
    d = DesignBuilder("Blocked")
    d.domain("example.info")
    d.network("cloud", "internet", ["203.0.113.64/27"], port25_outbound=False)
    d.host("mail.example.info", "cloud", ["203.0.113.70"], stores_mailboxes=True)
    if smarthost:
        extra = {"spf_include": include} if include else {}
        d.provider("relay", "smarthost", "smtp.relay.example", **extra)
    return d


class SmarthostTest(TestCase):
    def test_it_relays_through_the_smarthost_on_587_with_auth(self):
        h = blocked().plan().host("mail.example.info")
        self.assertEqual(h.relayhost, "[smtp.relay.example]:587")
        self.assertTrue(h.relayhost_auth)
        self.assertIn("outbound", h.roles)

    def test_spf_names_the_provider(self):
        plan = blocked().plan()
        self.assertEqual(
            records(plan, "example.info", "TXT"), ["v=spf1 include:_spf.relay.example -all"]
        )

    def test_an_unknown_provider_spf_softfails_and_says_so(self):
        plan = blocked(include=None).plan()
        self.assertEqual(records(plan, "example.info", "TXT"), ["v=spf1 a:smtp.relay.example ~all"])
        self.assertIn("provider-spf-unknown", codes(plan, "warning"))

    def test_without_a_smarthost_a_blocked_port_is_an_error(self):
        plan = blocked(smarthost=False).plan()
        self.assertIn("port25-blocked-no-relay", codes(plan, "error"))
        self.assertNotIn("outbound", plan.host("mail.example.info").roles)

    def test_mail_leaves_through_the_provider(self):
        d = blocked()
        d.network("roaming", "remote")
        d.client("laptop", "desktop", network="roaming")
        t = trace(d.plan(), "laptop", "x@far.example")
        self.assertEqual([h.target for h in t.hops], ["mail.example.info", "relay", "internet"])
        self.assertEqual(t.hops[1].port, 587)
