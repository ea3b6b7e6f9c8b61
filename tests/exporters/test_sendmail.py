"""The sendmail export: sendmail.mc and its tables, built by m4 with sendmail's cf files."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from architect import examples
from architect.core import dkim
from architect.core.exporters.sendmail import RELAY_OPENING, access_networks
from architect.lab import packages
from architect.lab.packages import UnpackError, environment, unpacked
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
    # Only Connect: entries for the plan's trusted networks (the LAN, and the
    # relaying hosts' own addresses); nothing for the whole internet.
    hub = next(h for h in exported.plan.hosts if h.name == "mailhub.cs.example.edu")
    expected = [
        f"Connect:{key}"
        for block in hub.trusted_networks
        if not block.startswith(("127.", "::1"))
        for key in access_networks(block)
    ]
    assert [k for k, _ in table_entries(access)] == expected


def test_it_routes_gateway_mail_with_mailertable_and_checks_recipients(tmp_path):
    exported = export_to(_with_sendmail("dmz-gateway", "gw.example.com"), tmp_path / "bundle")
    gw = _mc_dir(exported, "gw.example.com")
    assert table_entries((gw / "mailertable").read_text()) == [
        ("example.com", "esmtp:[store.example.com]")
    ]
    access = table_entries((gw / "access").read_text())
    assert ("To:postmaster@example.com", "RELAY") in access
    assert ("To:example.com", "RELAY") not in access  # only listed addresses (P1)
    assert ("Connect:10.0.0.20", "RELAY") in access  # the store alone, by its address
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


def _with_users(design, **users: tuple[str, ...]):
    """The design with domains[].users set, by domain name (dots as underscores)."""
    domains = tuple(
        dataclasses.replace(d, users=users.get(d.name.replace(".", "_"), d.users))
        for d in design.domains
    )
    return dataclasses.replace(design, domains=domains)


def _multi_domain_with_users():
    return _with_users(
        _with_sendmail("multi-domain"),
        example_com=("alice", "bob"),
        example_net=("carol",),
    )


def test_it_lists_every_address_of_the_mailbox_and_alias_domains_in_virtusertable(tmp_path):
    exported = export_to(_multi_domain_with_users(), tmp_path / "bundle")
    mx = _mc_dir(exported, "mx.example.com")
    error = 'error:5.1.1:"550 User unknown"'
    # The one user list: every mailbox as itself, root@ and abuse@ to postmaster@, each
    # user of the alias domain to the same user at its target; @domain refused.
    assert table_entries((mx / "virtusertable").read_text()) == [
        ("postmaster@example.com", "postmaster@example.com"),
        ("alice@example.com", "alice@example.com"),
        ("bob@example.com", "bob@example.com"),
        ("root@example.com", "postmaster@example.com"),
        ("abuse@example.com", "postmaster@example.com"),
        ("@example.com", error),
        ("postmaster@example.net", "postmaster@example.net"),
        ("carol@example.net", "carol@example.net"),
        ("root@example.net", "postmaster@example.net"),
        ("abuse@example.net", "postmaster@example.net"),
        ("@example.net", error),
        ("postmaster@example-shop.com", "postmaster@example.com"),
        ("alice@example-shop.com", "alice@example.com"),
        ("bob@example-shop.com", "bob@example.com"),
        ("root@example-shop.com", "postmaster@example.com"),
        ("abuse@example-shop.com", "postmaster@example.com"),
        ("@example-shop.com", error),
    ]
    # The same users as Dovecot's passwd-file.
    users = exported.dir("dovecot", "mx.example.com") / "users"
    listed = {line.split(":", 1)[0] for line in users.read_text().splitlines() if "@" in line}
    mailboxes = {
        target
        for _, target in table_entries((mx / "virtusertable").read_text())
        if not target.startswith("error:")
    }
    assert mailboxes == listed
    # Dovecot's domains go to the dovecot mailer, and are not class w (the local mailer).
    assert table_entries((mx / "mailertable").read_text()) == [
        ("example.com", "dovecot:mx.example.com"),
        ("example.net", "dovecot:mx.example.com"),
    ]
    names = (mx / "local-host-names").read_text().splitlines()
    assert "example.com" not in names and "example.net" not in names
    assert "example-shop.com" in names and "parked-example.org" not in names


def test_it_keeps_one_virtusertable_line_per_user_on_a_shell_host(tmp_path):
    design = examples.load("timesharing")
    alias = dataclasses.replace(design.domains[0], name="example-alias.edu", alias_of="example.edu")
    design = dataclasses.replace(design, domains=(*design.domains, alias))
    exported = export_to(design, tmp_path / "bundle")
    host = exported.hosts("sendmail")[0].name
    entries = table_entries((_mc_dir(exported, host) / "virtusertable").read_text())
    assert ("@example-alias.edu", 'error:5.1.1:"550 User unknown"') in entries
    assert not any("%1" in target for _, target in entries)


def test_it_delivers_dovecot_s_mailboxes_with_the_full_address_as_vmail(tmp_path):
    exported = export_to(_with_sendmail("solo-server"), tmp_path / "bundle")
    cf = _built(exported, "mail.example.org")
    mailer = cf.split("\nMdovecot,", 1)[1].split("\nM", 1)[0]
    assert "P=/usr/lib/dovecot/dovecot-lda" in mailer
    assert "A=/usr/lib/dovecot/dovecot-lda -f $g -d $u" in mailer
    assert "U=5000:5000" in mailer  # vmail, the owner dovecot.conf names
    assert "R=EnvToSMTP" in mailer  # $u is user@domain, the key of Dovecot's user list
    # Root's and cron's mail to this host's own names stays with procmail.
    local = re.search(r"^Mlocal,\s*P=(\S+?),", cf, re.M)
    assert local and local.group(1) == "/usr/bin/procmail"
    mc = (_mc_dir(exported, "mail.example.org") / "sendmail.mc").read_text()
    said = " ".join(line.removeprefix("dnl # ") for line in mc.splitlines())
    assert "FULL address" in said and "backscatter" in said


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


# --------------------------------------------------------------------------
# The real sendmail, unpacked from Debian's sendmail-bin into a private root
# (it cannot be installed beside Postfix): address tests (-bt), address
# verification (-bv) and an SMTP session on stdin (-bs).

SENDMAIL_ROOT = packages.CACHE / "sendmail"
SENDMAIL = "usr/libexec/sendmail/sendmail"


@pytest.fixture(scope="session")
def sendmail_root() -> Path:
    """The unpacked sendmail-bin; skipped only outside CI when not root (apt-get download)."""
    if os.geteuid() != 0 and os.environ.get("CI") != "true":
        pytest.skip("unpacking sendmail-bin needs root (apt-get download)")
    try:
        return unpacked(["sendmail-bin"], SENDMAIL_ROOT)
    except UnpackError as error:
        pytest.fail(f"could not unpack sendmail-bin: {error}")


def _sendmail_command(root: Path, cf: Path, host: str, *args: str) -> list[str]:
    """The unpacked sendmail on ``cf``, in a UTS namespace named ``host``.

    sendmail sleeps a minute at start-up when the machine's own name is
    unqualified, whatever confDOMAIN_NAME says (cf/README, WHO AM I?): a
    namespace with the host's name avoids that without renaming this machine.
    """
    return [
        "unshare",
        "-u",
        "sh",
        "-c",
        f'hostname {host} && exec "$@"',
        "-",
        str(root / SENDMAIL),
        "-C",
        str(cf),
        *args,
    ]


@pytest.fixture
def lab_dir() -> Iterator[Path]:
    """A scratch directory sendmail trusts: none of its parents may be world-writable.

    sendmail refuses files under /tmp (and so pytest's tmp_path): "World
    writable directory".
    """
    SENDMAIL_ROOT.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="sendmail-test-", dir=SENDMAIL_ROOT.parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _built_cf(exported, host: str, lab: Path) -> Path:
    """The host's .cf with /etc/mail and /var/lib/sendmail moved into ``lab``.

    The bundle's tables are copied beside it, so sendmail reads exactly what
    the person would put in /etc/mail.
    """
    etc, var = lab / "etc", lab / "var"
    for directory in (etc, var / "host_status"):
        directory.mkdir(parents=True, exist_ok=True)
    for table in _mc_dir(exported, host).iterdir():
        if table.name != "sendmail.mc":
            shutil.copy(table, etc / table.name)
    cf_text = _built(exported, host)
    cf_text = cf_text.replace("/etc/mail/", f"{etc}/").replace("/var/lib/sendmail/", f"{var}/")
    cf = lab / f"{host}.cf"
    cf.write_text(cf_text)
    return cf


def _address_test(root: Path, cf: Path, host: str, *lines: str) -> str:
    """What ``sendmail -bt`` answers to ``lines``, one rule set test or /try each."""
    result = subprocess.run(
        _sendmail_command(root, cf, host, "-bt"),
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=60,
        env=environment(root),
        check=False,
    )
    # No exit status check: sendmail exits 71 after -bt when a map it names
    # (an optional hash table not built here) is missing.
    assert "ADDRESS TEST MODE" in result.stdout, result.stdout + result.stderr
    return result.stdout


def _smtp_session(root: Path, cf: Path, host: str, queue: Path, commands: list[str]) -> str:
    """An SMTP session with ``sendmail -bs``, as a client holds one: each command is sent
    only once the reply to the one before (the greeting first) has come in full.

    sendmail refuses a client that talks before the greeting, and may hang up early: a
    closed pipe ends the session, and what it said until then is the answer.
    """
    queue.mkdir(mode=0o700, exist_ok=True)
    process = subprocess.Popen(
        _sendmail_command(root, cf, host, "-bs", "-O", f"QueueDirectory={queue}"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=environment(root),
    )
    assert process.stdin is not None and process.stdout is not None
    watchdog = threading.Timer(30, process.kill)
    watchdog.start()
    lines: list[str] = []

    def reply() -> bool:
        while True:
            line = process.stdout.readline().decode("utf-8", "replace")
            if not line:
                return False
            lines.append(line.rstrip("\r\n"))
            if re.match(r"^\d{3} ", line):
                return True

    try:
        if reply():
            for command in commands:
                try:
                    process.stdin.write((command + "\r\n").encode())
                    process.stdin.flush()
                except BrokenPipeError:
                    break
                if not reply():
                    break
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
    return "\n".join(lines) + "\n"


def test_it_sends_a_null_client_s_local_mail_to_the_hub_as_user_at_the_origin(
    tmp_path, sendmail_root, lab_dir
):
    exported = export_to(_with_sendmail("department-hub"), tmp_path / "bundle")
    cf = _built_cf(exported, "ws1.cs.example.edu", lab_dir)
    # Ruleset 5 routes local names (cron's mail to root) after aliasing.
    out = _address_test(
        sendmail_root,
        cf,
        "ws1.cs.example.edu",
        "5 root",
        "5 alice",
        "/try relay root@cs.example.edu",
    )
    assert (
        "localaddr        returns: $# relay $@ [ mailhub . cs . example . edu ] "
        "$: root < @ cs . example . edu . >" in out
    )
    assert "$: alice < @ cs . example . edu . >" in out
    # What goes into RCPT TO: a real domain, never root@[mailhub...] (501 5.1.3 at Postfix).
    assert "Rcode = 0, addr = root@cs.example.edu" in out
    assert (
        "@ [" not in out.split("localaddr        returns:", 1)[1].split("$:", 1)[1].split("\n")[0]
    )


def test_it_sends_local_mail_through_a_provider_smarthost_as_user_at_the_origin(
    tmp_path, sendmail_root, lab_dir
):
    exported = export_to(_with_sendmail("hosted-mailboxes"), tmp_path / "bundle")
    cf = _built_cf(exported, "app.example-startup.com", lab_dir)
    out = _address_test(sendmail_root, cf, "app.example-startup.com", "5 root")
    # Through the relay mailer, so on the provider's port 587 with the authinfo login.
    assert "$# relay $@ [ smtp . mailhost . example ] $: root < @ example-startup . com . >" in out
    relay_mailer = cf.read_text().split("\nMrelay,", 1)[1].split("\nM", 1)[0]
    assert "A=TCP $h 587" in relay_mailer


@pytest.mark.parametrize(
    ("slug", "host"),
    [
        ("timesharing", "unix.example.edu"),  # mbox for shell users
        ("dmz-gateway", "gw.example.com"),  # a gateway: only root and postmaster are local
    ],
)
def test_it_delivers_local_mail_with_debian_s_paths_and_says_what_to_install(
    slug, host, tmp_path, sendmail_root, lab_dir
):
    exported = export_to(_with_sendmail(slug), tmp_path / "bundle")
    mc = (_mc_dir(exported, host) / "sendmail.mc").read_text()
    cf = _built_cf(exported, host, lab_dir)
    text = cf.read_text()
    # Debian's layout: helpers where sendmail-bin puts them, status under /var/lib/sendmail.
    assert "O HostStatusDirectory=" + str(lab_dir / "var") + "/host_status" in text
    assert (sendmail_root / "usr/libexec/sendmail/smrsh").is_file()
    assert "/usr/sbin/smrsh" not in text
    local = re.search(r"^Mlocal,\s*P=(\S+?),", text, re.M)
    assert local and local.group(1) == "/usr/bin/procmail"
    # The package that program comes from is named where the person reads it.
    said = " ".join(line.removeprefix("dnl # ") for line in mc.splitlines())
    assert "REQUIRES procmail" in said and "apt-get install sendmail" in said
    out = _address_test(sendmail_root, cf, host, "3,0 root")
    assert "parse            returns: $# local $: root" in out


def test_it_answers_no_vrfy_or_expn(tmp_path, sendmail_root, lab_dir):
    exported = export_to(_with_sendmail("timesharing"), tmp_path / "bundle")
    cf = _built_cf(exported, "unix.example.edu", lab_dir)
    assert re.search(r"^O PrivacyOptions=goaway$", cf.read_text(), re.M)
    out = _smtp_session(
        sendmail_root,
        cf,
        "unix.example.edu",
        lab_dir / "queue",
        ["EHLO client.example", "VRFY root", "EXPN root", "QUIT"],
    )
    replies = out.splitlines()
    assert replies[0].startswith("220 unix.example.edu"), out
    ehlo = [r for r in replies if r.startswith("250-") or r.startswith("250 ")]
    assert not any(r[4:].split()[0] in ("EXPN", "VERB") for r in ehlo if r[4:].strip()), out
    vrfy = next(r for r in replies if r.startswith("252") or "VRFY" in r.upper())
    assert "root@" not in vrfy and "<root" not in vrfy, out
    assert any(r.startswith("502") for r in replies), out  # EXPN refused


def _built_maps(root: Path, cf: Path, lab: Path) -> None:
    """makemap hash for every table in ``lab``/etc, as the install steps do."""
    for table in ("access", "mailertable", "sender_logins", "virtusertable"):
        path = lab / "etc" / table
        if path.exists():
            subprocess.run(
                [str(root / "usr/sbin/makemap"), "-C", str(cf), "hash", str(path)],
                stdin=path.open(),
                env=environment(root),
                check=True,
                timeout=30,
            )


def test_it_routes_each_address_to_dovecot_and_refuses_unknown_ones(
    tmp_path, sendmail_root, lab_dir
):
    exported = export_to(_multi_domain_with_users(), tmp_path / "bundle")
    cf = _built_cf(exported, "mx.example.com", lab_dir)
    _built_maps(sendmail_root, cf, lab_dir)
    addresses = [
        "alice@example.com",
        "carol@example.net",
        "postmaster@example.net",
        "root@example.com",
        "abuse@example.net",
        "bob@example-shop.com",
        "root@example-shop.com",
        "nosuchuser@example.com",
        "nosuchuser@example-shop.com",
        "carol@example.com",  # a user of another domain
    ]
    out = _address_test(sendmail_root, cf, "mx.example.com", *(f"3,0 {a}" for a in addresses))
    # One answer per address: the last "parse returns" before the next prompt (an
    # alias recurses through ruleset 0, which prints its own answers first).
    chunks = re.split(r"^> ", out, flags=re.M)[1 : len(addresses) + 1]
    answers = [re.findall(r"^parse +returns: (.*)$", c, re.M)[-1] for c in chunks]

    def dovecot(address: str) -> str:
        local, domain = address.split("@")
        spaced = " . ".join(domain.split("."))
        return f"$# dovecot $@ mx . example . com $: {local} < @ {spaced} . >"

    unknown = '$# error $@ 5 . 1 . 1 $: "550 User unknown"'
    assert dict(zip(addresses, answers, strict=True)) == {
        "alice@example.com": dovecot("alice@example.com"),
        "carol@example.net": dovecot("carol@example.net"),
        "postmaster@example.net": dovecot("postmaster@example.net"),
        "root@example.com": dovecot("postmaster@example.com"),
        "abuse@example.net": dovecot("postmaster@example.net"),
        "bob@example-shop.com": dovecot("bob@example.com"),
        "root@example-shop.com": dovecot("postmaster@example.com"),
        "nosuchuser@example.com": unknown,
        "nosuchuser@example-shop.com": unknown,
        "carol@example.com": unknown,
    }
    # What dovecot-lda is given as -d: the whole address, as Dovecot's user list has it.
    out = _address_test(sendmail_root, cf, "mx.example.com", "/try dovecot alice@example.com")
    assert "Rcode = 0, addr = alice@example.com" in out


def _multi_domain_signing():
    """multi-domain on sendmail, with a DKIM key for every domain that sends."""
    design = _with_sendmail("multi-domain")
    _pem, public = dkim.generate()
    domains = tuple(
        dataclasses.replace(d, dkim_selector="s2026a", dkim_public_key=public)
        if d.receives_mail
        else d
        for d in design.domains
    )
    return dataclasses.replace(design, domains=domains)


def test_it_signs_through_opendkim_and_masquerades_only_the_host_s_own_name(
    tmp_path, sendmail_root, lab_dir
):
    exported = export_to(_multi_domain_signing(), tmp_path / "bundle")
    host = "mx.example.com"
    # The OpenDKIM files are there, and the .cf hands every message to the milter.
    assert {"KeyTable", "SigningTable", "TrustedHosts", "opendkim.conf"} <= {
        p.name for p in exported.dir("dkim", host).iterdir()
    }
    conf = (exported.dir("dkim", host) / "opendkim.conf").read_text()
    assert "INPUT_MAIL_FILTER in sendmail.mc" in conf
    cf = _built_cf(exported, host, lab_dir)
    text = cf.read_text()
    assert re.search(r"^Xopendkim, S=inet:8891@localhost$", text, re.M), text
    assert re.search(r"^O InputMailFilters=opendkim$", text, re.M)
    # OpenDKIM signs the From the message arrives with; sendmail rewrites headers only on
    # the way out. The alias domain is in class w (it is delivered here), and must leave
    # as written, or its signature breaks; the host's own name still leaves as the origin.
    out = _address_test(
        sendmail_root,
        cf,
        host,
        "/tryflags HS",
        "/try esmtp postmaster@example-shop.com",
        "/tryflags ES",
        "/try esmtp postmaster@example-shop.com",
        "/tryflags HS",
        "/try esmtp root@mx.example.com",
    )
    rewritten = re.findall(r"Rcode = \d+, addr = (\S+)", out)
    assert rewritten == [
        "postmaster@example-shop.com",
        "postmaster@example-shop.com",
        "root@example.com",
    ], out


def test_it_masquerades_in_submit_mc_so_cron_s_mail_is_signed_as_the_origin(
    tmp_path, sendmail_root, lab_dir
):
    exported = export_to(_multi_domain_signing(), tmp_path / "bundle")
    host = "mx.example.com"
    submit = _mc_dir(exported, host) / "submit.mc"
    built = m4_build(submit)
    assert built.returncode == 0 and not built.stderr.strip(), built.stderr
    cf = lab_dir / "submit.cf"
    cf.write_text(built.stdout)
    assert re.search(r"^DMexample\.com$", built.stdout, re.M)
    # The sendmail command hands "From: root" to the daemon as root@example.com, the
    # address OpenDKIM signs; the alias domain is left as written.
    out = _address_test(
        sendmail_root,
        cf,
        host,
        "/tryflags HS",
        "/try relay root",
        "/try relay root@mx.example.com",
        "/try relay postmaster@example-shop.com",
    )
    rewritten = re.findall(r"Rcode = \d+, addr = (\S+)", out)
    assert rewritten == [
        "root@example.com",
        "root@example.com",
        "postmaster@example-shop.com",
    ], out


def test_it_checks_submission_logins_through_saslauthd_at_dovecot(tmp_path):
    exported = export_to(_with_sendmail("solo-server"), tmp_path / "bundle")
    host = "mail.example.org"
    cf = _built(exported, host)
    # AUTH on 587 and 465 only, PLAIN and LOGIN only inside TLS (p), the daemon on 25
    # without AUTH (M=A).
    assert re.search(r"^O DaemonPortOptions=Port=submission, Name=MSA, M=Ea$", cf, re.M)
    assert re.search(r"^O DaemonPortOptions=Port=smtps, Name=TLSMSA, M=Esa$", cf, re.M)
    assert re.search(r"^O DaemonPortOptions=Port=smtp, Name=MTA, M=A$", cf, re.M)
    assert re.search(r"^O AuthMechanisms=PLAIN LOGIN$", cf, re.M)
    assert re.search(r"^O AuthOptions=A p y$", cf, re.M)
    assert re.search(r"^C\{TrustAuthMech\}PLAIN LOGIN$", cf, re.M)
    sasl = (_mc_dir(exported, host) / "Sendmail.conf").read_text()
    options = dict(
        line.split(": ", 1) for line in sasl.splitlines() if line and not line.startswith("#")
    )
    assert options == {
        "pwcheck_method": "saslauthd",
        "mech_list": "PLAIN LOGIN",
        "saslauthd_path": "/var/run/saslauthd/mux",
    }
    # Debian's init script reads this file with the shell: what it will run.
    defaults = _mc_dir(exported, host) / "saslauthd"
    shown = subprocess.run(
        ["sh", "-c", '. "$0" && echo "$START|$MECHANISMS|$MECH_OPTIONS|$OPTIONS"', defaults],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout.strip()
    assert shown == "yes|rimap|127.0.0.1|-r -m /var/run/saslauthd"
    # Hosts without submission get none of it.
    null = export_to(_with_sendmail("smarthost"), tmp_path / "smarthost")
    for h in null.hosts("sendmail"):
        if "submission" not in h.roles:
            names = {p.name for p in _mc_dir(null, h.name).iterdir()}
            assert not names & {"Sendmail.conf", "saslauthd", "sender_logins"}, h.name


def test_it_lets_a_login_send_only_as_its_own_addresses(tmp_path, sendmail_root, lab_dir):
    exported = export_to(_multi_domain_with_users(), tmp_path / "bundle")
    cf = _built_cf(exported, "mx.example.com", lab_dir)
    _built_maps(sendmail_root, cf, lab_dir)
    cases = [
        # (login, MAIL FROM, allowed?)
        ("alice@example.com", "<alice@example.com>", True),
        ("alice@example.com", "<Alice@Example.COM>", True),
        ("alice@example.com", "alice@example.com", True),
        ("alice@example.com", "<>", True),  # a bounce, as Postfix leaves it
        ("alice@example.com", "<bob@example.com>", False),
        ("alice@example.com", "<postmaster@example.com>", False),
        ("alice@example.com", "<alice@example.net>", False),
        ("alice@example.com", "<alice@internet.test>", False),
        ("bob@example.com", "<bob@example-shop.com>", True),  # the alias domain
        ("postmaster@example.com", "<root@example.com>", True),
        ("postmaster@example.net", "<abuse@example.net>", True),
        ("", "<bob@example.com>", True),  # no login: port 25 and the sendmail command
    ]
    lines = []
    for login, sender, _ in cases:
        lines += [f".D{{auth_authen}}{login}", f"Local_check_mail {sender}"]
    out = _address_test(sendmail_root, cf, "mx.example.com", *lines)
    answers = re.findall(r"^Local_check_mail +returns: (.*)$", out, re.M)
    assert len(answers) == len(cases), out
    for (login, sender, allowed), answer in zip(cases, answers, strict=True):
        if allowed:
            assert answer == "OK", (login, sender, answer)
        else:
            assert answer.startswith("$# error $@ 5 . 7 . 1") and "553" in answer, (
                login,
                sender,
                answer,
            )
