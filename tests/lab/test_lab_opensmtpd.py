"""The lab with OpenSMTPD in place of Postfix: the same checks, the same mail moved.

Each host runs the opensmtpd the install steps name (7.4 from bookworm-backports,
unpacked), installed through its own hosts/<host>/install.sh like every other host.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from architect import examples
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
# and a backup MX that must queue while the primary is down.
@pytest.mark.parametrize("slug", ["solo-server", "dmz-gateway", "smarthost", "backup-mx"])
def test_opensmtpd_hosts_move_the_mail_of_the_design(slug, tmp_path, lab_host):
    results = run(with_opensmtpd(slug), tmp_path)
    names = [r.name for r in results]
    assert any("reaches its mailbox" in n for n in names)
    assert any("sendmail command" in n for n in names)
    assert any("install.sh run again" in n for n in names)
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
