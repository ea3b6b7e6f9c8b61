"""The sendmail export: sendmail.mc and its tables, built by m4 with sendmail's cf files."""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from architect import examples
from architect.core.exporters.sendmail import RELAY_OPENING, access_networks
from tests.exporters._programs import (
    HOSTILE,
    RELAY_OPENING_FEATURES,
    export_to,
    m4_build,
    sendmail_problems,
    table_entries,
)
from tests.strategies import designs


def _with_sendmail(slug: str, *hosts: str):
    """An example design with the named hosts (all when none) running sendmail."""
    design = examples.load(slug)
    changed = tuple(
        dataclasses.replace(h, mta="sendmail") if not hosts or h.name in hosts else h
        for h in design.hosts
    )
    return dataclasses.replace(design, hosts=changed)


def _mc_dir(exported, host: str) -> Path:
    return exported.dir("sendmail", host)


def _built(exported, host: str) -> str:
    result = m4_build(_mc_dir(exported, host) / "sendmail.mc")
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    return result.stdout


# Every example with every MTA host switched to sendmail: T1-T10 in sendmail's words.
@pytest.mark.parametrize("slug", examples.slugs())
def test_it_writes_an_mc_that_m4_builds_cleanly_for_every_example(slug, tmp_path):
    exported = export_to(_with_sendmail(slug), tmp_path / "bundle")
    hosts = exported.hosts("sendmail")
    assert hosts, "every example has an MTA host"
    for host in hosts:
        assert sendmail_problems(_mc_dir(exported, host.name) / "sendmail.mc") == [], host.name


def test_it_writes_sendmail_files_for_the_timesharing_example_as_designed(tmp_path):
    exported = export_to(examples.load("timesharing"), tmp_path / "bundle")
    written = sorted(p for p in exported.files if p.startswith("sendmail/"))
    assert written == [
        "sendmail/unix.example.edu/access",
        "sendmail/unix.example.edu/local-host-names",
        "sendmail/unix.example.edu/sendmail.mc",
    ]
    cf = _built(exported, "unix.example.edu")
    # example.edu is delivered here: it is in class w through local-host-names.
    assert "Fw/etc/mail/local-host-names" in cf
    names = (_mc_dir(exported, "unix.example.edu") / "local-host-names").read_text()
    assert "example.edu" in names.splitlines()
    assert "Djunix.example.edu" in cf
    # No submission in this design: no port 587 listener.
    assert re.findall(r"^O DaemonPortOptions=(.*)$", cf, re.M) == ["Port=smtp, Name=MTA"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs())
def test_it_writes_mcs_m4_builds_cleanly_for_generated_designs(design):
    # Generated designs draw sendmail for some hosts; switch all so every role is covered.
    design = dataclasses.replace(
        design,
        hosts=tuple(
            dataclasses.replace(h, mta="sendmail") if h.mta == "postfix" else h
            for h in design.hosts
        ),
    )
    with tempfile.TemporaryDirectory() as tmp:
        exported = export_to(design, Path(tmp) / "bundle")
        for host in exported.hosts("sendmail"):
            problems = sendmail_problems(exported.dir("sendmail", host.name) / "sendmail.mc")
            assert problems == [], f"{host.name}: {problems}"


def test_it_knows_the_same_relay_opening_features_as_the_checker():
    assert set(RELAY_OPENING) == set(RELAY_OPENING_FEATURES)


def test_it_makes_null_clients_loopback_only_with_nullclient_last(tmp_path):
    exported = export_to(_with_sendmail("department-hub"), tmp_path / "bundle")
    mc = (_mc_dir(exported, "ws1.cs.example.edu") / "sendmail.mc").read_text()
    features = re.findall(r"^FEATURE\(`(\w+)'", mc, re.M)
    assert features[-1] == "nullclient" and "no_default_msa" in features
    cf = _built(exported, "ws1.cs.example.edu")
    assert re.findall(r"^O DaemonPortOptions=(.*)$", cf, re.M) == [
        "Port=smtp,Addr=127.0.0.1, Name=MTA"
    ]
    # The plan's relayhost, brackets and all: no MX lookup.
    assert re.search(r"^DS\[mailhub\.cs\.example\.edu\]$", cf, re.M)
    assert re.search(r"^DMcs\.example\.edu$", cf, re.M)  # mail leaves as user@cs.example.edu


def test_it_trusts_the_hub_s_networks_in_the_access_table(tmp_path):
    exported = export_to(_with_sendmail("department-hub"), tmp_path / "bundle")
    access = (_mc_dir(exported, "mailhub.cs.example.edu") / "access").read_text()
    assert ("Connect:10.20", "RELAY") in table_entries(access)
    # Only Connect: entries for the trusted LAN; nothing for the whole internet.
    assert [k for k, _ in table_entries(access)] == ["Connect:10.20"]


def test_it_routes_gateway_mail_with_mailertable_and_checks_recipients(tmp_path):
    exported = export_to(_with_sendmail("dmz-gateway", "gw.example.com"), tmp_path / "bundle")
    gw = _mc_dir(exported, "gw.example.com")
    assert table_entries((gw / "mailertable").read_text()) == [
        ("example.com", "esmtp:[store.example.com]")
    ]
    access = table_entries((gw / "access").read_text())
    assert ("To:postmaster@example.com", "RELAY") in access
    assert ("To:example.com", "RELAY") not in access  # only listed addresses (P1)
    assert ("Connect:10.0.0", "RELAY") in access
    # The gateway never delivers example.com itself (T4).
    assert "example.com" not in (gw / "local-host-names").read_text().splitlines()
    mc = (gw / "sendmail.mc").read_text()
    assert "relaytofulladdress" in mc and "FEATURE(`relay_hosts_only')" in mc
    cf = _built(exported, "gw.example.com")
    assert "Kmailertable hash -o /etc/mail/mailertable" in cf
    # Port 25 never offers AUTH; submission requires it.
    ports = re.findall(r"^O DaemonPortOptions=(.*)$", cf, re.M)
    assert "Port=smtp, Name=MTA, M=A" in ports
    assert "Port=submission, Name=MSA, M=Ea" in ports


def test_it_hands_filtered_mail_to_the_store_over_lmtp(tmp_path):
    exported = export_to(
        _with_sendmail("filtering-edge", "gw1.example.org", "gw2.example.org"), tmp_path / "bundle"
    )
    gw = _mc_dir(exported, "gw1.example.org")
    assert table_entries((gw / "mailertable").read_text()) == [
        ("example.org", "lmtp24:[store.example.org]")
    ]
    cf = _built(exported, "gw1.example.org")
    assert re.search(r"^Mlmtp24,.*F=mDFMuXz", cf, re.M)
    assert "A=TCP $h 24" in cf


def test_it_relays_through_the_smarthost_on_its_port_with_a_login(tmp_path):
    exported = export_to(_with_sendmail("smarthost"), tmp_path / "bundle")
    mail = _mc_dir(exported, "mail.example.info")
    cf = _built(exported, "mail.example.info")
    assert re.search(r"^DS\[smtp\.relay-provider\.example\]$", cf, re.M)
    relay_mailer = cf.split("\nMrelay,", 1)[1].split("\nM", 1)[0]
    assert "A=TCP $h 587" in relay_mailer
    assert "Kauthinfo hash -o /etc/mail/authinfo" in cf
    authinfo = (mail / "authinfo").read_text()
    assert table_entries(authinfo) == [] and "PLACEHOLDER" in authinfo
    assert "#AuthInfo:smtp.relay-provider.example\t" in authinfo


def test_it_rewrites_alias_domains_with_virtusertable(tmp_path):
    exported = export_to(_with_sendmail("multi-domain"), tmp_path / "bundle")
    mx = _mc_dir(exported, "mx.example.com")
    assert table_entries((mx / "virtusertable").read_text()) == [
        ("@example-shop.com", "%1@example.com")
    ]
    names = (mx / "local-host-names").read_text().splitlines()
    assert {"example.com", "example.net", "example-shop.com"} <= set(names)
    assert "parked-example.org" not in names


@pytest.mark.parametrize(
    ("block", "keys"),
    [
        ("10.0.0.0/24", ["10.0.0"]),
        ("10.20.0.0/16", ["10.20"]),
        ("203.0.113.0/30", [f"203.0.113.{i}" for i in range(4)]),
        ("172.16.0.0/15", ["172.16", "172.17"]),
        ("2001:db8:1::/48", ["IPv6:2001:db8:1"]),
        ("10.0.0.0/9", [f"10.{i}" for i in range(128)]),
        ("2001:db8::/33", []),  # 32768 entries: listed by hand, never widened
    ],
)
def test_it_writes_access_keys_no_broader_than_the_trusted_network(block, keys):
    assert access_networks(block) == keys


def test_it_keeps_hostile_design_text_inside_dnl_comments(tmp_path):
    design = _with_sendmail("dmz-gateway")
    exported = export_to(
        dataclasses.replace(design, name=HOSTILE, description=HOSTILE), tmp_path / "bundle"
    )
    for host in exported.hosts("sendmail"):
        mc = _mc_dir(exported, host.name) / "sendmail.mc"
        assert sendmail_problems(mc) == []
        text = mc.read_text()
        assert "\r" not in text and "\u2028" not in text
        for line in text.split("\n"):
            if "evil" in line or "<script>" in line:
                assert line.startswith("dnl # "), line
        cf = _built(exported, host.name)
        assert "evil" not in cf
