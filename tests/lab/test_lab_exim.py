"""The lab with Exim in place of Postfix: the same checks, the same mail moved.

Exim signs outgoing mail itself (dkim_* options of its SMTP transports): what
reaches the internet sink must carry a signature that verifies, d= the From domain.
"""

from __future__ import annotations

import dataclasses

import pytest

from architect import examples
from architect.lab import world
from architect.lab.checks import Checks


def with_exim(slug: str):
    design = examples.load(slug)
    hosts = tuple(
        dataclasses.replace(h, mta="exim") if h.mta == "postfix" else h for h in design.hosts
    )
    return dataclasses.replace(design, hosts=hosts)


# A standalone server, a DMZ gateway before an inside store, a smarthost with a login,
# a backup MX that must queue while the primary is down, and three domains on one
# host (one an alias), each signed with the key of its own From.
@pytest.mark.parametrize(
    "slug", ["solo-server", "dmz-gateway", "smarthost", "backup-mx", "multi-domain"]
)
def test_exim_hosts_move_the_mail_of_the_design(slug, tmp_path, lab_host):
    lab = world.build(with_exim(slug), tmp_path / "lab")
    try:
        results = list(Checks(lab).run())
    finally:
        lab.stop()
    names = [r.name for r in results]
    assert any("reaches its mailbox" in n for n in names)
    assert any("sendmail command" in n for n in names)
    # Exim signs the mail of every domain that sends, with its own DKIM support.
    for domain in (d.name for d in lab.plan.domains if d.sends):
        assert any(
            f"mail from {domain} reaches the internet with a DKIM signature" in n for n in names
        ), domain
    failed = [r.line() for r in results if not r.ok]
    assert not failed, "\n".join(failed)
