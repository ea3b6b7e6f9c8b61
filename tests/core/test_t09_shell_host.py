"""T9: a multi-user shell host delivering to /var/mail."""

from __future__ import annotations

from unittest import TestCase

from architect.core.trace import trace
from tests.core.factory import DesignBuilder, codes, flows


def shell() -> DesignBuilder:
    d = DesignBuilder("Shell host")
    d.domain("example.edu")
    d.network("campus", "internet", ["198.51.100.64/26"])
    d.host("unix.example.edu", "campus", ["198.51.100.70"], mta="sendmail", shell_users=True)
    d.client("readers", "terminal", count=200, host="unix.example.edu")
    return d


class ShellHostTest(TestCase):
    def setUp(self):
        self.plan = shell().plan()
        self.host = self.plan.host("unix.example.edu")

    def test_users_mail_is_delivered_locally_in_mbox(self):
        self.assertTrue({"local-delivery", "mailbox", "mx"} <= set(self.host.roles))
        self.assertEqual(self.host.delivery, "mbox")
        self.assertEqual(self.host.mta, "sendmail")

    def test_users_inject_with_the_sendmail_command_and_read_locally(self):
        self.assertIn(("readers", "unix.example.edu", "sendmail-command", None), flows(self.plan))
        self.assertIn(("unix.example.edu", "readers", "local", None), flows(self.plan, "access"))
        t = trace(self.plan, "readers", "friend@example.edu")
        self.assertEqual(t.outcome, "delivered")
        self.assertEqual(len(t.hops), 2)

    def test_reading_locally_away_from_the_mailboxes_is_flagged(self):
        d = shell()
        d.network("lan", "internal", ["10.0.0.0/24"])
        d.host("login.example.edu", "lan", ["10.0.0.5"], shell_users=True)
        d.client("elsewhere", "terminal", host="login.example.edu")
        plan = d.plan()
        self.assertIn("local-reading-without-mailbox", codes(plan, "warning"))

    def test_a_shell_host_without_mta_is_flagged(self):
        d = DesignBuilder("No MTA")
        d.domain("example.edu")
        d.network("campus", "internet", ["198.51.100.64/26"])
        d.host("unix.example.edu", "campus", ["198.51.100.70"], mta="none", shell_users=True)
        self.assertIn("shell-host-without-mta", codes(d.plan(), "warning"))
