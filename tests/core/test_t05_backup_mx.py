"""T5: a primary MX and a backup MX with distinct preferences."""

from __future__ import annotations

from unittest import TestCase

from architect.core.trace import trace
from tests.core.factory import DesignBuilder, codes, mx


def backup(same_network: bool = False) -> DesignBuilder:
    d = DesignBuilder("Backup MX")
    d.domain("example.net")
    d.network("site-a", "internet", ["192.0.2.0/25"])
    d.network("site-b", "internet", ["198.51.100.128/25"])
    d.host("mx1.example.net", "site-a", ["192.0.2.25"], stores_mailboxes=True)
    d.host("mx2.example.net", "site-a" if same_network else "site-b", ["198.51.100.140"])
    d.policy(backup_mx=True)
    return d


class BackupMxTest(TestCase):
    def setUp(self):
        self.plan = backup().plan()
        self.backup = self.plan.host("mx2.example.net")

    def test_it_gives_distinct_preferences(self):
        self.assertEqual(
            mx(self.plan, "example.net"), [(10, "mx1.example.net"), (20, "mx2.example.net")]
        )

    def test_the_backup_queues_and_forwards_never_delivers(self):
        self.assertIn("backup-mx", self.backup.roles)
        self.assertEqual(self.backup.relay_domains, ("example.net",))
        self.assertEqual(self.backup.final_domains, ())
        self.assertTrue(self.backup.recipient_validation)

    def test_the_backup_forwards_to_the_primary(self):
        t = trace(self.plan, "internet", "x@example.net")
        self.assertEqual(t.hops[0].target, "mx1.example.net")
        self.assertEqual(t.outcome, "delivered")

    def test_it_warns_when_both_sit_on_one_network(self):
        self.assertIn("backup-mx-same-network", codes(backup(same_network=True).plan(), "warning"))
        self.assertNotIn("backup-mx-same-network", codes(self.plan))

    def test_it_says_when_no_backup_can_be_had(self):
        d = DesignBuilder("Lonely")
        d.domain("example.net")
        d.network("site-a", "internet", ["192.0.2.0/25"])
        d.host("mx1.example.net", "site-a", ["192.0.2.25"], stores_mailboxes=True)
        d.policy(backup_mx=True)
        self.assertIn("backup-mx-unavailable", codes(d.plan(), "warning"))

    def test_a_backup_provider_without_recipient_list_warns_of_backscatter(self):
        d = DesignBuilder("Provider backup")
        d.domain("example.net")
        d.network("site-a", "internet", ["192.0.2.0/25"])
        d.host("mx1.example.net", "site-a", ["192.0.2.25"], stores_mailboxes=True)
        d.provider("spare", "backup_mx", "mx.spare-provider.example")
        plan = d.plan()
        self.assertEqual(
            mx(plan, "example.net"), [(10, "mx1.example.net"), (20, "mx.spare-provider.example")]
        )
        self.assertIn("backup-mx-backscatter", codes(plan, "warning"))
