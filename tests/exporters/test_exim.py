"""Exim export: every example, its hosts switched to Exim, checked by Exim 4.96 itself.

exim4 cannot be installed beside Postfix (both provide mail-transport-agent),
so it runs from a private root that ``architect.lab.packages.unpacked``
fills with ``apt-get download`` + ``dpkg-deb -x``. Exim looks up its
compiled-in user Debian-exim before it reads ``-C``; the user (and the
accounts the checks route to) come from a passwd and group bind-mounted in a
private mount namespace (``unshare -m``), with no network (``-n``), so this
machine is never changed. With CI=true a failure to unpack or run is a
failure; elsewhere the tests skip only when not root.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from architect import examples
from architect.core import dkim
from architect.core.exporters import bundle
from architect.core.exporters.deploy import installs
from architect.core.exporters.exim import PACKAGE_HEAVY, PACKAGE_LIGHT, exim_files, needs_heavy
from architect.core.planner import plan as make_plan
from architect.lab import packages
from architect.lab.packages import UnpackError, environment, unpacked

CACHE = packages.CACHE
TIMEOUT = 60
USERS = ("alice", "bob")
# An address outside every design, and a client outside every trusted network.
OUTSIDE = "someone@elsewhere.example"
STRANGER = "203.0.113.99"


def switched(slug: str, mta: str, users: tuple[str, ...] = USERS):
    """Example ``slug`` with every host that runs an MTA switched to ``mta``, and users.

    Built in code from the loaded example: the plan depends on where hosts sit and
    what they offer, not on which MTA they run, so the same decisions must come out
    in the other MTA's words. The receiving domains get ``users`` (the examples list
    none), so the recipient tables hold real addresses.
    """
    design = examples.load(slug)
    hosts = tuple(h if h.mta == "none" else dataclasses.replace(h, mta=mta) for h in design.hosts)
    domains = tuple(
        dataclasses.replace(d, users=users) if d.receives_mail and not d.alias_of else d
        for d in design.domains
    )
    return dataclasses.replace(design, hosts=hosts, domains=domains)


def _root(package: str) -> Path:
    if os.geteuid() != 0 and os.environ.get("CI") != "true":
        pytest.skip("apt-get download into a private root needs root")
    folder = "exim4" if package == PACKAGE_LIGHT else "exim4-heavy"
    try:
        return unpacked([package], CACHE / folder)
    except UnpackError as error:
        pytest.fail(f"could not unpack {package}: {error}")


class Exim:
    """exim4 from its private root, in a mount namespace with our passwd, group and hosts."""

    def __init__(self, root: Path, scratch: Path, plan, users=USERS) -> None:
        self.binary = str(root / "usr/sbin/exim4")
        self.env = environment(root)
        scratch.mkdir(parents=True, exist_ok=True)
        passwd, group, hosts = scratch / "passwd", scratch / "group", scratch / "hosts"
        # The accounts of a host whose users log in (local delivery): uid 64991 on.
        accounts = "".join(
            f"{u}:x:{64991 + i}:{64991 + i}::/home/{u}:/bin/sh\n" for i, u in enumerate(users)
        )
        passwd.write_text(
            Path("/etc/passwd").read_text()
            + "Debian-exim:x:64990:64990::/var/spool/exim4:/usr/sbin/nologin\n"
            + accounts
        )
        group.write_text(
            Path("/etc/group").read_text()
            + "Debian-exim:x:64990:\n"
            + "".join(f"{u}:x:{64991 + i}:\n" for i, u in enumerate(users))
        )
        # The design's hosts and the providers by name, as /etc/hosts or the
        # internal DNS would give them (manualroute ... byname reads both).
        names = [f"{a}\t{h.name}" for h in plan.hosts for a in h.addresses]
        names += [f"192.0.2.250\t{p.host}" for p in plan.providers]
        hosts.write_text("127.0.0.1\tlocalhost\n::1\tlocalhost\n" + "\n".join(names) + "\n")
        self.script = " && ".join(
            f"mount --bind {path} /etc/{path.name}" for path in (passwd, group, hosts)
        )

    def run(self, conf: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            ["unshare", "-m", "-n", "sh", "-c", self.script + ' && exec "$@"', "-"]
            + [self.binary, "-C", str(conf), f"-DCONFDIR={conf.parent}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=self.env,
            check=False,
        )

    def route(self, conf: Path, address: str) -> tuple[int, str, str]:
        """(exit code, output, the router that took or deferred the address)."""
        result = self.run(conf, "-d-all+route", "-bt", address)
        found = re.findall(r"^(\S+) router: (?:defer|accept|queue)", result.stderr, re.M)
        found += re.findall(r"router = (\S+),", result.stdout)
        return result.returncode, result.stdout, found[-1] if found else ""

    def session(self, conf: Path, client: str, port: int, *commands: str) -> str:
        """The server's replies to an SMTP session from ``client`` on ``port`` (exim -bh)."""
        dialogue = "".join(c + "\r\n" for c in ("EHLO client.example", *commands, "QUIT"))
        result = self.run(conf, "-bh", client, "-oMi", f"192.0.2.1.{port}", stdin=dialogue)
        logs = [line for line in result.stderr.splitlines() if line.startswith("LOG:")]
        return "\n".join([*result.stdout.splitlines(), *logs])


def _exim_hosts(design, plan, tmp_path: Path):
    """(host plan, its exim4.conf on disk, an Exim to run it) for each Exim host."""
    files = bundle(design, plan)
    out = []
    for host in plan.hosts:
        if host.mta != "exim":
            continue
        folder = tmp_path / "exim" / host.name
        folder.mkdir(parents=True)
        prefix = f"exim/{host.name}/"
        for path, text in files.items():
            if path.startswith(prefix):
                (folder / path[len(prefix) :]).write_text(text)
        package = PACKAGE_HEAVY if needs_heavy(host) else PACKAGE_LIGHT
        exim = Exim(_root(package), tmp_path / "ns" / host.name, plan)
        out.append((host, folder / "exim4.conf", exim))
    return out


@pytest.fixture
def exim_dir():
    """A scratch directory Debian-exim can read: Exim reads lookup files as that user.

    pytest's tmp_path sits under a root-only directory (0700), where a verify
    during ``exim -bh`` fails with "Permission denied (euid=64990)", as it
    would on a host where the files were not readable by Debian-exim.
    """
    with tempfile.TemporaryDirectory(prefix="exim-test-") as name:
        os.chmod(name, 0o755)
        yield Path(name)


@pytest.fixture(params=examples.slugs())
def exim_example(request, exim_dir):
    design = switched(request.param, "exim")
    plan = make_plan(design)
    hosts = _exim_hosts(design, plan, exim_dir)
    assert hosts, f"{request.param} has no Exim host"
    return request.param, design, plan, hosts


# --------------------------------------------------------------------------
# What Exim itself says


def test_it_writes_configurations_exim_accepts(exim_example):
    _slug, _design, _plan, hosts = exim_example
    for host, conf, exim in hosts:
        result = exim.run(conf, "-bV")
        assert result.returncode == 0, f"{host.name}: {result.stdout}{result.stderr}"
        assert "Exim version 4.96" in result.stdout
        assert not result.stderr.strip(), f"{host.name}: {result.stderr}"


def test_it_routes_every_planned_route(exim_example):
    slug, design, plan, hosts = exim_example
    for host, conf, exim in hosts:
        final = [d for d in host.final_domains if d not in dict(host.alias_domains)]
        for domain in final:
            rc, out, router = exim.route(conf, f"alice@{domain}")
            want = "dovecot" if (host.delivery or "").startswith("lmtp:") else "local_user"
            assert rc == 0 and router == want, f"{slug} {host.name} alice@{domain}: {out}"
            rc, out, _ = exim.route(conf, f"nosuch@{domain}")
            assert rc == 2 and "Unrouteable address" in out, f"{host.name}: {out}"
        for alias, target in host.alias_domains:
            rc, out, _ = exim.route(conf, f"alice@{alias}")
            assert rc == 0 and f"alice@{target}" in out and "<-- alice@" in out, out
        for domain, hop in host.transport:
            rc, out, router = exim.route(conf, f"alice@{domain}")
            name = hop.partition("[")[2].partition("]")[0]
            address = plan.host(name).addresses[0] if plan.has_host(name) else name
            assert rc == 0 and router == f"relay_{domain.replace('.', '_')}", out
            assert address in out, f"{host.name} sends {domain} elsewhere than {name}: {out}"
            if hop.startswith("lmtp:"):
                # The last MTA hop before a Dovecot-only store resolves root@ there.
                rc, out, _ = exim.route(conf, f"root@{domain}")
                assert f"postmaster@{domain}" in out, out
        for domain in host.relay_domains:
            if domain not in dict(host.transport):
                _, out, router = exim.route(conf, f"alice@{domain}")
                assert router == "relay_by_mx", out
        rc, out, router = exim.route(conf, OUTSIDE)
        if host.relayhost:
            hub = host.relayhost.split("]")[0].lstrip("[")
            assert rc == 0 and router == "relayhost" and hub in out, f"{host.name}: {out}"
            transport = "smarthost_smtp" if host.relayhost_auth else "hub_smtp"
            assert f"transport = {transport}" in out
        else:
            # No network here: the MX lookup cannot complete, but dnslookup took it.
            assert router == "dnslookup", f"{host.name}: {out}"


def test_it_is_no_open_relay_and_refuses_unknown_users(exim_example):
    _slug, _design, _plan, hosts = exim_example
    for host, conf, exim in hosts:
        replies = exim.session(
            conf,
            STRANGER,
            25,
            "MAIL FROM:<x@elsewhere.example>",
            f"RCPT TO:<{OUTSIDE}>",
            "VRFY postmaster",
            "EXPN postmaster",
        )
        assert "550 relay not permitted" in replies, f"{host.name}: {replies}"
        assert "252 Administrative prohibition" in replies
        assert "550 Administrative prohibition" in replies
        assert "250-VRFY" not in replies and "250-EXPN" not in replies
        # No AUTH on port 25, ever; STARTTLS wherever something listens.
        assert "AUTH" not in replies
        if any(li.port == 25 for li in host.listens):
            assert "250-STARTTLS" in replies, replies
        for domain in host.final_domains + host.relay_domains:
            if domain in dict(host.transport) or domain in host.final_domains:
                replies = exim.session(
                    conf,
                    STRANGER,
                    25,
                    "MAIL FROM:<x@elsewhere.example>",
                    f"RCPT TO:<nosuch@{domain}>",
                )
                assert "550 no such user here" in replies, f"{host.name} {domain}: {replies}"
        if needs_heavy(host):
            # Submission: nothing without a login, and no login offered before TLS.
            for port in (p for p in (587, 465) if any(li.port == p for li in host.listens)):
                replies = exim.session(conf, STRANGER, port, "MAIL FROM:<alice@example.org>")
                assert "550 authentication required" in replies, replies
                assert "AUTH" not in replies.split("550")[0]


def test_it_lets_trusted_networks_relay(exim_example):
    _slug, _design, _plan, hosts = exim_example
    for host, conf, exim in hosts:
        for block in host.trusted_networks:
            client = str(next(iter(ipaddress.ip_network(block).hosts()), block.split("/")[0]))
            replies = exim.session(
                conf, client, 25, "MAIL FROM:<x@example.org>", f"RCPT TO:<{OUTSIDE}>"
            )
            assert "550 relay not permitted" not in replies, f"{host.name} {client}: {replies}"


def test_a_broken_configuration_fails_exim(exim_dir):
    design = switched("solo-server", "exim")
    plan = make_plan(design)
    ((_host, conf, exim),) = _exim_hosts(design, plan, exim_dir)
    good = conf.read_text()
    for broken in (
        good + "no_such_option = 1\n",
        good.replace("driver = dnslookup", "driver = dnslokup"),
        good.replace("begin routers", "begin routeurs"),
    ):
        conf.write_text(broken)
        result = exim.run(conf, "-bV")
        assert result.returncode != 0, broken[-200:]


# --------------------------------------------------------------------------
# The plan's decisions, read back from the file


def _setting(conf: str, name: str) -> str:
    found = re.search(rf"^{re.escape(name)} = ?(.*)$", conf, re.M)
    assert found, f"{name} missing"
    return found.group(1)


def _list(value: str) -> list[str]:
    if value.startswith("<;"):
        return [v.strip() for v in value[2:].split(";") if v.strip()]
    return [v.strip() for v in value.split(":") if v.strip()]


def test_it_writes_the_plans_decisions(example):
    slug, _design, _plan = example
    design = switched(slug, "exim")
    plan = make_plan(design)
    for host in (h for h in plan.hosts if h.mta == "exim"):
        files = exim_files(design, plan, host)
        conf = files["exim4.conf"]
        assert set(_list(_setting(conf, "hostlist relay_from_hosts"))) == set(host.trusted_networks)
        relay = [d for d in host.relay_domains if d not in dict(host.alias_domains)]
        assert _list(_setting(conf, "domainlist relay_to_domains")) == relay
        # The RCPT ACL ends in a refusal, and only trust or a login relays.
        rcpt = conf.split("acl_check_rcpt:")[1].split("\n# ####")[0]
        assert rcpt.rstrip().endswith("message = relay not permitted")
        assert "hosts = *" not in rcpt and "0.0.0.0/0" not in conf
        if host.relayhost_auth:
            assert "hosts_require_auth = *" in conf and "tls_verify_hosts = *" in conf
            assert "passwd.client" in files and "PLACEHOLDER" in files["passwd.client"]
        if host.loopback_only:
            assert "local_interfaces = <; [127.0.0.1]:25 ; [::1]:25" in conf
        if "relay_recipients" in files:
            for domain in relay:
                assert f"alice@{domain}\tOK" in files["relay_recipients"]
                assert f"root@{domain}\tOK" in files["relay_recipients"]
        if "sender_logins" in files:
            assert re.search(r"^root@\S+\tpostmaster@", files["sender_logins"], re.M)


# --------------------------------------------------------------------------
# DKIM: Exim signs in its own transports


def _signing(slug: str):
    """``slug`` on Exim with a DKIM key for each domain that sends (the alias's own selector)."""
    design = switched(slug, "exim")
    _pem, public = dkim.generate()
    domains = tuple(
        dataclasses.replace(
            d, dkim_selector="lab" if d.alias_of else "s2026a", dkim_public_key=public
        )
        if d.receives_mail
        else d
        for d in design.domains
    )
    return dataclasses.replace(design, domains=domains)


def test_it_signs_in_the_outgoing_transports_with_the_key_of_the_from_domain(exim_dir):
    design = _signing("multi-domain")
    plan = make_plan(design)
    files = bundle(design, plan)
    ((host, conf, exim),) = _exim_hosts(design, plan, exim_dir)
    # Exim signs by itself. Its dkim/ folder (CONTRACT §4) records the keys at Exim's
    # paths for opendkim-testkey, and no install step runs OpenDKIM there.
    table = files[f"dkim/{host.name}/KeyTable"]
    assert "example.com:s2026a:/etc/exim4/dkim/s2026a.example.com.private" in table
    assert "Socket" not in files[f"dkim/{host.name}/opendkim.conf"]
    assert not [s for s in installs(files) if s.program == "opendkim"]
    result = exim.run(conf, "-bV")
    assert result.returncode == 0 and not result.stderr.strip(), result.stdout + result.stderr
    text = conf.read_text()
    remote = text.split("\nremote_smtp:\n", 1)[1].split("\n\n", 1)[0]
    assert "dkim_domain = DKIM_DOMAIN" in remote and "dkim_canon = relaxed" in remote
    # The install step names every key and stops without it; the README says where it goes.
    (step,) = [s for s in installs(files) if s.program == "exim"]
    keys = [
        f"/etc/exim4/dkim/{s}.{d}.private"
        for d, s in (
            ("example-shop.com", "lab"),
            ("example.com", "s2026a"),
            ("example.net", "s2026a"),
        )
    ]
    assert all(any(k in c for c in step.commands) for k in keys), step.commands
    assert "install -d -o root -g Debian-exim -m 0750 /etc/exim4/dkim" in step.accounts
    assert all(k in files["README.md"] for k in keys)
    # What Exim makes of the signing settings for a message From the alias domain:
    # signed for that domain with its own selector and key, when it comes from this host,
    # a trusted network or a login, and never when a stranger relays it.
    # -be takes -oMa (the client's address) and -oMai (its login, else the caller's);
    # the From header is written into the expansion in place of $rh_from:.
    domain = text.split("\nDKIM_DOMAIN = ", 1)[1].split("\n", 1)[0]
    asks = domain.replace("$rh_from:", '"Post Master" <Postmaster@Example-Shop.com>') + "\n"

    def expand(*args: str) -> str:
        done = exim.run(conf, "-be", *args, stdin=asks)
        return done.stdout.splitlines()[0].removeprefix(">").strip()

    assert expand() == "example-shop.com"  # the sendmail command on this host
    assert expand("-oMa", "127.0.0.1", "-oMai", "") == "example-shop.com"
    assert expand("-oMa", STRANGER, "-oMai", "alice@example.com") == "example-shop.com"
    assert expand("-oMa", STRANGER, "-oMai", "") == ""
    # For that domain (Exim sets $dkim_domain, then $dkim_selector, for each one it signs):
    # its own selector, and the key file the install step names.
    macro = {
        m: text.split(f"\n{m} = ", 1)[1].split("\n", 1)[0]
        for m in ("DKIM_SELECTOR", "DKIM_PRIVATE_KEY")
    }
    asks = macro["DKIM_SELECTOR"].replace("$dkim_domain", "example-shop.com") + "\n"
    asks += (
        macro["DKIM_PRIVATE_KEY"]
        .replace("$dkim_domain", "example-shop.com")
        .replace("$dkim_selector", "lab")
    )
    done = exim.run(conf, "-be", stdin=asks + "\n")
    said = [line.removeprefix(">").strip() for line in done.stdout.splitlines()]
    assert said[:2] == ["lab", f"{conf.parent}/dkim/lab.example-shop.com.private"], done.stdout
