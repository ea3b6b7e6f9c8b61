"""The lab with OpenSMTPD in place of Postfix: the same checks, the same mail moved.

Each host runs the opensmtpd the install steps name (7.4 from bookworm-backports,
unpacked), installed through its own hosts/<host>/install.sh like every other host.
Outgoing mail is signed by opensmtpd-filter-dkimsign, one filter per domain: what
reaches the internet sink must carry a signature that verifies, d= the From domain.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from architect import examples
from architect.core.planner import plan as make_plan
from architect.lab import world
from architect.lab.checks import Checks


def with_opensmtpd(slug: str):
    design = examples.load(slug)
    hosts = tuple(
        dataclasses.replace(h, mta="opensmtpd") if h.mta == "postfix" else h for h in design.hosts
    )
    return dataclasses.replace(design, hosts=hosts)


def run(design, tmp_path, tamper=None) -> list:
    lab = world.build(design, tmp_path / "lab", tamper=tamper)
    try:
        assert not [n for n in lab.notes if "does not run" in n], lab.notes
        return list(Checks(lab).run())
    finally:
        lab.stop()


# A standalone server, a DMZ gateway before an inside store, a smarthost with a login,
# a backup MX that must queue while the primary is down, and three domains on one host
# (one an alias), each signed with its own key.
@pytest.mark.parametrize(
    "slug", ["solo-server", "dmz-gateway", "smarthost", "backup-mx", "multi-domain"]
)
def test_opensmtpd_hosts_move_the_mail_of_the_design(slug, tmp_path, lab_host):
    design = with_opensmtpd(slug)
    results = run(design, tmp_path)
    names = [r.name for r in results]
    assert any("reaches its mailbox" in n for n in names)
    assert any("sendmail command" in n for n in names)
    assert any("install.sh run again" in n for n in names)
    # filter-dkimsign signs the mail of every domain that sends.
    sending = [d.name for d in make_plan(design).domains if d.sends]
    assert sending
    for domain in sending:
        assert any(
            f"mail from {domain} reaches the internet with a DKIM signature" in n for n in names
        ), domain
    failed = [r.line() for r in results if not r.ok]
    assert not failed, "\n".join(failed)


def test_a_rule_that_relays_from_anyone_fails_the_relay_check(tmp_path, lab_host):
    # The open relay an admin writes by mistake: "from any for any" before the others.
    def tamper(files: dict[str, str]) -> None:
        path = "opensmtpd/mail.example.org/smtpd.conf"
        text, count = re.subn(
            r'^match from local for any action "outbound"$',
            'match from any for any action "outbound"',
            files[path],
            flags=re.M,
        )
        assert count == 1
        files[path] = text

    results = run(with_opensmtpd("solo-server"), tmp_path, tamper)
    failed = [r.name for r in results if not r.ok]
    assert failed == [
        "mail.example.org refuses to relay from the internet (plain, %-hack, source route, quoted)"
    ], "\n".join(r.line() for r in results if not r.ok)


def test_a_filter_with_the_wrong_selector_fails_the_dkim_check(tmp_path, lab_host):
    # The key is right but the filter names a selector that DNS does not publish.
    def tamper(files: dict[str, str]) -> None:
        path = "opensmtpd/mail.example.org/smtpd.conf"
        text, count = re.subn(
            r"filter-dkimsign (.*) -s lab ", r"filter-dkimsign \1 -s wrong ", files[path]
        )
        assert count == 1
        files[path] = text

    results = run(with_opensmtpd("solo-server"), tmp_path, tamper)
    failed = [r for r in results if not r.ok]
    assert [r.name for r in failed] and all("DKIM" in r.name for r in failed), "\n".join(
        r.line() for r in failed
    )
    assert any("s=wrong" in r.line() and "does not verify" in r.line() for r in failed)
