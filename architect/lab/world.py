"""Build the lab of one design: its hosts, a DNS server, the internet, and a switch between them.

Every design host becomes a :class:`~architect.lab.machine.Machine` holding
its design addresses. One more machine, ``internet``, stands for everything
outside: BIND's ``named`` serving the exported zones unchanged (and the
records of internal DNS), the sink that is the MX of outside domains and of
every provider host, and the addresses the lab's test clients send from. A
switch machine holds the bridge that joins them all; its interfaces have no
address, so nothing in the lab can reach the host system or the world.

Each host is deployed as the bundle's README says: the install steps of
:mod:`architect.core.exporters.deploy` (files copied to their paths, system
accounts, the commands run as written), then its daemons started the way
Debian's units start them. What only a person could fill in (a test mailbox,
a password, a certificate, an address the design leaves out) the lab fills,
and says so in ``notes``.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import select
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from architect.core import dkim
from architect.core.design import Design
from architect.core.exporters import bundle
from architect.core.exporters.deploy import (
    Install,
    certificate_owner,
    certificate_paths,
    installs,
)
from architect.core.exporters.exim import dkim_keys_named
from architect.core.exporters.opensmtpd import dkim_keys_named as opensmtpd_keys_named
from architect.core.plan import HostPlan, Plan
from architect.core.planner import plan as make_plan

from . import opensmtpd, packages
from .certs import LabCA
from .machine import INSIDE, LabError, Machine

# The lab's internet lives in the benchmarking ranges (RFC 2544, RFC 5180), which no
# design of a real network uses; a design that does anyway is refused.
DNS4, DNS6 = "198.18.0.53", "2001:2::53"
OUTSIDE_MX4, OUTSIDE_MX6 = "198.18.0.25", "2001:2::25"
STRANGER4, STRANGER6 = "198.18.1.1", "2001:2::1:1"  # someone on the internet
ROAMING4 = "198.18.1.2"  # a client on a remote network (home, phone, café)
PROVIDERS4 = ipaddress.ip_network("198.18.2.0/24")
SPARE4 = ipaddress.ip_network("198.19.0.0/24")  # for hosts the design gives no address
LAB_RANGES = (ipaddress.ip_network("198.18.0.0/15"), ipaddress.ip_network("2001:2::/48"))
OUTSIDE_DOMAIN = "internet.test"  # RFC 2606: never a real domain
OUTSIDE_MX = f"mx.{OUTSIDE_DOMAIN}"
TEST_USER = "alice"
DKIM_SELECTOR = "lab"
REPO = Path(__file__).resolve().parents[2]
# sendmail cannot be installed beside Postfix (both are a mail-transport-agent): the lab
# unpacks Debian's packages here once, and copies them into each sendmail host's /usr.
SENDMAIL_ROOT = packages.CACHE / "sendmail"
SENDMAIL_PACKAGES = ("sendmail-bin", "procmail")  # procmail: the local mailer


@dataclass
class Host:
    """A design host as the lab runs it."""

    plan: HostPlan
    machine: Machine
    addresses: list[str]
    installs: list[Install] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.plan.name


@dataclass
class Lab:
    """A running lab: its design, plan, bundle, machines and what it filled in."""

    design: Design
    plan: Plan
    files: dict[str, str]
    folder: Path
    hosts: dict[str, Host] = field(default_factory=dict)
    internet: Machine | None = None
    switch: Machine | None = None
    notes: list[str] = field(default_factory=list)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    provider_addresses: dict[str, str] = field(default_factory=dict)
    client_addresses: dict[str, str] = field(default_factory=dict)
    relay_login: tuple[str, str] = ("lab-relay-user", "")
    password_hash: str = ""
    ca_pem: str = ""
    dkim_keys: dict[str, str] = field(default_factory=dict)  # domain -> private key PEM
    _stop_logs: threading.Event = field(default_factory=threading.Event)
    _log_thread: threading.Thread | None = None
    _ports: int = 0

    # ------------------------------------------------------------------
    @property
    def machines(self) -> list[Machine]:
        out = [h.machine for h in self.hosts.values()]
        return out + [m for m in (self.internet, self.switch) if m is not None]

    @property
    def sink_record(self) -> Path:
        return self.folder / "internet" / "sink.jsonl"

    def sink_messages(self) -> list[dict]:
        """Every message the internet sink has recorded so far."""
        try:
            lines = self.sink_record.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def log(self, host: str) -> str:
        """Everything a host's daemons wrote to syslog so far."""
        try:
            return (self.folder / host / "syslog.txt").read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        """Kill every machine and stop reading logs; the folder is left to the caller."""
        self._stop_logs.set()
        for machine in self.machines:
            machine.stop()
        if self._log_thread is not None:
            self._log_thread.join(timeout=2)


# ----------------------------------------------------------------------
# Filling in what only a person knows


def with_test_mailboxes(design: Design) -> tuple[Design, list[str]]:
    """The design with a test user in every mailbox domain that lists none."""
    notes = []
    domains = []
    for d in design.domains:
        if d.receives_mail and not d.alias_of and not d.users:
            d = replace(d, users=(TEST_USER,))
            notes.append(f"test mailbox {TEST_USER}@{d.name} (the design lists no users)")
        domains.append(d)
    return replace(design, domains=tuple(domains)), notes


def with_dkim_keys(design: Design) -> tuple[Design, dict[str, str], list[str]]:
    """The design with a DKIM key pair of the lab's for each sending domain.

    As "Generate a key" in the designer does.

    Returns the design, the private keys by domain, and the notes. The public key
    goes in the design; the private key only to the hosts that sign.
    """
    if not design.policy.dkim:
        return design, {}, []
    private: dict[str, str] = {}
    notes = []
    domains = []
    sends = {d.name for d in make_plan(design).domains if d.sends}
    for d in design.domains:
        if d.name in sends:
            # A key the design holds has its private half with the person, not here:
            # the lab signs with a pair of its own in its place.
            had = " in place of the design's (its private key is not the lab's)"
            pem, public = dkim.generate()
            note = had if d.dkim_public_key else ""
            d = replace(d, dkim_selector=DKIM_SELECTOR, dkim_public_key=public)
            private[d.name] = pem
            notes.append(f"DKIM key pair for {d.name}, selector {DKIM_SELECTOR}{note}")
        domains.append(d)
    return replace(design, domains=tuple(domains)), private, notes


def _sha512_crypt(password: str) -> str:
    done = subprocess.run(
        ["openssl", "passwd", "-6", "-stdin"],
        input=password,
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return done.stdout.strip()


def _check_ranges(design: Design) -> None:
    for h in design.hosts:
        for a in h.addresses:
            ip = ipaddress.ip_address(a)
            if any(ip in net for net in LAB_RANGES if net.version == ip.version):
                raise LabError(
                    f"{h.name} has the address {a}, inside the range the lab keeps for its "
                    "own internet (198.18.0.0/15, 2001:2::/48)"
                )


# ----------------------------------------------------------------------
# Building


def build(design: Design, folder: Path, *, verbose=None, tamper=None) -> Lab:
    """Start the whole lab of ``design`` in ``folder``; on any failure it is torn down.

    ``tamper`` is for the lab's own tests: it may change the bundle (a dict of path
    to text) before anything is deployed, to show that a broken file fails a check.
    """
    _check_ranges(design)
    design, notes = with_test_mailboxes(design)
    design, dkim_keys, dkim_notes = with_dkim_keys(design)
    plan = make_plan(design)
    # A key pair is filled in only where a host signs with it: no note for the others.
    signed = {d for h in plan.hosts for d in h.dkim_signs}
    dkim_notes = [n for d, n in zip(dkim_keys, dkim_notes, strict=True) if d in signed]
    lab = Lab(
        design=design,
        plan=plan,
        files=bundle(design, plan),
        folder=folder,
        notes=notes + dkim_notes,
        dkim_keys=dkim_keys,
    )
    if tamper is not None:
        tamper(lab.files)
    lab.relay_login = ("lab-relay-user", lab.password)
    lab.password_hash = "{SHA512-CRYPT}" + _sha512_crypt(lab.password)
    say = verbose or (lambda text: None)
    wanted = {
        _package_root(lab, h): _packages_of(lab, h) for h in plan.hosts if _package_root(lab, h)
    }
    for root, names in wanted.items():
        try:
            packages.unpacked(names, root)
        except packages.UnpackError as exc:
            raise LabError(f"cannot unpack {', '.join(names)}: {exc}") from exc
    try:
        _machines(lab, say)
        _network(lab)
        _dns(lab, say)
        ca = LabCA()
        lab.ca_pem = ca.pem
        _sink(lab, ca)
        # Hosts are independent until mail moves: deploy them side by side (each step
        # is mostly waiting for postmap, newaliases and postfix check).
        with ThreadPoolExecutor(max_workers=4) as pool:
            for done in [pool.submit(_deploy, lab, h, ca, say) for h in lab.hosts.values()]:
                done.result()
        test_mailboxes = [n for n in lab.notes if n.startswith("test mailbox")]
        lab.notes = test_mailboxes + sorted(set(lab.notes) - set(test_mailboxes))
        _wait_ready(lab)
    except BaseException:
        lab.stop()
        raise
    return lab


def _machines(lab: Lab, say) -> None:
    spare = iter(SPARE4.hosts())
    lab.switch = Machine("switch", lab.folder / "switch")
    lab.switch.start("switch.lab")
    lab.internet = Machine("internet", lab.folder / "internet")
    lab.internet.start("internet.lab")
    for hp in lab.plan.hosts:
        if not hp.roles:
            continue
        addresses = list(hp.addresses)
        if not addresses:
            addresses = [str(next(spare))]
            lab.notes.append(f"address {addresses[0]} for {hp.name} (the design gives none)")
        machine = Machine(hp.name, lab.folder / hp.name)
        say(f"starting {hp.name}")
        machine.start(hp.name)
        lab.hosts[hp.name] = Host(hp, machine, addresses)
    providers = iter(PROVIDERS4.hosts())
    for p in lab.plan.providers:
        lab.provider_addresses.setdefault(p.host, str(next(providers)))
    used = {a for h in lab.hosts.values() for a in h.addresses}
    for c in lab.plan.clients:
        net = lab.design.network(c.network) if c.network else None
        if net is None or net.zone == "remote" or not net.cidrs:
            lab.client_addresses[c.name] = ROAMING4
            continue
        lab.client_addresses[c.name] = _free_address(net.cidrs, used)
        used.add(lab.client_addresses[c.name])
    _start_log_reader(lab)


def _free_address(cidrs: Iterable[str], used: set[str]) -> str:
    """The highest address of a network that no host of the design uses."""
    for block in cidrs:
        net = ipaddress.ip_network(block)
        if net.num_addresses < 4:
            continue
        candidate = net.broadcast_address - 1
        for _ in range(256):
            if str(candidate) not in used:
                return str(candidate)
            candidate -= 1
    return ROAMING4


def _link(lab: Lab, machine: Machine, index: int, addresses: Iterable[str]) -> None:
    """A veth pair from the switch's bridge to ``machine``, holding ``addresses``."""
    switch = lab.switch
    outer, inner = f"s{index}", f"h{index}"
    switch.run(
        ["ip", "link", "add", outer, "type", "veth", "peer", "name", inner], namespaces="net"
    )
    switch.run(["ip", "link", "set", inner, "netns", str(machine.pid)], namespaces="net")
    switch.run(["ip", "link", "set", outer, "master", "br0", "up"], namespaces="net")
    lines = [f"ip link set {inner} name eth0"]
    for a in addresses:
        if ":" in a:
            lines.append(f"ip -6 addr add {a}/128 dev eth0 nodad")
        else:
            lines.append(f"ip addr add {a}/32 dev eth0")
    # Every destination is on the link: the owner of an address answers ARP and
    # neighbour discovery for it across the bridge, whatever the subnets.
    # A family the machine has no address of gets no route: an IPv4-only host must not
    # reach IPv6 servers from a link-local address, which no real network routes.
    lines.append("ip link set eth0 up")
    if any(":" not in a for a in addresses):
        lines.append("ip route add default dev eth0")
    if any(":" in a for a in addresses):
        lines.append("ip -6 route add default dev eth0")
    machine.sh("\n".join(lines), namespaces="net")


def _network(lab: Lab) -> None:
    lab.switch.sh(
        "ip link add br0 type bridge && ip link set br0 type bridge mcast_snooping 0 "
        "&& ip link set br0 up",
        namespaces="net",
    )
    internet = [DNS4, DNS6, OUTSIDE_MX4, OUTSIDE_MX6, STRANGER4, STRANGER6, ROAMING4]
    internet += sorted(set(lab.provider_addresses.values()))
    internet += sorted(set(lab.client_addresses.values()) - set(internet))
    _link(lab, lab.internet, 0, internet)
    for i, host in enumerate(lab.hosts.values(), start=1):
        _link(lab, host.machine, i, host.addresses)


# ----------------------------------------------------------------------
# Logs


def _start_log_reader(lab: Lab) -> None:
    sockets = {m.syslog_socket(): m for m in lab.machines if m.name not in ("switch",)}

    def read() -> None:
        outs = {s: open(m.folder / "syslog.txt", "a") for s, m in sockets.items()}  # noqa: SIM115
        try:
            while not lab._stop_logs.is_set():
                ready, _, _ = select.select(list(sockets), [], [], 0.2)
                for sock in ready:
                    try:
                        data = sock.recv(65536)
                    except (BlockingIOError, OSError):
                        continue
                    text = data.decode("utf-8", "replace")
                    # "<PRI>Mon DD HH:MM:SS tag[pid]: message": keep tag and message.
                    text = re.sub(r"^<\d+>", "", text)
                    outs[sock].write(text.rstrip("\n") + "\n")
                    outs[sock].flush()
        finally:
            for out in outs.values():
                out.close()

    lab._log_thread = threading.Thread(target=read, name="lab-syslog", daemon=True)
    lab._log_thread.start()


# ----------------------------------------------------------------------
# DNS


def _records(text: str) -> dict[str, list[str]]:
    """Record lines of a zone-syntax text with absolute names, grouped by owner name."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(";") or line.startswith("$"):
            continue
        owner = line.split()[0].lower()
        if owner.endswith("."):
            out.setdefault(owner, []).append(line)
    return out


def _small_zone(origin: str, lines: Iterable[str]) -> str:
    head = [
        f"$ORIGIN {origin}",
        "$TTL 300",
        f"@ IN SOA ns.{OUTSIDE_DOMAIN}. hostmaster.{OUTSIDE_DOMAIN}. 1 3600 900 86400 300",
        f"@ IN NS ns.{OUTSIDE_DOMAIN}.",
    ]
    return "\n".join([*head, *lines]) + "\n"


def _reverse_names(lab: Lab) -> dict[str, str]:
    """{IPv4 address: the name its PTR record gives} for every address in the lab."""
    names = {
        DNS4: f"ns.{OUTSIDE_DOMAIN}.",
        OUTSIDE_MX4: f"{OUTSIDE_MX}.",
        STRANGER4: f"client.{OUTSIDE_DOMAIN}.",
        ROAMING4: f"roaming.{OUTSIDE_DOMAIN}.",
    }
    for host, address in lab.provider_addresses.items():
        names[address] = host.rstrip(".") + "."
    for client, address in lab.client_addresses.items():
        names.setdefault(address, f"{client}.devices.{OUTSIDE_DOMAIN}.")
    for host in lab.hosts.values():
        for address in host.addresses:
            names[address] = host.name + "."
    return {a: n for a, n in names.items() if ":" not in a}


def _dns(lab: Lab, say) -> None:
    folder = lab.folder / "internet" / "dns"
    folder.mkdir(parents=True, exist_ok=True)
    zones: dict[str, str] = {}
    for path, text in lab.files.items():
        if path.startswith("dns/") and path.endswith(".zone") and path.count("/") == 1:
            zones[path[len("dns/") : -len(".zone")].lower() + "."] = text  # unchanged
    extra: dict[str, list[str]] = {}
    for name in ("dns/internal.txt", "dns/other-zones.txt"):
        for owner, lines in _records(lab.files.get(name, "")).items():
            extra.setdefault(owner, []).extend(lines)
    for hp in lab.hosts.values():
        if not hp.plan.addresses:  # a filled-in address: publish it where a person would
            kind = "AAAA" if ":" in hp.addresses[0] else "A"
            extra.setdefault(hp.name.lower() + ".", []).append(
                f"{hp.name}. 300 IN {kind} {hp.addresses[0]}"
            )
    for host, address in lab.provider_addresses.items():
        extra.setdefault(host.lower() + ".", []).append(f"{host}. 300 IN A {address}")
    for owner, lines in extra.items():
        if owner in zones:
            lab.notes.append(f"DNS: {owner} is a zone of its own already; extra records skipped")
            continue
        zones[owner] = _small_zone(owner, lines)
    outside = OUTSIDE_DOMAIN + "."
    names = _reverse_names(lab)
    zones[outside] = _small_zone(
        outside,
        [
            f"@ IN MX 10 {OUTSIDE_MX}.",
            f"ns IN A {DNS4}",
            f"mx IN A {OUTSIDE_MX4}",
            f"mx IN AAAA {OUTSIDE_MX6}",
            *(
                f"{n[: -len(outside) - 1]} IN A {a}"
                for a, n in names.items()
                if n.endswith("." + outside) and n != OUTSIDE_MX + "." and a != DNS4
            ),
        ],
    )
    # Reverse DNS, as the address providers of a real network publish it: receivers
    # (sendmail above all) distrust a client whose address has no name.
    reverse: dict[str, list[str]] = {}
    for address, name in names.items():
        a, b, c, d = address.split(".")
        reverse.setdefault(f"{c}.{b}.{a}.in-addr.arpa.", []).append(f"{d} IN PTR {name}")
    for origin, lines in reverse.items():
        zones.setdefault(origin, _small_zone(origin, lines))
    conf = [
        "options {",
        f'  directory "{INSIDE}/dns";',
        f"  listen-on {{ {DNS4}; }};",
        f"  listen-on-v6 {{ {DNS6}; }};",
        "  recursion no;",
        "  dnssec-validation no;",
        "  notify no;",
        "  allow-query { any; };",
        "  pid-file none;",
        f'  session-keyfile "{INSIDE}/dns/session.key";',
        f'  managed-keys-directory "{INSIDE}/dns";',
        "};",
    ]
    for i, (origin, text) in enumerate(sorted(zones.items())):
        file = f"zone{i}.db"
        (folder / file).write_text(text, encoding="utf-8")
        conf.append(f'zone "{origin}" {{ type primary; file "{file}"; }};')
    (folder / "named.conf").write_text("\n".join(conf) + "\n", encoding="utf-8")
    lab.internet.run(["named-checkconf", "-z", f"{INSIDE}/dns/named.conf"], timeout=60)
    say(f"named serves {len(zones)} zones")
    lab.internet.spawn(
        ["named", "-g", "-c", f"{INSIDE}/dns/named.conf"], folder.parent / "named.log"
    )


# ----------------------------------------------------------------------
# The internet sink


def _sink(lab: Lab, ca: LabCA) -> None:
    folder = lab.folder / "internet"
    names = [OUTSIDE_MX, *lab.provider_addresses]
    key, cert = ca.issue(names)
    (folder / "sink.key").write_text(key)
    (folder / "sink.crt").write_text(cert)
    listeners = [
        {"address": a, "port": 25, "mode": "smtp", "name": OUTSIDE_MX}
        for a in (OUTSIDE_MX4, OUTSIDE_MX6)
    ]
    for p in lab.plan.providers:
        address = lab.provider_addresses[p.host]
        ports = {25: "smtp"}
        if p.kind == "smarthost" or p.port not in (None, 25):
            port = p.port or 587
            ports[port] = "smtps" if port == 465 else "submission"
        for port, mode in ports.items():
            listener = {"address": address, "port": port, "mode": mode, "name": p.host}
            if mode != "smtp":
                listener["auth"] = bool(p.auth)
            if listener not in listeners:
                listeners.append(listener)
    config = {
        "record": f"{INSIDE}/sink.jsonl",
        "ready": f"{INSIDE}/sink.ready",
        "cert": f"{INSIDE}/sink.crt",
        "key": f"{INSIDE}/sink.key",
        "logins": {lab.relay_login[0]: lab.relay_login[1]},
        "listeners": listeners,
    }
    (folder / "sink.json").write_text(json.dumps(config, indent=1))
    python = sys.executable
    root = str(Path(__file__).resolve().parents[2])
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": root, "LANG": "C.UTF-8"}
    lab.internet.spawn(
        [python, "-m", "architect.lab.sink", f"{INSIDE}/sink.json"],
        folder / "sink.log",
        env=env,
    )
    _wait_file(folder / "sink.ready", folder / "sink.log", "the internet sink")


def _wait_file(path: Path, log: Path, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return
        time.sleep(0.05)
    raise LabError(f"{what} did not start:\n{_tail(log)}")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


# ----------------------------------------------------------------------
# Deploying a host


def _names_for(lab: Lab, host: Host) -> list[str]:
    """The names the host's certificate covers, as the README's certbot step asks."""
    names = [host.name]
    web = lab.plan.web
    if web is not None and web.host == host.name:
        names += [n.name for n in web.names]
    return names


def _fill(lab: Lab, host: Host, path: str, text: str) -> str:
    """A bundle file with the placeholders only a person knows filled in."""
    base = path.rsplit("/", 1)[-1]
    if path.startswith("dovecot/") and base == "users":
        lines = []
        for line in text.splitlines():
            m = re.match(r"^([^#:\s]+@[^:\s]+):([^:]*)(.*)$", line)
            if m and ("FILL" in m.group(2).upper() or "PLACEHOLDER" in m.group(2).upper()):
                line = f"{m.group(1)}:{lab.password_hash}{m.group(3)}"
                _note(lab, f"{host.name}: a password for {m.group(1)} in /etc/dovecot/users")
            lines.append(line)
        return "\n".join(lines) + "\n"
    if path.startswith("opensmtpd/") and base in ("passwords", "secrets"):
        what = "the login hashes" if base == "passwords" else "the smarthost login"
        _note(lab, f"{host.name}: {what} in /etc/smtpd/{base}")
        return opensmtpd.fill(base, text, opensmtpd.encrypt(lab.password), lab.relay_login)
    if path.startswith(("postfix/", "exim/")) and base in ("sasl_passwd", "passwd.client"):
        user, password = lab.relay_login
        _note(lab, f"{host.name}: the smarthost login in {base}")
        return (
            re.sub(
                r"^#(\S+?:?)\s+USERNAME:PASSWORD\s*$",
                lambda m: f"{m.group(1)}\t{user}:{password}",
                text,
                flags=re.M,
            )
            or text
        )
    return text


def dkim_key_files(files: dict[str, str], hp: HostPlan) -> dict[str, str]:
    """{domain: private key path} as the signing host's own files name them.

    OpenDKIM's KeyTable (``name domain:selector:path``) on Postfix and sendmail
    hosts, the DKIM section of exim4.conf on Exim hosts: the lab puts each key
    exactly where the configuration will look for it.
    """
    if hp.mta == "exim":
        return dkim_keys_named(files.get(f"exim/{hp.name}/exim4.conf", ""))
    if hp.mta == "opensmtpd":
        return opensmtpd_keys_named(files.get(f"opensmtpd/{hp.name}/smtpd.conf", ""))
    table = files.get(f"dkim/{hp.name}/KeyTable", "")
    return {d: path for d, path in re.findall(r"^\S+ ([^:\s]+):[^:\s]+:(\S+)$", table, re.M)}


def _note(lab: Lab, text: str) -> None:
    if text not in lab.notes:
        lab.notes.append(text)


def _deploy(lab: Lab, host: Host, ca: LabCA, say) -> None:
    m = host.machine
    host.installs = [i for i in installs(lab.files) if i.host == host.name]
    # The whole bundle goes to the host, as the README says; its install script picks
    # what is this host's. Placeholders are filled in this host's copy only.
    staged = m.folder / "bundle"
    own = {c.source for step in host.installs for c in step.copies}
    for path, text in lab.files.items():
        target = staged / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_fill(lab, host, path, text) if path in own else text)
    (m.folder / "lab-ca.pem").write_text(ca.pem)
    short = host.name.split(".")[0]
    hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n"
    hosts += "".join(f"{a}\t{host.name} {short}\n" for a in host.addresses)
    (m.folder / "hosts").write_text(hosts)
    # The machine's place in the world: its resolver is the lab's named, and it
    # trusts the lab's CA as a real host trusts the public ones.
    m.sh(
        f"""set -e
rm -f /etc/resolv.conf && echo 'nameserver {DNS4}' > /etc/resolv.conf
cp {INSIDE}/hosts /etc/hosts
echo {host.name} > /etc/hostname
echo {host.name} > /etc/mailname
mkdir -p /etc/ssl/certs
cat {INSIDE}/lab-ca.pem >> /etc/ssl/certs/ca-certificates.crt
""",
    )
    # The packages first (as apt-get install would), so their accounts exist.
    if host.plan.mta == "sendmail":
        _install_sendmail(m, own_submit=f"sendmail/{host.name}/submit.mc" in lab.files)
    if host.plan.mta == "exim":
        _install_exim(m, _package_root(lab, host.plan))
    if host.plan.mta == "opensmtpd":
        opensmtpd.install(m)
    # One key and certificate per host, as ACME gives: every path names a part of it.
    key, cert = ca.issue(_names_for(lab, host))
    for path, kind in sorted(certificate_paths(lab.files, host.name).items()):
        body = {"key": key, "cert": cert + ca.pem, "key+cert": key + cert + ca.pem}[kind]
        local = m.folder / "certs" / path.strip("/").replace("/", "_")
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(body)
        mode, group = certificate_owner(path, kind)
        m.run(["install", "-D", "-m", mode, "-g", group, str(_inside(m, local)), path])
        lab.notes.append(f"{host.name}: {path} ({kind.replace('+', ' and ')}) from the lab CA")
    if "local-delivery" in host.plan.roles:
        _shell_accounts(lab, host)
    # The signer reads the key as its own user: opendkim, or Exim's transports as Debian-exim.
    # OpenSMTPD's filter-dkimsign runs as _dkimsign.
    group = {"exim": "Debian-exim", "opensmtpd": "_dkimsign"}.get(host.plan.mta)
    owner = f"-o root -g {group}" if group else "-o opendkim -g opendkim"
    folder_mode, key_mode = ("0750", "0640") if group else ("0700", "0600")
    for domain, path in dkim_key_files(lab.files, host.plan).items():
        pem = lab.dkim_keys.get(domain)
        if pem is None:
            continue  # the design's own key: its private half is not ours to have
        local = m.folder / "dkim" / f"{domain}.private"
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(pem)
        m.sh(
            f"install -d {owner} -m {folder_mode} {path.rsplit('/', 1)[0]} && "
            f"install {owner} -m {key_mode} {_inside(m, local)} {path}"
        )
        _note(lab, f"{host.name}: the DKIM private key of {domain} at {path}")
    # The postfix chroot's syslog socket, which Debian's rsyslog would provide.
    m.sh(
        "mkdir -p /var/spool/postfix/dev && touch /var/spool/postfix/dev/log "
        f"&& mount --bind {INSIDE}/log/log /var/spool/postfix/dev/log"
    )
    (m.folder / "systemctl").write_text(SYSTEMCTL)
    m.run(["install", "-m", "0755", f"{INSIDE}/systemctl", "/usr/local/sbin/systemctl"])
    # As a person would: the host's own install script, from the bundle. The packages
    # are there already (the machine's own, or unpacked for sendmail).
    script = f"hosts/{host.name}/install.sh"
    staged_script = staged / script
    staged_script.parent.mkdir(parents=True, exist_ok=True)
    staged_script.write_text(lab.files[script])
    say(f"{host.name}: sh {script} --skip-packages")
    m.daemon(["sh", _inside(m, staged_script), "--skip-packages"], timeout=120, log="install.log")


# The lab's stand-in for systemd, at /usr/local/sbin/systemctl of each machine: the
# install scripts end with `systemctl reload-or-restart NAME`, and this starts each
# daemon as its Debian unit does (postfix@.service runs configure-instance.sh first,
# which copies resolv.conf and friends into the chroot).
SYSTEMCTL = r"""#!/bin/sh
set -e
running() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
@STOP_OPENSMTPD@
pidof_unit() {
    case "$1" in
        exim4) cat /run/exim4/exim.pid 2>/dev/null || true ;;
        opendkim) cat /run/opendkim/opendkim.pid 2>/dev/null || true ;;
        sendmail) head -n 1 /run/sendmail/mta/sendmail.pid 2>/dev/null || true ;;
        dovecot) cat /run/dovecot/master.pid 2>/dev/null || true ;;
        saslauthd) cat /var/run/saslauthd/saslauthd.pid 2>/dev/null || true ;;
    esac
}
# saslauthd has no unit of its own: systemd runs Debian's init script, which reads
# /etc/default/saslauthd (START, MECHANISMS, OPTIONS). No /run/systemd here, but
# say so, so the script never hands itself back to systemctl.
saslauthd_init() { _SYSTEMCTL_SKIP_REDIRECT=true /etc/init.d/saslauthd "$1"; }
start() {
    case "$1" in
        postfix) /usr/lib/postfix/configure-instance.sh - && postfix start ;;
        dovecot) dovecot ;;
        exim4) exim4 -bd -q30m ;;
        opendkim)
            install -d -o opendkim -g opendkim /run/opendkim
            opendkim -x /etc/opendkim.conf ;;
        sendmail) /usr/sbin/sendmail -bd -q1m ;;
        nginx) nginx ;;
        opensmtpd) smtpd ;;
        saslauthd) saslauthd_init start ;;
        *) echo "lab systemctl: no unit $1" >&2; exit 1 ;;
    esac
}
stop() {
    case "$1" in
        postfix) postfix stop ;;
        nginx) nginx -s stop ;;
        opensmtpd) stop_opensmtpd ;;
        saslauthd) saslauthd_init stop ;;
        *) pid=$(pidof_unit "$1"); if running "$pid"; then kill "$pid"; fi ;;
    esac
}
case "$1" in
    start) start "$2" ;;
    stop) stop "$2" ;;
    restart) stop "$2" || true; start "$2" ;;
    reload-or-restart)
        case "$2" in
            postfix)
                /usr/lib/postfix/configure-instance.sh -
                if postfix status >/dev/null 2>&1; then postfix reload; else postfix start; fi ;;
            dovecot) doveadm reload 2>/dev/null || dovecot ;;
            nginx) nginx -s reload 2>/dev/null || nginx ;;
            opensmtpd) stop_opensmtpd; smtpd ;;  # its unit has no reload
            *)
                pid=$(pidof_unit "$2")
                if running "$pid"; then kill -HUP "$pid"; else start "$2"; fi ;;
        esac ;;
    *) echo "lab systemctl: $1 is not done here" >&2; exit 1 ;;
esac
""".replace("@STOP_OPENSMTPD@", opensmtpd.SYSTEMCTL_STOP)


def _exim_package(lab: Lab, hp: HostPlan) -> str:
    """The Exim daemon package the install step names (heavy has the Dovecot authenticator)."""
    step = next(i for i in installs(lab.files) if i.host == hp.name and i.program == "exim")
    return step.packages[0]


def _package_root(lab: Lab, hp: HostPlan) -> Path | None:
    """Where the MTA packages of a host that cannot be installed beside Postfix are unpacked."""
    if not hp.roles:
        return None
    if hp.mta == "sendmail":
        return SENDMAIL_ROOT
    if hp.mta == "exim":
        return packages.CACHE / _exim_package(lab, hp)
    if hp.mta == "opensmtpd":
        return opensmtpd.ROOT
    return None


def _packages_of(lab: Lab, hp: HostPlan) -> tuple[str, ...]:
    if hp.mta == "opensmtpd":
        return opensmtpd.PACKAGES
    return SENDMAIL_PACKAGES if hp.mta == "sendmail" else (_exim_package(lab, hp),)


def _install_exim(m: Machine, root: Path) -> None:
    """What ``apt-get install exim4-daemon-*`` would do, from the unpacked packages.

    The binaries go to this machine's /usr overlay (Exim re-executes itself as
    /usr/sbin/exim4), and the maintainer scripts' work is done by hand: the
    Debian-exim account, the spool and log folders, and the sendmail links.
    """
    m.sh(
        f"""set -e
cp -a {root}/usr/. /usr/
[ -d {root}/etc ] && mkdir -p /etc/exim4 && cp -an {root}/etc/. /etc/
getent group Debian-exim >/dev/null || groupadd --system Debian-exim
getent passwd Debian-exim >/dev/null || useradd --system -g Debian-exim \
    -d /var/spool/exim4 -s /usr/sbin/nologin Debian-exim
install -d -o Debian-exim -g Debian-exim -m 0750 /var/spool/exim4 /var/log/exim4
for log in mainlog rejectlog paniclog; do
    install -o Debian-exim -g adm -m 0640 /dev/null /var/log/exim4/$log
done
install -d -o Debian-exim -g Debian-exim /run/exim4
for name in sendmail newaliases mailq; do ln -sf exim4 /usr/sbin/$name; done
ln -sf ../sbin/exim4 /usr/lib/sendmail
""",
        timeout=60,
    )


def _install_sendmail(m: Machine, *, own_submit: bool = False) -> None:
    """What ``apt-get install sendmail`` would do, from the unpacked packages.

    The files of sendmail-bin and sendmail-base go to /usr and /etc/mail (overlays
    of this machine only), and the maintainer scripts' work is done by hand: the
    smmsp account, the queue folders, and the links that make sendmail the
    machine's ``sendmail`` and ``newaliases`` in place of Postfix's. Where the bundle
    brings its own submit.mc (a host that signs), the install script places and builds
    it; Debian's is built into submit.cf only, so that there is no foreign file to refuse.
    """
    submit = "/usr/share/sendmail/cf/debian/submit.mc"
    if not own_submit:
        submit = "/etc/mail/submit.mc"
    m.sh(
        f"""set -e
cp -a {SENDMAIL_ROOT}/usr/. /usr/
mkdir -p /etc/mail && cp -an {SENDMAIL_ROOT}/etc/mail/. /etc/mail/
getent group smmsp >/dev/null || groupadd --system smmsp
getent passwd smmsp >/dev/null || useradd --system -g smmsp -d /var/lib/sendmail \
    -s /usr/sbin/nologin smmsp
install -d -o root -g smmsp -m 2750 /var/spool/mqueue
install -d -o smmsp -g smmsp -m 2770 /var/spool/mqueue-client
install -d -m 0755 /var/lib/sendmail /run/sendmail/mta
for name in sendmail sendmail-mta newaliases mailq; do
    ln -sf /usr/libexec/sendmail/sendmail /usr/sbin/$name
done
ln -sf /usr/libexec/sendmail/sendmail /usr/lib/sendmail
[ -e /etc/mail/aliases ] || ln -s /etc/aliases /etc/mail/aliases
# sendmailconfig's submit.cf: the sendmail command hands mail to the daemon over SMTP.
[ {int(own_submit)} = 1 ] || [ -e /etc/mail/submit.mc ] || \
    cp /usr/share/sendmail/cf/debian/submit.mc /etc/mail/submit.mc
m4 /usr/share/sendmail/cf/m4/cf.m4 {submit} > /etc/mail/submit.cf
""",
        timeout=60,
    )


def _shell_accounts(lab: Lab, host: Host) -> None:
    """The people who log in on a shell host: a system account for each mailbox user."""
    for domain in host.plan.final_domains:
        d = lab.design.domain(domain)
        for user in d.users:
            host.machine.sh(f"getent passwd {user} >/dev/null || useradd -m {user}")
            _note(lab, f"{host.name}: the login account {user}")


def _inside(machine: Machine, path: Path) -> str:
    return f"{INSIDE}/{path.relative_to(machine.folder)}"


def _wait_ready(lab: Lab, timeout: float = 20) -> None:
    """Wait until every planned listener answers, and named answers."""
    deadline = time.monotonic() + timeout
    # Webmail (https) is a program of the person's choice: the bundle has no files for it.
    pending = [
        (h, listener.port)
        for h in lab.hosts.values()
        for listener in h.plan.listens
        if listener.protocol != "https"
    ]
    while pending and time.monotonic() < deadline:
        still = []
        for host, port in pending:
            try:
                lab.internet.connect(host.addresses[0], port, timeout=1).close()
            except OSError:
                still.append((host, port))
        pending = still
        if pending:
            time.sleep(0.1)
    if pending:
        missing = ", ".join(f"{h.name}:{p}" for h, p in pending)
        logs = "\n".join(_tail(lab.folder / h.name / "syslog.txt") for h, _ in pending[:1])
        raise LabError(f"not listening after {timeout} s: {missing}\n{logs}")


def remove(folder: Path) -> None:
    """Delete the lab's folder (its machines must be stopped)."""
    shutil.rmtree(folder, ignore_errors=True)
