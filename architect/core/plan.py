"""The plan model: what the planner derives (CONTRACT §2), and its JSON form.

A plan is frozen and serialises to the same bytes for the same design: lists
are sorted here, once, so no caller has to remember to.

Keys beyond the contract (allowed: "you may ADD keys") carry what the
diagram, trace and exporters need so that none of them re-derives anything
from the design: per-host ``network``/``zone``/``addresses``, ``transport``
(next hop per relayed domain), ``alias_domains``, ``reasons`` (a ``why`` and
``learn`` link per decision), per-domain facts under ``domains``, the client
settings matrix under ``clients``, and ``level``/``zone``/``learn`` on DNS
records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The JSON form (CONTRACT §2) is written in plan_json.py, which needs nothing of this
# module at run time; its names are offered here, where every caller looks for them.
from .plan_json import FORMAT, VERSION, dumps, to_dict  # noqa: F401

ROLES = (
    "mx",
    "backup-mx",
    "gateway",
    "hub",
    "outbound",
    "submission",
    "mailbox",
    "local-delivery",
    "imap",
    "pop3",
    "webmail",
    "null-client",
    "filter",
)
STAGES = ("injection", "transport", "delivery", "access")
SEVERITIES = ("error", "warning", "info")
LEVELS = ("required", "recommended", "optional")


@dataclass(frozen=True)
class Reason:
    """Why a decision was taken, and where the tutorial explains it."""

    subject: str  # what was decided: a role name, "relayhost", "trusted_networks" ...
    why: str
    learn: str


@dataclass(frozen=True)
class Listener:
    port: int
    purpose: str  # inbound | relay | submission | submissions | lmtp | imap | pop3 | webmail
    auth: bool
    tls: str  # required | offered | none
    protocol: str  # smtp | submission | submissions | lmtp | imap | pop3 | https
    # Who may connect: "internet", or the names of hosts/networks of the trusted hop.
    open_to: tuple[str, ...] = ()


def relayhost_name(relayhost: str) -> str:
    """The host name inside a ``[host]:port`` next hop (HostPlan.relayhost)."""
    return relayhost.split("]")[0].lstrip("[") if relayhost.startswith("[") else relayhost


@dataclass(frozen=True)
class HostPlan:
    name: str
    mta: str
    network: str
    zone: str
    addresses: tuple[str, ...]
    roles: tuple[str, ...]
    listens: tuple[Listener, ...]
    final_domains: tuple[str, ...]
    relay_domains: tuple[str, ...]
    trusted_networks: tuple[str, ...]
    relayhost: str | None
    delivery: str | None
    # next hop for each relay domain, Postfix transport(5) style: "relay:[h]" or "lmtp:[h]:24"
    transport: tuple[tuple[str, str], ...] = ()
    # alias domain -> target domain, for domains rewritten here
    alias_domains: tuple[tuple[str, str], ...] = ()
    # relay domains whose recipients must be checked against a list (backscatter)
    recipient_validation: bool = False
    # the host's name as the MTA announces it; mail from its users leaves as user@origin
    origin: str | None = None
    relayhost_auth: bool = False
    loopback_only: bool = False
    reasons: tuple[Reason, ...] = ()
    # domains whose mail this host signs with DKIM (planner/signing.py)
    dkim_signs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mx:
    preference: int
    host: str
    why: str = ""


@dataclass(frozen=True)
class Flow:
    stage: str
    source: str
    target: str
    protocol: str
    port: int | None
    auth: bool
    tls: str
    why: str
    learn: str
    domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class DnsRecord:
    name: str
    type: str
    value: str
    why: str
    level: str
    learn: str
    zone: str | None  # the design domain whose zone file holds it; None: elsewhere (PTR)
    ttl: int = 3600
    placeholder: bool = False  # value must be filled in by the person (DKIM key)


@dataclass(frozen=True)
class WebName:
    """One name the web host answers for over HTTPS, and what it serves there."""

    name: str  # mta-sts.<domain> | autoconfig.<domain>
    domain: str
    serves: str  # mta-sts | autoconfig


@dataclass(frozen=True)
class WebPlan:
    """The host that publishes MTA-STS policies and autoconfig files (planner/web.py)."""

    host: str
    names: tuple[WebName, ...]
    why: str
    learn: str


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    subjects: tuple[str, ...]
    learn: str


@dataclass(frozen=True)
class DomainPlan:
    name: str
    receives_mail: bool
    mailbox_host: str | None  # a host FQDN or a provider name
    mailbox_at_provider: bool
    alias_of: str | None
    sends: bool
    why: str


@dataclass(frozen=True)
class ClientPlan:
    """How one kind of client is set up: the client settings matrix."""

    name: str
    kind: str
    count: int
    domain: str
    send_via: str | None  # host FQDN, provider name, or None when it cannot send
    send_protocol: str | None  # submission | submissions | smtp | sendmail-command
    send_port: int | None
    send_security: str | None  # STARTTLS | TLS | none
    send_auth: bool
    read_via: str | None
    read_protocol: str | None  # imap | pop3 | local | https
    read_port: int | None
    read_security: str | None
    username: str | None  # the form of the login name
    # Where the client sits: its network and zone, or the host it runs on.
    network: str | None = None
    zone: str | None = None
    host: str | None = None
    # What the client itself can do, so that no reader of the plan (the trace)
    # takes a login or TLS for granted that the client cannot give.
    can_authenticate: bool = True
    can_tls: bool = True


@dataclass(frozen=True)
class ProviderPlan:
    name: str
    kind: str
    host: str
    port: int
    auth: bool
    domains: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    design: str
    hosts: tuple[HostPlan, ...]
    mx: tuple[tuple[str, tuple[Mx, ...]], ...]
    flows: tuple[Flow, ...]
    dns: tuple[DnsRecord, ...]
    findings: tuple[Finding, ...]
    domains: tuple[DomainPlan, ...] = ()
    clients: tuple[ClientPlan, ...] = ()
    providers: tuple[ProviderPlan, ...] = ()
    web: WebPlan | None = None
    _index: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def host(self, name: str) -> HostPlan:
        if "hosts" not in self._index:
            self._index["hosts"] = {h.name: h for h in self.hosts}
        return self._index["hosts"][name]

    def has_host(self, name: str) -> bool:
        try:
            self.host(name)
        except KeyError:
            return False
        return True

    def mx_for(self, domain: str) -> tuple[Mx, ...]:
        return dict(self.mx).get(domain, ())

    def domain(self, name: str) -> DomainPlan | None:
        return next((d for d in self.domains if d.name == name), None)

    def client(self, name: str) -> ClientPlan | None:
        return next((c for c in self.clients if c.name == name), None)

    def provider(self, name: str) -> ProviderPlan | None:
        return next((p for p in self.providers if p.name == name), None)

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]
