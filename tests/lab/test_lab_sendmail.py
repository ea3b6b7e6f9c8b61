"""The lab on designs whose mailbox host runs sendmail, with Dovecot filing the mailboxes.

solo-server and multi-domain (an alias domain, POP3) with the host's mta switched
to sendmail: mail for every user, postmaster@ and root@ of every domain must land
in Dovecot's mailboxes, unknown addresses be refused at RCPT, and nothing bounce.
Mail sent as each domain, the alias domain too, leaves signed by OpenDKIM with a
signature that verifies at the internet sink. Submission logins on 587 and 465 are
Dovecot's users, checked through saslauthd (rimap), and a logged-in user may send
only as its own addresses.
"""

from __future__ import annotations

import dataclasses
import re
import smtplib
from pathlib import Path

import pytest

from architect import examples
from architect.core.planner import plan as make_plan
from architect.lab import world
from architect.lab.checks import Checks


def _with_sendmail(slug: str):
    design = examples.load(slug)
    hosts = tuple(dataclasses.replace(h, mta="sendmail") for h in design.hosts)
    return dataclasses.replace(design, hosts=hosts)


def run_lab(slug: str, tmp_path: Path) -> list:
    lab = world.build(_with_sendmail(slug), tmp_path / "lab")
    try:
        return list(Checks(lab).run())
    finally:
        lab.stop()


@pytest.mark.parametrize("slug", ["solo-server", "multi-domain"])
def test_it_files_every_address_in_dovecot_s_mailboxes_on_a_sendmail_host(slug, tmp_path, lab_host):
    results = run_lab(slug, tmp_path)
    names = [r.name for r in results]
    # The checks that lost mail before: each user, postmaster@ and root@ of every domain
    # (alias domains too), the unknown address, and the bounces that went out.
    domains = [d.name for d in examples.load(slug).domains if d.receives_mail]
    # Every domain that sends: the lab gives each a key, as "Generate a key" would.
    sends = [d.name for d in make_plan(examples.load(slug)).domains if d.sends]
    for check in [
        *(f"mail from the internet to alice@{d} reaches its mailbox" for d in domains),
        *(f"postmaster@{d} reaches a mailbox" for d in domains),
        *(f"root@{d} reaches a mailbox" for d in domains),
        *(f"refuses the unknown nosuchuser@{d} at RCPT" for d in domains),
        "no bounce reached the internet (no backscatter)",
        *(f"mail from {d} reaches the internet with a DKIM signature that verifies" for d in sends),
        "with no domain (cron) leaves as root@",
        # Submission: the logins are Dovecot's users (saslauthd, rimap).
        ":587 refuses MAIL before STARTTLS and relay without AUTH",
        ":587 takes authenticated mail from alice@",
        ":465 takes authenticated mail from alice@",
        ":587 refuses alice@",
    ]:
        assert any(check in n for n in names), check
    failed = [r for r in results if not r.ok]
    assert not failed, "\n".join(r.line() for r in failed)


def test_a_sendmail_gateway_passes_every_address_of_the_one_user_list(tmp_path, lab_host):
    # dmz-gateway on sendmail: the gateway's access table must let through each user,
    # postmaster@ and root@ (which reaches postmaster), or mail is refused at the edge.
    results = run_lab("dmz-gateway", tmp_path)
    names = [r.name for r in results]
    for check in (
        "mail from the internet to alice@example.com reaches its mailbox",
        "root@example.com reaches a mailbox",
        "postmaster@example.com reaches a mailbox",
        "refuses the unknown nosuchuser@example.com at RCPT",
    ):
        assert any(check in n for n in names), check
    failed = [r for r in results if not r.ok]
    assert not failed, "\n".join(r.line() for r in failed)


def _submission_client(checks: Checks, host: str, *, login: str = "", password: str = ""):
    """A client on 587 from the internet, after STARTTLS, logged in when told."""
    client = checks.smtp(host, 587, source=world.ROAMING4)
    client.starttls(context=checks.tls)
    client.ehlo("client.internet.test")
    if login:
        client.login(login, password)
    return client


def test_submission_on_sendmail_answers_as_dovecot_does(tmp_path, lab_host):
    # One lab, three answers a person would see: a wrong password is refused, mail
    # without a login is not relayed, and a login may not send as another address.
    lab = world.build(_with_sendmail("solo-server"), tmp_path / "lab")
    try:
        checks = Checks(lab)
        host = "mail.example.org"
        login = f"{world.TEST_USER}@example.org"
        outside = f"someone@{world.OUTSIDE_DOMAIN}"

        client = _submission_client(checks, host)
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            client.login(login, lab.password + "x")
        assert refused.value.smtp_code == 535
        client.close()

        client = _submission_client(checks, host)
        code, _ = client.mail(login)
        if code < 400:
            code, _ = client.rcpt(outside)
        client.close()
        assert code >= 500, code  # M=a: no mail at all before AUTH on 587

        client = _submission_client(checks, host, login=login, password=lab.password)
        assert client.mail("postmaster@example.org")[0] == 553
        assert client.rset()[0] == 250
        assert client.mail(login)[0] == 250
        assert client.rcpt(outside)[0] == 250
        client.quit()
        log = lab.log(host)
    finally:
        lab.stop()
    # The password was Dovecot's to judge, over IMAP on the host itself.
    assert "rip=127.0.0.1, lip=127.0.0.1, secured" in log, log[-2000:]
    assert "mech=rimap" in log


def test_without_the_sender_check_a_login_may_send_as_postmaster(tmp_path, lab_host):
    # What the Local_check_mail rules prevent: alice, logged in, sending as
    # postmaster@, an address that exists (sendmail refuses unknown local senders on
    # its own, so a made-up address alone could not tell the difference).
    def no_sender_check(files: dict[str, str]) -> None:
        for path in [p for p in files if p.endswith("/sendmail.mc")]:
            files[path] = re.sub(r"^SLocal_check_mail\n(R.*\n)+", "", files[path], flags=re.M)

    lab = world.build(_with_sendmail("solo-server"), tmp_path / "lab", tamper=no_sender_check)
    try:
        checks = Checks(lab)
        login = f"{world.TEST_USER}@example.org"
        client = _submission_client(checks, "mail.example.org", login=login, password=lab.password)
        assert client.mail("postmaster@example.org")[0] == 250
        assert client.rcpt(f"someone@{world.OUTSIDE_DOMAIN}")[0] == 250
        client.quit()
        results = list(checks.run())
    finally:
        lab.stop()
    # The lab's own check sees it too.
    (forged,) = [r for r in results if "sending as another address" in r.name]
    assert not forged.ok and "may send as postmaster@example.org" in forged.detail, forged.line()


def test_without_saslauthd_s_r_every_submission_login_fails(tmp_path, lab_host):
    # Cyrus SASL splits alice@example.org into user and realm; without -r saslauthd asks
    # Dovecot for "alice", who does not exist. The lab's AUTH checks must say so.
    def no_realm(files: dict[str, str]) -> None:
        for path in [p for p in files if p.endswith("/saslauthd")]:
            files[path] = files[path].replace('OPTIONS="-r ', 'OPTIONS="')

    lab = world.build(_with_sendmail("solo-server"), tmp_path / "lab", tamper=no_realm)
    try:
        results = list(Checks(lab).run())
        log = lab.log("mail.example.org")
    finally:
        lab.stop()
    logins = [r for r in results if "takes authenticated mail" in r.name]
    assert len(logins) == 2 and not any(r.ok for r in logins), [r.line() for r in logins]
    assert all("535" in r.detail for r in logins)
    assert "[user=alice] [service=smtp] [realm=example.org] [mech=rimap]" in log
    assert [r for r in results if "refuses the unknown" in r.name and r.ok]
