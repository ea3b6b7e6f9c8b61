"""The Postfix export: main.cf, master.cf and tables, read back by Postfix itself."""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from architect import examples
from architect.core import design as design_model
from architect.core.exporters import postfix
from tests.exporters._programs import (
    HOSTILE,
    export_to,
    postconf,
    postconf_list,
    postconf_value,
    postconf_values,
    postfix_problems,
    postmap_query,
    relay_problems,
    require,
    table_entries,
)
from tests.exporters.conftest import gateway_and_store
from tests.strategies import designs


def _export(slug: str, tmp_path: Path):
    return export_to(examples.load(slug), tmp_path / "bundle")


def _dir(exported, host: str) -> Path:
    return exported.dir("postfix", host)


# -- every example ------------------------------------------------------------


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_writes_configs_postfix_accepts_for_every_example(slug, tmp_path):
    exported = _export(slug, tmp_path)
    for host in exported.hosts("postfix"):
        directory = _dir(exported, host.name)
        assert (directory / "main.cf").exists() and (directory / "master.cf").exists()
        assert postfix_problems(directory, tmp_path / "scratch" / host.name) == []


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_never_makes_an_open_relay_in_any_example(slug, tmp_path):
    exported = _export(slug, tmp_path)
    for host in exported.hosts("postfix"):
        assert relay_problems(_dir(exported, host.name), host, exported.design) == [], host.name


def test_it_writes_postfix_files_only_for_postfix_hosts(tmp_path):
    exported = _export("filtering-edge", tmp_path)
    written = {path.split("/")[1] for path in exported.files if path.startswith("postfix/")}
    assert written == {"gw1.example.org", "gw2.example.org"}  # the store runs no MTA


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs())
def test_it_writes_safe_configs_postfix_accepts_for_generated_designs(design):
    with tempfile.TemporaryDirectory() as tmp:
        exported = export_to(design, Path(tmp) / "bundle")
        for host in exported.hosts("postfix"):
            directory = exported.dir("postfix", host.name)
            problems = postfix_problems(directory, Path(tmp) / "scratch" / host.name)
            problems += relay_problems(directory, host, design)
            assert problems == [], f"{host.name}: {problems}"


# -- what each topology does -------------------------------------------------


def test_it_passes_gateway_mail_to_the_inside_store_with_checked_recipients(tmp_path):
    exported = _export("dmz-gateway", tmp_path)
    gw = _dir(exported, "gw.example.com")
    assert postconf_value(gw, "relay_domains") == "example.com"
    assert postconf_value(gw, "mydestination") == ""
    assert postmap_query(gw, "transport", "example.com").stdout.strip() == "relay:[10.0.0.20]"
    # Only listed addresses are accepted: no backscatter (P1).
    assert postconf_value(gw, "relay_recipient_maps") == "hash:/etc/postfix/relay_recipients"
    assert postmap_query(gw, "relay_recipients", "postmaster@example.com").stdout.strip() == "OK"
    assert postmap_query(gw, "relay_recipients", "nobody@example.com").returncode == 1
    # relay_domains does not cover subdomains (P18).
    assert "relay_domains" not in postconf_list(gw, "parent_domain_matches_subdomains")
    # The inside network may relay out through the gateway.
    assert "10.0.0.20/32" in postconf_list(gw, "mynetworks")


def test_it_hands_filtered_mail_to_the_store_over_lmtp(tmp_path):
    exported = _export("filtering-edge", tmp_path)
    for gw in ("gw1.example.org", "gw2.example.org"):
        result = postmap_query(_dir(exported, gw), "transport", "example.org")
        assert result.stdout.strip() == "lmtp:[10.1.0.10]:24"


def test_it_makes_the_backup_mx_queue_and_forward_without_delivering(tmp_path):
    exported = _export("backup-mx", tmp_path)
    mx2 = _dir(exported, "mx2.example.net")
    assert postconf_value(mx2, "relay_domains") == "example.net"
    assert "example.net" not in postconf_list(mx2, "mydestination")
    assert postconf_value(mx2, "virtual_mailbox_domains") == ""
    assert postconf_value(mx2, "relay_recipient_maps") == "hash:/etc/postfix/relay_recipients"


def test_it_files_mailbox_domains_through_dovecot_lmtp(tmp_path):
    exported = _export("solo-server", tmp_path)
    mail = _dir(exported, "mail.example.org")
    assert postconf_value(mail, "virtual_mailbox_domains") == "example.org"
    assert postconf_value(mail, "virtual_transport") == "lmtp:unix:private/dovecot-lmtp"
    assert "example.org" not in postconf_list(mail, "mydestination")
    # postmaster is a real mailbox; root and abuse reach it.
    assert postmap_query(mail, "vmailbox", "postmaster@example.org").stdout.strip() == "OK"
    assert postmap_query(mail, "virtual", "root@example.org").stdout.strip() == (
        "postmaster@example.org"
    )


def test_it_puts_alias_domains_in_their_own_class(tmp_path):
    exported = _export("multi-domain", tmp_path)
    mx = _dir(exported, "mx.example.com")
    assert postconf_value(mx, "virtual_alias_domains") == "example-shop.com"
    assert postconf_list(mx, "virtual_mailbox_domains") == ["example.com", "example.net"]
    assert postmap_query(mx, "virtual", "root@example-shop.com").stdout.strip() == (
        "postmaster@example.com"
    )
    # The parked domain is in no class at all: nobody accepts mail for it.
    for parameter in ("mydestination", "virtual_mailbox_domains", "relay_domains"):
        assert "parked-example.org" not in postconf_list(mx, parameter)


def test_it_makes_null_clients_listen_on_loopback_and_send_to_the_hub(tmp_path):
    exported = _export("department-hub", tmp_path)
    ws1 = _dir(exported, "ws1.cs.example.edu")
    assert postconf_value(ws1, "inet_interfaces") == "loopback-only"
    assert postconf_value(ws1, "mydestination") == ""
    assert postconf_value(ws1, "relayhost") == "[mailhub.cs.example.edu]"
    assert postconf_value(ws1, "myorigin") == "cs.example.edu"
    hub = _dir(exported, "mailhub.cs.example.edu")
    assert "10.20.0.0/16" in postconf_list(hub, "mynetworks")


def test_it_relays_through_the_smarthost_with_a_password_over_tls(tmp_path):
    exported = _export("smarthost", tmp_path)
    mail = _dir(exported, "mail.example.info")
    relayhost = postconf_value(mail, "relayhost")
    assert relayhost == "[smtp.relay-provider.example]:587"
    assert postconf_value(mail, "smtp_tls_security_level") == "secure"
    assert postconf_value(mail, "smtp_sasl_auth_enable") == "yes"
    # The password is a placeholder, commented out, never invented...
    sasl = (mail / "sasl_passwd").read_text()
    assert table_entries(sasl) == []
    assert "PLACEHOLDER" in sasl
    # ...and once the person fills it in, its key is spelled exactly like relayhost (P10).
    (mail / "sasl_passwd").write_text(sasl.replace(f"#{relayhost}", relayhost))
    assert postmap_query(mail, "sasl_passwd", relayhost).stdout.strip() == "USERNAME:PASSWORD"


def test_it_requires_tls_and_a_login_on_submission_but_not_on_port_25(tmp_path):
    exported = _export("solo-server", tmp_path)
    mail = _dir(exported, "mail.example.org")
    assert postconf_value(mail, "smtpd_tls_security_level") == "may"
    assert postconf_value(mail, "smtpd_sasl_auth_enable") == "no"

    def service(name: str, parameter: str) -> str:
        result = postconf(mail, "-P", f"{name}/inet/{parameter}")
        assert result.returncode == 0, result.stderr
        return result.stdout.split("=", 1)[1].strip()

    assert service("submission", "smtpd_tls_security_level") == "encrypt"
    assert service("submissions", "smtpd_tls_wrappermode") == "yes"
    for name in ("submission", "submissions"):
        assert service(name, "smtpd_sasl_auth_enable") == "yes"
        assert service(name, "smtpd_tls_auth_only") == "yes"
        assert service(name, "smtpd_relay_restrictions") == "$mua_relay_restrictions"
    assert postconf_value(mail, "mua_relay_restrictions") == "permit_sasl_authenticated, reject"
    assert postconf_value(mail, "smtpd_sasl_path") == "private/auth"


def test_it_opens_no_submission_port_on_hosts_without_submission(tmp_path):
    exported = _export("backup-mx", tmp_path)
    services = postconf(_dir(exported, "mx2.example.net"), "-M").stdout
    assert "submission" not in services
    assert re.search(r"^smtp\s+inet", services, re.M)


def test_it_delivers_to_var_mail_on_a_shell_host(tmp_path):
    design = examples.load("timesharing")
    # The same host running Postfix instead of sendmail.
    host = dataclasses.replace(design.hosts[0], mta="postfix")
    exported = export_to(dataclasses.replace(design, hosts=(host,)), tmp_path / "bundle")
    unix = _dir(exported, "unix.example.edu")
    assert "example.edu" in postconf_list(unix, "mydestination")
    assert postconf_value(unix, "mail_spool_directory") == "/var/mail"
    assert postconf_value(unix, "alias_maps") == "hash:/etc/aliases"
    assert postconf_value(unix, "virtual_mailbox_domains") == ""
    assert postfix_problems(unix, tmp_path / "scratch") == []


def test_it_marks_certificate_paths_as_placeholders(tmp_path):
    exported = _export("solo-server", tmp_path)
    main_cf = (_dir(exported, "mail.example.org") / "main.cf").read_text()
    before = main_cf.split("\nsmtpd_tls_chain_files =")[0].rsplit("\n\n", 1)[1]
    assert "PLACEHOLDER" in before


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_explains_every_setting_with_a_comment(slug, tmp_path):
    exported = _export(slug, tmp_path)
    for host in exported.hosts("postfix"):
        lines = (_dir(exported, host.name) / "main.cf").read_text().splitlines()
        for i, line in enumerate(lines):
            if line and not line.startswith(("#", " ")):
                assert lines[i - 1].startswith("#"), f"{host.name}: {line} has no comment"


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_refers_only_to_tables_it_writes_and_hash_maps(slug, tmp_path):
    exported = _export(slug, tmp_path)
    for host in exported.hosts("postfix"):
        directory = _dir(exported, host.name)
        supported = postconf(directory, "-m").stdout.split()
        for kind, path in re.findall(r"(\w+):(/etc/[\w/.-]+)", postconf(directory, "-n").stdout):
            assert kind in supported and kind == "hash"  # P20: no lmdb on Debian 12
            if path.startswith("/etc/postfix/"):
                assert (directory / path.rsplit("/", 1)[1]).exists(), path


# -- hostile text ---------------------------------------------------------------


def test_it_keeps_hostile_design_text_inside_comments(tmp_path):
    design = examples.load("dmz-gateway")
    hostile = dataclasses.replace(design, name=HOSTILE, description=HOSTILE)
    exported = export_to(hostile, tmp_path / "bundle")
    for host in exported.hosts("postfix"):
        directory = _dir(exported, host.name)
        assert postfix_problems(directory, tmp_path / "scratch" / host.name) == []
        assert relay_problems(directory, host, hostile) == []
        assert postconf_value(directory, "relayhost") != "[evil.example]"
        for path in directory.iterdir():
            text = path.read_text()
            # No line break of any kind survives (splitlines would hide \r and U+2028).
            assert "\r" not in text and "\u2028" not in text
            for line in text.split("\n"):
                if "evil" in line or "<script>" in line:
                    assert line.startswith("#"), f"{path.name}: {line}"


@pytest.mark.parametrize(
    "name",
    ["mail.example.org\nrelayhost = evil", "a;b.example", "x`y.example", "x#y.example"],
)
def test_it_never_gets_a_malformed_host_name_from_a_design(name):
    doc = design_model.dump(examples.load("solo-server"))
    doc["hosts"][0]["name"] = name
    with pytest.raises(design_model.DesignError) as caught:
        design_model.load(doc)
    assert any(p.path == "hosts[0].name" for p in caught.value.problems)


def test_it_never_gets_a_design_name_with_a_line_break():
    doc = design_model.dump(examples.load("solo-server"))
    doc["name"] = "Solo\nrelayhost = evil"
    with pytest.raises(design_model.DesignError) as caught:
        design_model.load(doc)
    assert [p.path for p in caught.value.problems] == ["name"]


# -- the checkers themselves -------------------------------------------------


def test_it_fails_rather_than_skips_a_missing_checker_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require("no-such-checker-program")


def test_it_skips_a_missing_checker_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-checker-program is missing"):
        require("no-such-checker-program")


def test_it_holds_against_the_shared_evil_design(evil_design, tmp_path):
    # The fixture the other exporters' tests use: a name with a raw newline and a record.
    exported = export_to(evil_design, tmp_path / "bundle")
    for host in exported.hosts("postfix"):
        directory = _dir(exported, host.name)
        assert postfix_problems(directory, tmp_path / "scratch" / host.name) == []
        assert relay_problems(directory, host, evil_design) == []
    for path, text in exported.files.items():
        if path.startswith(("postfix/", "dovecot/")):
            for line in text.split("\n"):
                if "6.6.6.6" in line:
                    assert line.startswith("#"), f"{path}: {line}"


def test_a_host_on_a_remote_network_logs_in_to_the_hub_instead_of_being_trusted(tmp_path):
    # A remote network is never trusted: the host relays through the hub's submission
    # port with a password, and nothing in either file trusts its address.
    design = design_model.load(
        {
            "format": "mail-design",
            "version": 1,
            "name": "Home NAS",
            "domains": [{"name": "example.org"}],
            "networks": [
                {"name": "hosting", "zone": "internet", "cidrs": ["192.0.2.0/24"]},
                {"name": "home", "zone": "remote", "cidrs": ["198.51.100.0/24"]},
            ],
            "hosts": [
                {
                    "name": "mail.example.org",
                    "network": "hosting",
                    "addresses": ["192.0.2.10"],
                    "stores_mailboxes": True,
                },
                {"name": "nas.example.org", "network": "home", "addresses": ["198.51.100.7"]},
            ],
        }
    )
    exported = export_to(design, tmp_path / "bundle")
    nas = _dir(exported, "nas.example.org")
    assert "198.51.100.0/24" not in postconf_value(_dir(exported, "mail.example.org"), "mynetworks")
    assert postconf_value(nas, "relayhost") == "[mail.example.org]:587"
    assert postconf_value(nas, "smtp_sasl_auth_enable") == "yes"
    assert "WARNING" not in (nas / "main.cf").read_text()
    master = (_dir(exported, "mail.example.org") / "master.cf").read_text()
    assert master.count("\nsubmission inet") == 1
    # The department hub trusts its LAN: no such warning there.
    hub = export_to(examples.load("department-hub"), tmp_path / "hub")
    assert "WARNING" not in (_dir(hub, "ws1.cs.example.edu") / "main.cf").read_text()


# -- one user list; postmaster, root and aliases reach a mailbox (issues 10, 14) ------


def _lookup(directory: Path, table: str, key: str) -> str | None:
    """What Postfix's own postmap finds for ``key`` in a generated table (None: absent)."""
    result = postmap_query(directory, table, key)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout.strip() if result.returncode == 0 else None


def _dovecot_users(exported, host: str) -> set[str]:
    text = (exported.dir("dovecot", host) / "users").read_text()
    return {line.split(":", 1)[0] for line in text.splitlines() if line and line[0] != "#"}


def test_postmaster_and_root_reach_a_mailbox_when_the_store_runs_only_dovecot(tmp_path):
    exported = export_to(gateway_and_store(store_mta="none"), tmp_path / "bundle")
    gw = _dir(exported, "gw.example.org")
    mailboxes = _dovecot_users(exported, "store.example.org")
    for local in ("postmaster", "root", "abuse", "alice"):
        address = f"{local}@example.org"
        # The gateway accepts it...
        assert _lookup(gw, "relay_recipients", address) == "OK", address
        # ...and, as the last MTA before the store's LMTP, rewrites it to a mailbox the
        # store's Dovecot knows, so LMTP never answers "550 User doesn't exist".
        mailbox = _lookup(gw, "virtual", address) or address
        assert mailbox in mailboxes, (address, mailbox, mailboxes)
    assert _lookup(gw, "relay_recipients", "nobody@example.org") is None
    assert _lookup(gw, "virtual", "@example.org") is None


def test_root_from_a_null_client_reaches_a_mailbox_through_the_gateway(tmp_path):
    exported = export_to(
        gateway_and_store(store_mta="postfix", null_client=True), tmp_path / "bundle"
    )
    app = _dir(exported, "app.example.org")
    assert postconf_value(app, "myorigin") == "example.org"  # cron mail: root@example.org
    gw = _dir(exported, "gw.example.org")
    assert _lookup(gw, "relay_recipients", "root@example.org") == "OK"
    store = _dir(exported, "store.example.org")
    assert _lookup(store, "virtual", "root@example.org") == "postmaster@example.org"
    assert _lookup(store, "vmailbox", "postmaster@example.org") == "OK"
    assert "postmaster@example.org" in _dovecot_users(exported, "store.example.org")


@pytest.mark.parametrize("store_mta", ["none", "postfix"])
def test_an_alias_domain_accepts_only_its_users_never_a_catch_all(store_mta, tmp_path):
    exported = export_to(gateway_and_store(store_mta=store_mta, alias=True), tmp_path / "bundle")
    last = "gw.example.org" if store_mta == "none" else "store.example.org"
    directory = _dir(exported, last)
    assert _lookup(directory, "virtual", "@example.net") is None
    assert _lookup(directory, "virtual", "alice@example.net") == "alice@example.org"
    assert _lookup(directory, "virtual", "root@example.net") == "postmaster@example.org"
    assert _lookup(directory, "virtual", "nobody@example.net") is None
    gw = _dir(exported, "gw.example.org")
    assert _lookup(gw, "relay_recipients", "alice@example.net") == "OK"
    assert _lookup(gw, "relay_recipients", "nobody@example.net") is None


def test_the_multi_domain_alias_has_no_catch_all(tmp_path):
    exported = _export("multi-domain", tmp_path)
    mx = _dir(exported, "mx.example.com")
    assert _lookup(mx, "virtual", "@example-shop.com") is None
    assert _lookup(mx, "virtual", "postmaster@example-shop.com") == "postmaster@example.com"


def test_it_writes_the_one_user_list_into_every_table(tmp_path):
    exported = export_to(gateway_and_store(store_mta="postfix"), tmp_path / "bundle")
    gw = _dir(exported, "gw.example.org")
    store = _dir(exported, "store.example.org")
    for user in ("alice@example.org", "bob@example.org"):
        assert _lookup(gw, "relay_recipients", user) == "OK"
        assert _lookup(store, "vmailbox", user) == "OK"
        assert _lookup(gw, "sender_logins", user) == user
        assert user in _dovecot_users(exported, "store.example.org")
        assert user in _dovecot_users(exported, "gw.example.org")  # submission logins
    assert "PLACEHOLDER: the design lists no" not in (gw / "relay_recipients").read_text()
    # Without users: postmaster only, and a clear placeholder.
    empty = export_to(gateway_and_store(users=()), tmp_path / "empty")
    text = (_dir(empty, "gw.example.org") / "relay_recipients").read_text()
    assert "PLACEHOLDER" in text and "domains[].users" in text
    assert [k for k, _ in table_entries(text)] == [
        "postmaster@example.org",
        "root@example.org",
        "abuse@example.org",
    ]


def test_it_lets_a_logged_in_user_send_only_as_their_own_addresses(tmp_path):
    exported = export_to(gateway_and_store(alias=True), tmp_path / "bundle")
    gw = _dir(exported, "gw.example.org")
    assert postconf_value(gw, "smtpd_sender_login_maps") == "hash:/etc/postfix/sender_logins"
    assert postconf_value(gw, "mua_sender_restrictions") == "reject_sender_login_mismatch"
    for service in ("submission", "submissions"):
        result = postconf(gw, "-P", f"{service}/inet/smtpd_sender_restrictions")
        assert result.stdout.split("=", 1)[1].strip() == "$mua_sender_restrictions"
    assert _lookup(gw, "sender_logins", "alice@example.net") == "alice@example.org"
    assert _lookup(gw, "sender_logins", "root@example.org") == "postmaster@example.org"
    assert _lookup(gw, "sender_logins", "boss@example.org") is None


def test_it_reaches_inside_stores_by_address_or_reads_etc_hosts(tmp_path):
    exported = export_to(gateway_and_store(store_mta="none"), tmp_path / "bundle")
    gw = _dir(exported, "gw.example.org")
    assert _lookup(gw, "transport", "example.org") == "lmtp:[10.1.0.10]:24"
    assert postconf_value(gw, "smtp_host_lookup") == "dns"  # nothing left to look up by name
    relay = export_to(gateway_and_store(store_mta="postfix"), tmp_path / "relay")
    assert _lookup(_dir(relay, "gw.example.org"), "transport", "example.org") == (
        "relay:[10.1.0.10]"
    )
    # The design gives no address: the name stays, and /etc/hosts is read too, as
    # dns/internal.txt advises.
    unknown = export_to(gateway_and_store(store_addresses=()), tmp_path / "unknown")
    gw = _dir(unknown, "gw.example.org")
    assert _lookup(gw, "transport", "example.org") == "lmtp:[store.example.org]:24"
    values = postconf_values(gw, "smtp_host_lookup", "lmtp_host_lookup")
    assert values == {"smtp_host_lookup": "dns, native", "lmtp_host_lookup": "dns, native"}


def test_it_verifies_the_smarthost_certificate_and_requires_tls_1_2(tmp_path):
    exported = _export("smarthost", tmp_path)
    mail = _dir(exported, "mail.example.info")
    values = postconf_values(
        mail,
        "smtp_tls_security_level",
        "smtp_tls_secure_cert_match",
        "smtp_tls_CAfile",
        "smtp_tls_mandatory_protocols",
        "smtpd_tls_mandatory_protocols",
    )
    assert values == {
        "smtp_tls_security_level": "secure",
        "smtp_tls_secure_cert_match": "nexthop",
        "smtp_tls_CAfile": "/etc/ssl/certs/ca-certificates.crt",
        "smtp_tls_mandatory_protocols": ">=TLSv1.2",
        "smtpd_tls_mandatory_protocols": ">=TLSv1.2",
    }
    # Both submission ports require TLS, so the mandatory protocols apply to both.
    for service in ("submission", "submissions"):
        result = postconf(mail, "-P", f"{service}/inet/smtpd_tls_security_level")
        assert result.stdout.split("=", 1)[1].strip() == "encrypt"
    assert "libsasl2-modules" in (mail / "main.cf").read_text()
    assert postfix.DEBIAN_PACKAGES_SASL_CLIENT == ("libsasl2-modules",)


def test_it_lets_an_mbox_inbox_grow_past_51_mb(tmp_path):
    design = examples.load("timesharing")
    host = dataclasses.replace(design.hosts[0], mta="postfix")
    exported = export_to(dataclasses.replace(design, hosts=(host,)), tmp_path / "bundle")
    unix = _dir(exported, "unix.example.edu")
    values = postconf_values(unix, "mailbox_size_limit", "message_size_limit")
    assert values == {"mailbox_size_limit": "0", "message_size_limit": "10240000"}


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_turns_vrfy_off_and_reads_certbot_s_two_files(slug, tmp_path):
    exported = _export(slug, tmp_path)
    for host in exported.hosts("postfix"):
        directory = _dir(exported, host.name)
        assert postconf_value(directory, "disable_vrfy_command") == "yes", host.name
        if any(listener.port in (25, 465, 587) for listener in host.listens):
            assert postconf_list(directory, "smtpd_tls_chain_files") == [
                f"/etc/letsencrypt/live/{host.name}/privkey.pem",
                f"/etc/letsencrypt/live/{host.name}/fullchain.pem",
            ]
