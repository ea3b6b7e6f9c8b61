"""The Dovecot export: dovecot.conf per host, read back by doveconf 2.3."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from architect import examples
from architect.core.exporters import dovecot
from tests.exporters._programs import HOSTILE, doveconf, dovecot_problems, export_to, require, run
from tests.exporters.conftest import gateway_and_store
from tests.strategies import designs


def _conf(exported, host: str) -> Path:
    return exported.dir("dovecot", host) / "dovecot.conf"


def _value(conf: Path, setting: str) -> str:
    result = doveconf(conf, "-h", setting)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _config(conf: Path) -> str:
    result = doveconf(conf, "-n")
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_writes_configs_doveconf_accepts_for_every_example(slug, tmp_path):
    exported = export_to(examples.load(slug), tmp_path / "bundle")
    for path in exported.files:
        if path.startswith("dovecot/") and path.endswith("/dovecot.conf"):
            assert dovecot_problems(exported.root / path) == [], path


def test_it_writes_dovecot_for_readers_stores_and_submission_hosts_only(tmp_path):
    exported = export_to(examples.load("filtering-edge"), tmp_path / "bundle")
    hosts = {p.split("/")[1] for p in exported.files if p.endswith("/dovecot.conf")}
    # The store serves IMAP and takes LMTP; gw1 checks submission passwords; gw2 neither.
    assert hosts == {"store.example.org", "gw1.example.org"}
    timesharing = export_to(examples.load("timesharing"), tmp_path / "t")
    assert not [p for p in timesharing.files if p.startswith("dovecot/")]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs())
def test_it_writes_configs_doveconf_accepts_for_generated_designs(design):
    with tempfile.TemporaryDirectory() as tmp:
        exported = export_to(design, Path(tmp) / "bundle")
        for path in exported.files:
            if path.endswith("/dovecot.conf"):
                assert dovecot_problems(exported.root / path) == [], path


def test_it_takes_lmtp_only_from_the_gateways_on_the_store_s_own_address(tmp_path):
    exported = export_to(examples.load("filtering-edge"), tmp_path / "bundle")
    conf = _conf(exported, "store.example.org")
    assert _value(conf, "protocols") == "imap lmtp"
    assert _value(conf, "mail_location") == "maildir:~/Maildir"
    text = conf.read_text()
    listener = text.split("inet_listener lmtp {", 1)[1].split("}", 1)[0]
    assert "address = 10.1.0.10" in listener and "port = 24" in listener
    assert "firewall port 24 so that only gw1.example.org" in " ".join(text.split())
    # The store runs no MTA: no Postfix socket.
    assert "/var/spool/postfix" not in text


def test_it_gives_postfix_an_lmtp_socket_and_an_auth_socket(tmp_path):
    exported = export_to(examples.load("solo-server"), tmp_path / "bundle")
    conf = _conf(exported, "mail.example.org")
    config = _config(conf)
    assert "unix_listener /var/spool/postfix/private/dovecot-lmtp {" in config
    auth = config.split("service auth {", 1)[1]
    assert auth.split("}", 1)[0].split() == [
        "unix_listener",
        "/var/spool/postfix/private/auth",
        "{",
        "group",
        "=",
        "postfix",
        "mode",
        "=",
        "0660",
        "user",
        "=",
        "postfix",
    ]
    assert _value(conf, "auth_mechanisms") == "plain login"
    assert _value(conf, "disable_plaintext_auth") == "yes"


def test_it_requires_tls_and_opens_only_the_ports_the_plan_opens(tmp_path):
    exported = export_to(examples.load("multi-domain"), tmp_path / "bundle")
    conf = _conf(exported, "mx.example.com")
    assert _value(conf, "ssl") == "required"
    assert _value(conf, "protocols") == "imap pop3 lmtp"
    config = _config(conf)
    imap = config.split("service imap-login {", 1)[1].split("\n}", 1)[0]
    assert "inet_listener imap {\n    port = 0" in imap  # 143 closed
    assert "port = 993" in imap
    pop3 = config.split("service pop3-login {", 1)[1].split("\n}", 1)[0]
    assert "inet_listener pop3 {\n    port = 0" in pop3 and "port = 995" in pop3


def test_it_marks_certificate_paths_as_placeholders(tmp_path):
    exported = export_to(examples.load("solo-server"), tmp_path / "bundle")
    conf = _conf(exported, "mail.example.org")
    assert _value(conf, "ssl_cert") == "</etc/letsencrypt/live/mail.example.org/fullchain.pem"
    assert _value(conf, "ssl_key") == "</etc/letsencrypt/live/mail.example.org/privkey.pem"
    before = conf.read_text().split("\nssl_cert =")[0].rsplit("\n\n", 1)[1]
    assert "PLACEHOLDER" in before
    # -x would open the certificate, which only exists once the person puts it there.
    assert doveconf(conf, "-x", "-n").returncode != 0


def test_it_checks_only_passwords_on_a_submission_gateway(tmp_path):
    exported = export_to(examples.load("dmz-gateway"), tmp_path / "bundle")
    conf = _conf(exported, "gw.example.com")
    assert _value(conf, "protocols") == "none"
    assert "service auth {" in _config(conf)
    users = (exported.dir("dovecot", "gw.example.com") / "users").read_text()
    # The design lists no users: postmaster only, with a password nobody can use.
    entries = [line for line in users.splitlines() if line and not line.startswith("#")]
    assert entries == [f"postmaster@example.com:{dovecot.PLACEHOLDER_PASSWORD}::::::"]
    assert "PLACEHOLDER" in users


def test_it_reads_var_mail_with_system_accounts_on_a_shell_host(tmp_path):
    design = examples.load("timesharing")
    host = dataclasses.replace(design.hosts[0], services=("imap",))
    exported = export_to(dataclasses.replace(design, hosts=(host,)), tmp_path / "bundle")
    conf = _conf(exported, "unix.example.edu")
    assert _value(conf, "mail_location") == "mbox:~/mail:INBOX=/var/mail/%u"
    assert _value(conf, "mail_privileged_group") == "mail"
    config = _config(conf)
    assert "passdb {\n  driver = pam\n}" in config
    assert "userdb {\n  driver = passwd\n}" in config
    # sendmail delivers through dovecot-lda, not LMTP: no LMTP service here.
    assert _value(conf, "protocols") == "imap"


def test_it_keeps_hostile_design_text_inside_comments(tmp_path):
    design = examples.load("filtering-edge")
    exported = export_to(
        dataclasses.replace(design, name=HOSTILE, description=HOSTILE), tmp_path / "bundle"
    )
    for path in exported.files:
        if not path.startswith("dovecot/"):
            continue
        file = exported.root / path
        if path.endswith("dovecot.conf"):
            assert dovecot_problems(file) == []
        text = file.read_text()
        assert "\r" not in text and "\u2028" not in text
        for line in text.split("\n"):
            if "evil" in line or "<script>" in line:
                assert line.startswith("#"), line


def test_it_pins_the_vmail_uid_and_allows_only_it(tmp_path):
    exported = export_to(gateway_and_store(), tmp_path / "bundle")
    conf = _conf(exported, "store.example.org")
    assert (dovecot.VMAIL_UID, dovecot.VMAIL_GID) == (5000, 5000)
    for setting in ("first_valid_uid", "last_valid_uid", "first_valid_gid", "last_valid_gid"):
        assert _value(conf, setting) == "5000", setting
    userdb = _config(conf).split("userdb {", 1)[1].split("}", 1)[0]
    assert "default_fields = uid=5000 gid=5000 home=/var/vmail/%d/%n" in userdb


def test_it_gives_every_user_a_placeholder_password_that_fails_the_login(tmp_path):
    exported = export_to(gateway_and_store(), tmp_path / "bundle")
    users = (exported.dir("dovecot", "store.example.org") / "users").read_text()
    entries = [line for line in users.splitlines() if line and not line.startswith("#")]
    assert entries == [
        f"{u}@example.org:{dovecot.PLACEHOLDER_PASSWORD}::::::"
        for u in ("postmaster", "alice", "bob")
    ]
    # Dovecot's own password check calls it a mismatch (a failed login), not a broken
    # hash (which it would log as an error).
    result = run(require("doveadm"), "pw", "-t", dovecot.PLACEHOLDER_PASSWORD, "-p", "guess")
    assert result.returncode != 0
    assert "Password mismatch" in result.stderr, result.stderr


def test_it_keeps_debian_s_dh_parameters_and_certbot_s_files(tmp_path):
    exported = export_to(gateway_and_store(), tmp_path / "bundle")
    conf = _conf(exported, "store.example.org")
    assert _value(conf, "ssl_dh") == "</usr/share/dovecot/dh.pem"
    require("doveconf")
    assert Path(dovecot.DH_FILE).is_file()  # shipped by dovecot-core
    assert _value(conf, "ssl_cert") == "</etc/letsencrypt/live/store.example.org/fullchain.pem"


def test_it_lets_saslauthd_log_in_over_imap_on_loopback_for_sendmail(tmp_path):
    # solo-server on sendmail: IMAP for mail programs on 993 only, and 143 on 127.0.0.1
    # for saslauthd (sendmail's submission logins).
    exported = export_to(_with_mta(examples.load("solo-server"), "sendmail"), tmp_path / "b")
    conf = _conf(exported, "mail.example.org")
    # sendmail delivers with dovecot-lda, so no LMTP.
    assert _value(conf, "protocols") == "imap"
    assert _value(conf, "disable_plaintext_auth") == "yes"
    imap = _config(conf).split("service imap-login {", 1)[1].split("\n}", 1)[0]
    assert "inet_listener imap {\n    address = 127.0.0.1\n    port = 143\n  }" in imap
    assert "inet_listener imaps {\n    port = 993\n    ssl = yes" in imap
    # dmz-gateway's gateway only takes submission: IMAP exists for saslauthd alone,
    # on loopback, with no TLS (no certificate needed) and no imaps port.
    exported = export_to(_with_mta(examples.load("dmz-gateway"), "sendmail"), tmp_path / "g")
    conf = _conf(exported, "gw.example.com")
    assert _value(conf, "protocols") == "imap"
    assert _value(conf, "ssl") == "no"
    config = _config(conf)
    imap = config.split("service imap-login {", 1)[1].split("\n}", 1)[0]
    assert "inet_listener imap {\n    address = 127.0.0.1\n    port = 143\n  }" in imap
    assert "inet_listener imaps {\n    port = 0\n  }" in imap
    assert config.count("inet_listener") == 2
    # On Postfix the same host checks passwords through the auth socket: no IMAP at all.
    postfix = export_to(examples.load("dmz-gateway"), tmp_path / "p")
    assert _value(_conf(postfix, "gw.example.com"), "protocols") == "none"


def _with_mta(design, mta: str):
    hosts = tuple(dataclasses.replace(h, mta=mta) if h.mta != "none" else h for h in design.hosts)
    return dataclasses.replace(design, hosts=hosts)
