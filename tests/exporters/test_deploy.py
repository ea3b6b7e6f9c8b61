"""The install steps that the bundle's README shows and the lab runs."""

from __future__ import annotations

from architect import examples
from architect.core.exporters import bundle
from architect.core.exporters.deploy import installs
from architect.core.planner import plan


def steps(slug: str):
    design = examples.load(slug)
    return installs(bundle(design, plan(design)))


def test_it_builds_sendmail_cf_before_the_tables_that_read_it():
    (step,) = [s for s in steps("timesharing") if s.program == "sendmail"]
    first_table = next(i for i, c in enumerate(step.commands) if c.startswith("makemap"))
    m4 = next(i for i, c in enumerate(step.commands) if c.startswith("m4 "))
    assert m4 < first_table


def test_it_sets_up_dovecot_before_the_mta_of_the_same_host():
    order = [(s.host, s.program) for s in steps("solo-server")]
    # nginx last: its site names the certificate the MTA uses, nothing else it sets up.
    assert order == [
        ("mail.example.org", "dovecot"),
        ("mail.example.org", "postfix"),
        ("mail.example.org", "nginx"),
    ]


def test_it_creates_vmail_with_the_uid_dovecot_conf_names():
    (dovecot,) = [s for s in steps("solo-server") if s.program == "dovecot"]
    assert any("--uid 5000" in c for c in dovecot.accounts)
    users = next(c for c in dovecot.copies if c.target == "/etc/dovecot/users")
    assert (users.mode, users.group) == ("0640", "dovecot")


def test_it_indexes_every_postfix_table_main_cf_names():
    (postfix,) = [
        s for s in steps("dmz-gateway") if s.host == "gw.example.com" and s.program == "postfix"
    ]
    targets = {c.target for c in postfix.copies}
    for table in ("/etc/postfix/relay_recipients", "/etc/postfix/transport"):
        assert table in targets
        assert f"postmap hash:{table}" in postfix.commands
    assert postfix.commands[-1] == "postfix check"


def test_it_installs_the_sasl_modules_where_postfix_logs_in_to_a_smarthost():
    (postfix,) = [s for s in steps("smarthost") if s.program == "postfix"]
    assert postfix.packages == ("postfix", "libsasl2-modules")
    (solo,) = [s for s in steps("solo-server") if s.program == "postfix"]
    assert solo.packages == ("postfix",)


def test_it_installs_the_dovecot_servers_dovecot_conf_names():
    (dovecot,) = [s for s in steps("multi-domain") if s.program == "dovecot"]
    assert dovecot.packages == ("dovecot-core", "dovecot-imapd", "dovecot-pop3d", "dovecot-lmtpd")
