"""The lab with Exim in place of Postfix: the same checks, the same mail moved."""

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
# and a backup MX that must queue while the primary is down.
@pytest.mark.parametrize("slug", ["solo-server", "dmz-gateway", "smarthost", "backup-mx"])
def test_exim_hosts_move_the_mail_of_the_design(slug, tmp_path, lab_host):
    lab = world.build(with_exim(slug), tmp_path / "lab")
    try:
        results = list(Checks(lab).run())
    finally:
        lab.stop()
    names = [r.name for r in results]
    assert any("reaches its mailbox" in n for n in names)
    assert any("sendmail command" in n for n in names)
    failed = [r.line() for r in results if not r.ok]
    assert not failed, "\n".join(failed)
