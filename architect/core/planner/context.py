"""The planner's working state, shared by the stages and frozen at the end.

Each stage reads the design and what earlier stages decided, and records its
own decisions here, each with a reason. Nothing here decides anything: the
helpers answer questions about the design (which zone, who can reach whom).
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field

from ..design import PUBLIC_ZONES, Design, Host, Network
from ..design import network as parse_network
from ..plan import Finding, Listener, Reason

LOOPBACK = ("127.0.0.0/8", "::1/128")

# Zones from which a host is inside the organisation's firewall.
INSIDE = ("internal", "dmz")
PUBLIC = PUBLIC_ZONES


@dataclass
class HostState:
    host: Host
    net: Network
    roles: set[str] = field(default_factory=set)
    reasons: list[Reason] = field(default_factory=list)
    listens: dict[int, Listener] = field(default_factory=dict)
    final_domains: set[str] = field(default_factory=set)
    relay_domains: set[str] = field(default_factory=set)
    trusted: set[str] = field(default_factory=set)
    relayhost: str | None = None
    relayhost_target: str | None = None  # host FQDN or provider name behind relayhost
    relayhost_auth: bool = False
    delivery: str | None = None
    transport: dict[str, str] = field(default_factory=dict)
    transport_target: dict[str, str] = field(default_factory=dict)
    alias_domains: dict[str, str] = field(default_factory=dict)
    recipient_validation: bool = False
    origin: str | None = None
    loopback_only: bool = False
    sends_direct: bool = False

    @property
    def name(self) -> str:
        return self.host.name

    @property
    def zone(self) -> str:
        return self.net.zone

    @property
    def has_mta(self) -> bool:
        return self.host.mta != "none"

    def role(self, role: str, why: str, learn: str) -> None:
        """Give the host a role, keeping the first reason given for it."""
        if role not in self.roles:
            self.roles.add(role)
            self.reasons.append(Reason(role, why, learn))

    def because(self, subject: str, why: str, learn: str) -> None:
        self.reasons.append(Reason(subject, why, learn))

    def listen(self, listener: Listener) -> None:
        """Add a listener, or widen who may reach an existing one on the same port."""
        old = self.listens.get(listener.port)
        if old is None:
            self.listens[listener.port] = listener
        else:
            opened = tuple(sorted(set(old.open_to) | set(listener.open_to)))
            self.listens[listener.port] = Listener(
                old.port, old.purpose, old.auth, old.tls, old.protocol, opened
            )


class Context:
    def __init__(self, design: Design):
        self.design = design
        self.hosts: dict[str, HostState] = {
            h.name: HostState(h, design.network(h.network)) for h in design.hosts
        }
        # domain -> ("host", fqdn) | ("provider", name) | None
        self.mailbox: dict[str, tuple[str, str] | None] = {}
        self.mailbox_why: dict[str, str] = {}
        self.mx: dict[str, list[tuple[int, str, str]]] = {}  # domain -> (pref, target, why)
        self.first_hop: dict[str, list[str]] = {}  # domain -> our hosts that take it from outside
        # domain -> the inbound-filter providers in front of it (their MX), when any
        self.filtered: dict[str, list[str]] = {}
        self.hub: str | None = None
        self.smarthost = next(
            (p for p in sorted(design.providers, key=lambda p: p.name) if p.kind == "smarthost"),
            None,
        )
        self.findings: list[Finding] = []
        self._finding_keys: set[tuple[str, tuple[str, ...]]] = set()
        # client name -> (target host, protocol, port, auth, tls)
        self.injection: dict[str, tuple[str, str, int | None, bool, str]] = {}
        self.domain_names = [d.name for d in design.domains]
        self._domain_set = set(self.domain_names)
        self._receivers: list[HostState] | None = None
        self.submission_hosts: list[HostState] = []
        self._sorted: list[HostState] | None = None

    # -- findings ---------------------------------------------------------

    def find(self, severity: str, code: str, message: str, subjects, learn: str) -> None:
        """Record a finding once per code and subjects."""
        subjects = tuple(subjects)
        key = (code, subjects)
        if key in self._finding_keys:
            return
        self._finding_keys.add(key)
        self.findings.append(Finding(severity, code, message, subjects, learn))

    # -- questions about the design ----------------------------------------

    def sorted_hosts(self) -> list[HostState]:
        """Hosts in name order (the set of hosts never changes once planning starts)."""
        if self._sorted is None:
            self._sorted = [self.hosts[name] for name in sorted(self.hosts)]
        return self._sorted

    def can_receive_from_internet(self, h: HostState) -> bool:
        """Whether a host can be an MX: an always-on MTA that the internet reaches on port 25."""
        return h.has_mta and h.host.always_on and h.zone in PUBLIC and h.host.accepts_internet_smtp

    def can_send_direct(self, h: HostState) -> bool:
        """Whether a host can hand mail straight to other domains' MX hosts."""
        return h.has_mta and h.host.always_on and h.zone in PUBLIC and h.net.port25_outbound

    def can_connect(self, zone: str, network: str | None, target: HostState, port: int) -> bool:
        """Whether something in ``zone``/``network`` can open ``port`` on ``target``.

        The internet and remote networks reach only public hosts, and port 25
        only where the host accepts internet SMTP; the organisation's own
        networks (internal, DMZ) reach each other, as a firewall set up for
        mail allows.
        """
        if network is not None and network == target.net.name:
            return True
        if target.zone == "remote":
            return False
        if target.zone == "internal":
            return zone in INSIDE
        if zone in INSIDE:
            return True
        if port == 25:
            return target.host.accepts_internet_smtp
        return True

    def domain_of(self, name: str) -> str | None:
        """The design domain that ``name`` falls under (longest match), if any."""
        labels = name.split(".")
        for i in range(len(labels)):
            suffix = ".".join(labels[i:])
            if suffix in self._domain_set:
                return suffix
        return None

    def receivers(self) -> list[HostState]:
        """Hosts that can be an MX, in name order."""
        if self._receivers is None:
            self._receivers = [h for h in self.sorted_hosts() if self.can_receive_from_internet(h)]
        return self._receivers

    def with_role(self, role: str) -> list[HostState]:
        """Hosts that have a role now, in name order."""
        return [h for h in self.sorted_hosts() if role in h.roles]

    def network_cidrs(self, network: str) -> tuple[str, ...]:
        return self.design.network(network).cidrs


# Documentation ranges (RFC 5737, RFC 3849) stand in for public addresses in
# examples, so they count as public here.
_DOCUMENTATION = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


def across_nat(ctx: Context, zone: str, network: str | None, target: HostState) -> bool:
    """Whether traffic from an internal network to ``target`` likely leaves through NAT.

    An internal network reaches a host on the internet zone through the
    organisation's gateway, which usually rewrites the source address: the host
    then sees the public address, not the internal block it was told to trust.
    """
    return zone == "internal" and target.zone == "internet" and network != target.net.name


def warn_trust_across_nat(ctx: Context, host: HostState, network: str, who: str) -> None:
    from ..learn import learn

    ctx.find(
        "warning",
        "trust-across-nat",
        f"{host.name} sits on an internet network yet trusts addresses of the internal network "
        f"{network} "
        f"so that {who} can relay without a password. That works only if traffic from "
        f"{network} reaches {host.name} with its own addresses (a VPN, or the organisation's "
        "own routing); behind NAT it arrives from a public address and is refused. Otherwise "
        "let them authenticate, or put a relay inside.",
        [host.name, network],
        learn("relaying", "trusted-networks"),
    )


@functools.lru_cache(maxsize=1 << 17)
def is_public_address(address: str) -> bool:
    """Whether an address is reachable from the internet (documentation ranges count).

    Remembered per address: a design at the limits asks about 80,000 addresses, several
    times each, and parsing them was most of the DNS stage's time.
    """
    ip = ipaddress.ip_address(address)
    return ip.is_global or any(ip in net for net in _DOCUMENTATION)


def too_broad(block: str) -> bool:
    """A block no mail server should trust: shorter than /8 (IPv4) or /16 (IPv6)."""
    net = parse_network(block)
    return net.prefixlen < (8 if net.version == 4 else 16)
