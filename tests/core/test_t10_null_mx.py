"""T10: names that never receive mail publish a null MX."""

from __future__ import annotations

from unittest import TestCase

from architect.core.trace import trace
from tests.core.factory import DesignBuilder, codes, mx, records


def parked(with_sender: bool = False) -> DesignBuilder:
    d = DesignBuilder("Parked")
    d.domain("example.org")
    d.domain("never.example", receives_mail=False)
    d.network("hosting", "internet", ["192.0.2.0/24"])
    d.host("mail.example.org", "hosting", ["192.0.2.10"], stores_mailboxes=True)
    if with_sender:
        d.client("noreply", "application", host="mail.example.org", domain="never.example")
    return d


class NullMxTest(TestCase):
    def setUp(self):
        self.plan = parked().plan()

    def test_it_publishes_a_single_null_mx(self):
        self.assertEqual(mx(self.plan, "never.example"), [(0, ".")])
        self.assertEqual(records(self.plan, "never.example", "MX"), ["0 ."])

    def test_a_name_that_sends_nothing_refuses_all_mail_claiming_it(self):
        self.assertEqual(records(self.plan, "never.example", "TXT"), ["v=spf1 -all"])
        self.assertEqual(records(self.plan, "_dmarc.never.example", "TXT"), ["v=DMARC1; p=reject"])

    def test_mail_to_it_bounces_at_once(self):
        t = trace(self.plan, "internet", "x@never.example")
        self.assertEqual((t.outcome, t.hops[-1].action), ("bounced", "bounce"))

    def test_sending_from_it_is_warned_about(self):
        plan = parked(with_sender=True).plan()
        self.assertIn("null-mx-sender", codes(plan, "warning"))
        # It sends, so it gets a real SPF record but keeps its null MX.
        self.assertEqual(mx(plan, "never.example"), [(0, ".")])
        self.assertEqual(records(plan, "never.example", "TXT"), ["v=spf1 ip4:192.0.2.10 -all"])
