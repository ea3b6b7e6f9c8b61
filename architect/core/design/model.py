"""The design's parts as frozen dataclasses, its vocabularies and its size limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT = "mail-design"
VERSION = 1

ZONES = ("internet", "dmz", "internal", "remote")
# Zones the internet reaches: directly, or through ports a firewall publishes.
PUBLIC_ZONES = ("internet", "dmz")
MTAS = ("postfix", "sendmail", "exim", "opensmtpd", "none")
# `web` (an addition to the contract's list): this host serves the HTTPS names
# mta-sts.<domain> and autoconfig.<domain> (planner/web.py).
SERVICES = ("imap", "pop3", "submission", "webmail", "filtering", "web")
CLIENT_KINDS = ("desktop", "mobile", "webmail", "terminal", "application", "device")
READS = ("imap", "pop3", "local", "none")
PROVIDER_KINDS = ("smarthost", "inbound_filter", "backup_mx", "mailbox_hosting")
DMARC_POLICIES = ("none", "quarantine", "reject")
MTA_STS_MODES = ("none", "testing", "enforce")

# Client kinds that sit on a network versus run on a host.
NETWORK_CLIENT_KINDS = ("desktop", "mobile", "device")
HOST_CLIENT_KINDS = ("terminal", "application", "webmail")
DEFAULT_READS = {
    "desktop": "imap",
    "mobile": "imap",
    "webmail": "imap",
    "terminal": "local",
    "application": "none",
    "device": "none",
}
DEFAULT_PROVIDER_PORT = {
    "smarthost": 587,
    "inbound_filter": 25,
    "backup_mx": 25,
    "mailbox_hosting": 25,
}

# Size limits: generous for real organisations, small enough that one request
# cannot tie up a worker. Documented in docs/design-file.md.
LIMITS = {
    "domains": 1000,
    "networks": 1000,
    "hosts": 5000,
    "clients": 10000,
    "providers": 100,
    "cidrs_per_network": 64,
    "addresses_per_host": 16,
    "users_per_domain": 10_000,
    "users": 100_000,
    "client_count": 1_000_000,
    "name_chars": 100,
    "description_chars": 2000,
    # Derived from the limits above (max_document_bytes), so that import reads any design
    # file that export writes.
    "json_bytes": 0,
    "errors_reported": 500,
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a design: where (a JSON path) and why."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class DesignError(ValueError):
    """A design that cannot be used, with every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Domain:
    name: str
    receives_mail: bool = True
    mailbox_host: str | None = None
    alias_of: str | None = None
    # Local parts of the domain's mailboxes (docs/design-file.md): the one list the
    # exporters write into every recipient table, passwd-file and sender login map.
    users: tuple[str, ...] = ()
    # DKIM (core/dkim.py): the selector and the base64 public key; never the private key.
    dkim_selector: str | None = None
    dkim_public_key: str | None = None


@dataclass(frozen=True)
class Network:
    name: str
    zone: str
    cidrs: tuple[str, ...] = ()
    port25_outbound: bool = True


@dataclass(frozen=True)
class Host:
    name: str
    network: str
    addresses: tuple[str, ...] = ()
    mta: str = "postfix"
    accepts_internet_smtp: bool = False
    stores_mailboxes: bool = False
    shell_users: bool = False
    always_on: bool = True
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class Client:
    name: str
    kind: str
    count: int = 1
    network: str | None = None
    host: str | None = None
    reads: str = "none"
    can_authenticate: bool = True
    can_tls: bool = True
    domain: str = ""


@dataclass(frozen=True)
class Provider:
    name: str
    kind: str
    host: str
    port: int = 25
    auth: bool = False
    domains: tuple[str, ...] = ()
    # Added to the contract: the name a provider documents for SPF
    # ("include:_spf.provider.example"); without it the SPF record cannot
    # authorise the provider's outbound servers and the planner says so.
    spf_include: str | None = None


@dataclass(frozen=True)
class Policy:
    backup_mx: bool = False
    dmarc: str = "quarantine"
    mta_sts: str = "testing"
    dkim: bool = True
    reports_to: str | None = None


@dataclass(frozen=True)
class Design:
    name: str
    domains: tuple[Domain, ...]
    networks: tuple[Network, ...]
    hosts: tuple[Host, ...] = ()
    clients: tuple[Client, ...] = ()
    providers: tuple[Provider, ...] = ()
    policy: Policy = field(default_factory=Policy)
    description: str = ""

    # Lookups used everywhere in the planner; built on demand, not stored in dumps.
    def network(self, name: str) -> Network:
        return self._index("networks")[name]

    def host(self, name: str) -> Host:
        return self._index("hosts")[name]

    def provider(self, name: str) -> Provider:
        return self._index("providers")[name]

    def domain(self, name: str) -> Domain:
        return self._index("domains")[name]

    def _index(self, part: str) -> dict[str, Any]:
        cache = self.__dict__.setdefault("_indexes", {})
        if part not in cache:
            cache[part] = {item.name: item for item in getattr(self, part)}
        return cache[part]
