"""The design model: what a person describes (CONTRACT §1).

``load`` turns a design document (a dict, or JSON text with ``loads``) into
frozen dataclasses, checking everything at once: every problem is collected
with its JSON path and a plain sentence, and ``DesignError`` carries them all.
``dump`` writes a design back as a dict with every default made explicit, so
``load(dump(d)) == d`` holds.

Names that later reach config lines, zone files, DOT source or pages are held
to strict shapes here (RFC 1123 host names, slugs, addresses parsed by
``ipaddress``), so nothing a person types can break an exported file. IDNs
are converted to A-labels on the way in.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any

import idna

from . import dkim

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

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Service names such as _spf.example.net: an underscore may lead a label.
_SERVICE_LABEL = re.compile(r"^_?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62})$")
_LOCAL_PART = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,63})$")
# RFC 5321 §4.1.2 Dot-string (RFC 5322 atext), lower case: a mailbox user's local part.
_ATEXT = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"^{_ATEXT}(?:\.{_ATEXT})*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# A lone UTF-16 surrogate can come from JSON ("\\ud800") but cannot be written as UTF-8:
# stored, it would break every page and file of the design.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


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


# --------------------------------------------------------------------------
# Name and address checks, shared with the web forms.


def dns_name(raw: object, *, service: bool = False) -> str:
    """Return ``raw`` as a lower-case A-label DNS name, or raise ValueError.

    Accepts one trailing dot (removed) and IDNs (converted with UTS 46 /
    IDNA 2008). Refuses whitespace, control characters, empty or long
    labels, names of one label and names whose last label is numeric.
    With ``service``, a label may start with an underscore (``_spf``).
    """
    if not isinstance(raw, str):
        raise ValueError("must be a text string")
    if raw == "":
        raise ValueError("must not be empty")
    if _CONTROL.search(raw) or any(ch.isspace() for ch in raw):
        raise ValueError("must not contain spaces or control characters")
    name = raw[:-1] if raw.endswith(".") else raw
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise ValueError(f"is not a valid internationalised name ({exc})") from None
    name = name.lower()
    if len(name) > 253:
        raise ValueError("is longer than 253 characters")
    labels = name.split(".")
    if len(labels) < 2:
        raise ValueError("must have at least two labels, such as example.org")
    for label in labels:
        if not label:
            raise ValueError("has an empty label (two dots in a row, or a leading dot)")
        if len(label) > 63:
            raise ValueError(f'has a label longer than 63 characters ("{label[:20]}...")')
        if not (_SERVICE_LABEL if service else _LABEL).match(label):
            raise ValueError(
                "may contain only letters, digits and hyphens in each label, "
                "and a label may not start or end with a hyphen"
            )
    if labels[-1].isdigit():
        raise ValueError("looks like an IP address, not a name")
    return name


def slug(raw: object) -> str:
    """Return ``raw`` if it is a slug: lower-case letters, digits, ``-`` and ``_``."""
    if not isinstance(raw, str):
        raise ValueError("must be a text string")
    if not _SLUG.match(raw):
        raise ValueError(
            "must be 1-63 lower-case letters, digits, hyphens or underscores, "
            "starting with a letter or digit"
        )
    return raw


def ip_address(raw: object) -> str:
    """Return ``raw`` as a normalised IPv4 or IPv6 address, or raise ValueError.

    Refuses addresses no other machine can reach a host at (docs/design-file.md): they
    would be published in DNS and written into configurations as if they were its own.
    """
    if not isinstance(raw, str):
        raise ValueError("must be a text string")
    if "%" in raw or any(ch.isspace() for ch in raw):
        raise ValueError("is not an IP address")
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        raise ValueError("is not an IPv4 or IPv6 address") from None
    if why := unreachable(ip):
        raise ValueError(f"{why}; give an address other machines reach this host at")
    return str(ip)


def unreachable(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why no other machine can reach a host at ``ip``, or None when one can."""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return f"is an IPv4 address written as IPv6; give it as {ip.ipv4_mapped}"
    if ip.is_unspecified:
        return "is the unspecified address (any address), not one of a host"
    if ip.is_loopback:
        return "is a loopback address: every machine reaches only itself there"
    if ip.is_link_local:
        return "is a link-local address: it works only on one link and is not published"
    if ip.is_multicast:
        return "is a multicast address, not one of a host"
    if ip.version == 4 and ip == ipaddress.IPv4Address("255.255.255.255"):
        return "is the broadcast address, not one of a host"
    if ip.version == 4 and ip.is_reserved:
        return "is in a reserved range (240.0.0.0/4) that is not routed"
    return None


@functools.lru_cache(maxsize=1 << 17)
def network(block: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """``ipaddress.ip_network(block)``, parsed once per distinct block.

    A design at the limits holds 64,000 blocks that the planner and the exporters each
    look at several times; parsing is most of their cost. The objects are immutable.
    """
    return ipaddress.ip_network(block)


def cidr(raw: object) -> str:
    """Return ``raw`` as a normalised CIDR block, or raise ValueError."""
    if not isinstance(raw, str):
        raise ValueError("must be a text string")
    if "%" in raw or any(ch.isspace() for ch in raw) or "/" not in raw:
        raise ValueError("is not a CIDR block such as 192.0.2.0/24")
    try:
        return str(ipaddress.ip_network(raw, strict=True))
    except ValueError:
        try:
            loose = ipaddress.ip_network(raw, strict=False)
        except ValueError:
            raise ValueError("is not a CIDR block such as 192.0.2.0/24") from None
        raise ValueError(f"has host bits set; the block is {loose}") from None


def local_part(raw: object) -> str:
    """Return ``raw`` as a mailbox user's local part: an RFC 5321 dot-atom, lower-cased.

    A local part starting with ``#`` is refused although the RFC allows it: every
    table it is written into (Postfix maps, Dovecot's passwd-file) would read the
    line as a comment, and the user would silently not exist.
    """
    if not isinstance(raw, str):
        raise ValueError("must be a text string")
    value = raw.lower()
    if "@" in value:
        raise ValueError("must be the part before the @ only, such as alice")
    if len(value.encode("utf-8")) > 64:
        raise ValueError("must be at most 64 characters (RFC 5321)")
    if not _DOT_ATOM.match(value):
        raise ValueError(
            "must be letters, digits and ! # $ % & ' * + / = ? ^ _ ` { | } ~ -, "
            "with single dots between them (RFC 5321 dot-atom)"
        )
    if value.startswith("#"):
        raise ValueError("must not start with #: mail tables would read it as a comment")
    return value


def mail_address(raw: object) -> str:
    """Return ``raw`` as ``local@domain`` with a conservative local part."""
    if not isinstance(raw, str) or raw.count("@") != 1:
        raise ValueError("must be an address such as reports@example.org")
    local, domain = raw.split("@")
    if not _LOCAL_PART.match(local):
        raise ValueError(
            "local part may contain only letters, digits and . _ + - (at most 64 characters)"
        )
    return f"{local}@{dns_name(domain)}"


# --------------------------------------------------------------------------
# Loading


class _Reader:
    """Walks a document, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def obj(self, value: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...]):
        if not isinstance(value, dict):
            self.add(path, "must be an object")
            return None
        for key in value:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                self.add(where, f'unknown key "{key}"; expected one of {", ".join(allowed)}')
        for key in required:
            if key not in value:
                where = f"{path}.{key}" if path else key
                self.add(where, "is required")
        return value

    def boolean(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(path, "must be true or false")
            return default
        return value

    def integer(self, value: Any, path: str, default: int, low: int, high: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, "must be a whole number")
            return default
        if not low <= value <= high:
            self.add(path, f"must be between {low} and {high}")
            return default
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...], default: str | None):
        if value is None:
            return default
        if value not in choices:
            self.add(path, f"must be one of {', '.join(choices)}")
            return default
        return value

    def text(self, value: Any, path: str, limit: int, *, multiline: bool = False) -> str | None:
        if not isinstance(value, str):
            self.add(path, "must be a text string")
            return None
        bad = _CONTROL_EXCEPT_NEWLINE if multiline else _CONTROL
        if bad.search(value):
            self.add(path, "must not contain control characters")
            return None
        if len(value) > limit:
            self.add(path, f"must be at most {limit} characters")
            return None
        return value

    def checked(self, check, value: Any, path: str) -> str | None:
        try:
            return check(value)
        except ValueError as exc:
            shown = value if isinstance(value, str) and len(value) <= 80 else None
            prefix = f'"{_printable(shown)}" ' if shown is not None else ""
            self.add(path, f"{prefix}{exc}")
            return None

    def array(self, value: Any, path: str, limit: int) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, "must be a list")
            return []
        if len(value) > limit:
            self.add(path, f"has {len(value)} entries; at most {limit} are allowed")
            return []
        return value

    def unique(self, names: list[tuple[str | None, str]], what: str) -> None:
        seen: dict[str, str] = {}
        for name, path in names:
            if name is None:
                continue
            if name in seen:
                self.add(path, f'duplicate {what} "{name}" (also at {seen[name]})')
            else:
                seen[name] = path


def _printable(text: str) -> str:
    """Show user text inside an error message without control characters."""
    return _CONTROL.sub("?", text)


def max_document_bytes() -> int:
    """An upper bound of ``dumps`` of any design within LIMITS, in bytes.

    Each part is counted at its largest: every name at its longest, every list full,
    each item's keys and the two-space indent of ``dumps``; the import limit is this
    bound, so a design file that export wrote is never refused for its size.
    """
    lim = LIMITS
    name, slug_, ip, block = 253 + 8, 63 + 8, 39 + 8, 43 + 8
    # keys, the name, mailbox_host, alias_of, an empty users, and a DKIM selector and key
    domain = 400 + 3 * name + 8 + 200 + dkim.MAX_RECORD
    network = 200 + slug_ + lim["cidrs_per_network"] * block
    host = 600 + name + slug_ + lim["addresses_per_host"] * ip + len(SERVICES) * 20
    client = 600 + slug_ + 2 * name + slug_
    provider = 400 + slug_ + 2 * name + lim["domains"] * name
    user = 64 + 12  # a local part is ASCII, at most 64 characters
    return (
        10_000
        + 6 * (lim["name_chars"] + lim["description_chars"])
        + lim["domains"] * domain
        + lim["users"] * user
        + lim["networks"] * network
        + lim["hosts"] * host
        + lim["clients"] * client
        + lim["providers"] * provider
    )


LIMITS["json_bytes"] = max_document_bytes()


def _surrogates(data: Any, path: str, problems: list[Problem]) -> None:
    """A problem for every key or string of ``data`` holding a lone UTF-16 surrogate."""
    stack = [(data, path)]
    while stack and len(problems) < LIMITS["errors_reported"]:
        value, where = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                problems.append(Problem(where, _SURROGATE_MESSAGE))
        elif isinstance(value, dict):
            items = []
            for key, item in value.items():
                inner = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and _SURROGATE.search(key):
                    shown = _SURROGATE.sub("?", key)
                    problems.append(
                        Problem(f"{where}.{shown}" if where else shown, _SURROGATE_MESSAGE)
                    )
                    continue
                items.append((item, inner))
            stack.extend(reversed(items))
        elif isinstance(value, list):
            stack.extend(reversed([(item, f"{where}[{i}]") for i, item in enumerate(value)]))


_SURROGATE_MESSAGE = (
    "holds a lone UTF-16 surrogate (such as \\ud800), which is not a character and cannot be "
    "stored or written as UTF-8; remove it"
)


def loads(text: str | bytes) -> Design:
    """Parse design JSON text and ``load`` it."""
    if isinstance(text, bytes):
        if len(text) > LIMITS["json_bytes"]:
            raise DesignError([Problem("", f"file is larger than {LIMITS['json_bytes']} bytes")])
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise DesignError([Problem("", "file is not UTF-8 text")]) from None
    if len(text) > LIMITS["json_bytes"]:
        raise DesignError([Problem("", f"file is larger than {LIMITS['json_bytes']} bytes")])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DesignError(
            [Problem("", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from None
    except RecursionError:
        raise DesignError([Problem("", "not valid JSON: nested too deeply")]) from None
    return load(data)


def load(data: Any) -> Design:
    """Validate a design document completely and return it as a ``Design``.

    Raises ``DesignError`` listing every problem; never anything else.
    """
    r = _Reader()
    _surrogates(data, "", r.problems)
    if r.problems:
        # Checked first and alone: every other message would quote the broken text.
        raise DesignError(r.problems)
    top = r.obj(
        data,
        "",
        (
            "format",
            "version",
            "name",
            "description",
            "domains",
            "networks",
            "hosts",
            "clients",
            "providers",
            "policy",
        ),
        ("format", "version", "name", "domains", "networks"),
    )
    if top is None:
        raise DesignError(r.problems)
    if "format" in top and top["format"] != FORMAT:
        r.add("format", f'must be "{FORMAT}"')
    if "version" in top and (top["version"] != VERSION or isinstance(top["version"], bool)):
        r.add("version", f"must be {VERSION}")
    name = r.text(top.get("name", ""), "name", LIMITS["name_chars"]) if "name" in top else None
    if name is not None and not name.strip():
        r.add("name", "must not be empty")
    description = ""
    if top.get("description") is not None:
        description = (
            r.text(top["description"], "description", LIMITS["description_chars"], multiline=True)
            or ""
        )

    networks = _networks(r, top.get("networks"))
    network_zone = {n.name: n.zone for n in networks}
    domains_raw = r.array(top.get("domains"), "domains", LIMITS["domains"])
    if "domains" in top and isinstance(top.get("domains"), list) and not domains_raw:
        r.add("domains", "must list at least one domain")
    if "networks" in top and isinstance(top.get("networks"), list) and not networks:
        if not r.problems or all(not p.path.startswith("networks[") for p in r.problems):
            r.add("networks", "must list at least one network")
    domain_names = [_domain_name(r, d, f"domains[{i}]") for i, d in enumerate(domains_raw)]
    hosts = _hosts(r, top.get("hosts"), network_zone)
    providers = _providers(r, top.get("providers"), domain_names)
    host_names = {h.name for h in hosts}
    provider_names = {p.name for p in providers}
    domains = _domains(r, domains_raw, domain_names, host_names, provider_names)
    first_domain = next((d for d in domain_names if d), "")
    clients = _clients(r, top.get("clients"), network_zone, host_names, domain_names, first_domain)
    policy = _policy(r, top.get("policy"))

    for client in clients:
        if client.name in provider_names:
            r.add(
                "clients",
                f'client and provider share the name "{client.name}"; '
                "flows name both, so names must differ",
            )

    if r.problems:
        limit = LIMITS["errors_reported"]
        problems = r.problems[:limit]
        if len(r.problems) > limit:
            problems.append(Problem("", f"... and {len(r.problems) - limit} more problems"))
        raise DesignError(problems)
    return Design(
        name=name or "",
        description=description,
        domains=tuple(domains),
        networks=tuple(networks),
        hosts=tuple(hosts),
        clients=tuple(clients),
        providers=tuple(providers),
        policy=policy,
    )


def _networks(r: _Reader, raw: Any) -> list[Network]:
    out = []
    names = []
    for i, item in enumerate(r.array(raw, "networks", LIMITS["networks"])):
        path = f"networks[{i}]"
        obj = r.obj(item, path, ("name", "zone", "cidrs", "port25_outbound"), ("name", "zone"))
        if obj is None:
            continue
        name = r.checked(slug, obj.get("name"), f"{path}.name") if "name" in obj else None
        zone = r.choice(obj.get("zone"), f"{path}.zone", ZONES, None) if "zone" in obj else None
        cidrs = []
        raw_cidrs = r.array(obj.get("cidrs"), f"{path}.cidrs", LIMITS["cidrs_per_network"])
        for j, c in enumerate(raw_cidrs):
            value = r.checked(cidr, c, f"{path}.cidrs[{j}]")
            if value is not None:
                cidrs.append((value, f"{path}.cidrs[{j}]"))
        r.unique(cidrs, "CIDR block")
        port25 = r.boolean(obj.get("port25_outbound"), f"{path}.port25_outbound", True)
        names.append((name, f"{path}.name"))
        if name and zone:
            out.append(Network(name, zone, tuple(c for c, _ in cidrs), port25))
    r.unique(names, "network name")
    return out


def _domain_name(r: _Reader, item: Any, path: str) -> str | None:
    if isinstance(item, dict) and "name" in item:
        return r.checked(dns_name, item["name"], f"{path}.name")
    return None


def _domains(r, raw, names, host_names, provider_names) -> list[Domain]:
    r.unique([(n, f"domains[{i}].name") for i, n in enumerate(names)], "domain name")
    known = {n for n in names if n}
    alias_targets = {}
    for i, item in enumerate(raw):
        if isinstance(item, dict) and isinstance(item.get("alias_of"), str):
            alias_targets[names[i]] = item["alias_of"]
    out = []
    for i, item in enumerate(raw):
        path = f"domains[{i}]"
        obj = r.obj(
            item,
            path,
            (
                "name",
                "receives_mail",
                "mailbox_host",
                "alias_of",
                "users",
                "dkim_selector",
                "dkim_public_key",
            ),
            ("name",),
        )
        if obj is None:
            continue
        receives = r.boolean(obj.get("receives_mail"), f"{path}.receives_mail", True)
        mailbox_host = None
        if obj.get("mailbox_host") is not None:
            value = obj["mailbox_host"]
            if isinstance(value, str) and "." not in value:
                mailbox_host = r.checked(slug, value, f"{path}.mailbox_host")
                if mailbox_host and mailbox_host not in provider_names:
                    r.add(f"{path}.mailbox_host", f'no host or provider named "{mailbox_host}"')
                    mailbox_host = None
            else:
                mailbox_host = r.checked(dns_name, value, f"{path}.mailbox_host")
                if mailbox_host and mailbox_host not in host_names:
                    r.add(f"{path}.mailbox_host", f'no host or provider named "{mailbox_host}"')
                    mailbox_host = None
        alias_of = None
        if obj.get("alias_of") is not None:
            alias_of = r.checked(dns_name, obj["alias_of"], f"{path}.alias_of")
            if alias_of:
                if alias_of not in known:
                    r.add(f"{path}.alias_of", f'no domain named "{alias_of}" in this design')
                elif alias_of == names[i]:
                    r.add(f"{path}.alias_of", "a domain cannot be an alias of itself")
                elif alias_of in alias_targets:
                    r.add(
                        f"{path}.alias_of",
                        f'"{alias_of}" is itself an alias; point at the domain it aliases',
                    )
                elif not receives:
                    r.add(f"{path}.alias_of", "an alias domain receives mail; drop receives_mail")
            if mailbox_host and alias_of:
                r.add(f"{path}.mailbox_host", "an alias domain has no mailboxes of its own")
        if not receives and mailbox_host:
            r.add(f"{path}.mailbox_host", "a domain that receives no mail has no mailbox host")
        users = _users(r, obj.get("users"), path)
        if users and alias_of:
            r.add(f"{path}.users", "an alias domain has the users of the domain it aliases")
        elif users and not receives:
            r.add(f"{path}.users", "a domain that receives no mail has no mailbox users")
        selector, key = _dkim(r, obj, path)
        if names[i]:
            out.append(Domain(names[i], receives, mailbox_host, alias_of, users, selector, key))
    total = sum(len(d.users) for d in out)
    if total > LIMITS["users"]:
        r.add("domains", f"lists {total} users in all; at most {LIMITS['users']} are allowed")
    return out


def _dkim(r: _Reader, obj: dict, path: str) -> tuple[str | None, str | None]:
    """The domain's DKIM selector and public key: both or neither, each checked."""
    selector, key = obj.get("dkim_selector"), obj.get("dkim_public_key")
    if selector is None and key is None:
        return None, None
    if selector is None or key is None:
        missing = "dkim_selector" if selector is None else "dkim_public_key"
        r.add(f"{path}.{missing}", "a DKIM key needs both a selector and a public key")
        return None, None
    why = dkim.check_selector(selector)
    if why:
        r.add(f"{path}.dkim_selector", why)
        return None, None
    if not isinstance(key, str):
        r.add(f"{path}.dkim_public_key", "must be a string (the base64 public key)")
        return None, None
    try:
        parsed = dkim.parse_public_key(key)
        dkim.record(parsed)
    except ValueError as exc:
        r.add(f"{path}.dkim_public_key", f"the key {exc}")
        return None, None
    return selector, parsed.base64


def _users(r: _Reader, raw: Any, path: str) -> tuple[str, ...]:
    """A domain's ``users``: valid, lower-cased, unique local parts."""
    checked = []
    for j, item in enumerate(r.array(raw, f"{path}.users", LIMITS["users_per_domain"])):
        value = r.checked(local_part, item, f"{path}.users[{j}]")
        checked.append((value, f"{path}.users[{j}]"))
    r.unique(checked, "user")
    return tuple(dict.fromkeys(v for v, _ in checked if v is not None))


def _hosts(r: _Reader, raw: Any, network_zone: dict[str, str]) -> list[Host]:
    out = []
    names = []
    keys = (
        "name",
        "network",
        "addresses",
        "mta",
        "accepts_internet_smtp",
        "stores_mailboxes",
        "shell_users",
        "always_on",
        "services",
    )
    for i, item in enumerate(r.array(raw, "hosts", LIMITS["hosts"])):
        path = f"hosts[{i}]"
        obj = r.obj(item, path, keys, ("name", "network"))
        if obj is None:
            continue
        name = r.checked(dns_name, obj["name"], f"{path}.name") if "name" in obj else None
        network = None
        if "network" in obj:
            network = r.checked(slug, obj["network"], f"{path}.network")
            if network and network not in network_zone:
                r.add(f"{path}.network", f'no network named "{network}"')
                network = None
        addresses = []
        raw_addrs = r.array(obj.get("addresses"), f"{path}.addresses", LIMITS["addresses_per_host"])
        for j, a in enumerate(raw_addrs):
            value = r.checked(ip_address, a, f"{path}.addresses[{j}]")
            if value is not None:
                addresses.append((value, f"{path}.addresses[{j}]"))
        r.unique(addresses, "address")
        mta = r.choice(obj.get("mta"), f"{path}.mta", MTAS, "postfix")
        public = network_zone.get(network or "") in PUBLIC_ZONES
        accepts = r.boolean(
            obj.get("accepts_internet_smtp"), f"{path}.accepts_internet_smtp", public
        )
        services = []
        for j, s in enumerate(r.array(obj.get("services"), f"{path}.services", len(SERVICES) * 2)):
            value = r.choice(s, f"{path}.services[{j}]", SERVICES, None)
            if value is not None:
                services.append((value, f"{path}.services[{j}]"))
        r.unique(services, "service")
        names.append((name, f"{path}.name"))
        if name and network:
            out.append(
                Host(
                    name=name,
                    network=network,
                    addresses=tuple(a for a, _ in addresses),
                    mta=mta,
                    accepts_internet_smtp=accepts,
                    stores_mailboxes=r.boolean(
                        obj.get("stores_mailboxes"), f"{path}.stores_mailboxes", False
                    ),
                    shell_users=r.boolean(obj.get("shell_users"), f"{path}.shell_users", False),
                    always_on=r.boolean(obj.get("always_on"), f"{path}.always_on", True),
                    services=tuple(sorted({s for s, _ in services})),
                )
            )
    r.unique(names, "host name")
    return out


def _clients(r, raw, network_zone, host_names, domain_names, first_domain) -> list[Client]:
    out = []
    names = []
    keys = (
        "name",
        "kind",
        "count",
        "network",
        "host",
        "reads",
        "can_authenticate",
        "can_tls",
        "domain",
    )
    known_domains = {d for d in domain_names if d}
    for i, item in enumerate(r.array(raw, "clients", LIMITS["clients"])):
        path = f"clients[{i}]"
        obj = r.obj(item, path, keys, ("name", "kind"))
        if obj is None:
            continue
        name = r.checked(slug, obj["name"], f"{path}.name") if "name" in obj else None
        if name == "internet":
            r.add(f"{path}.name", '"internet" is reserved: flows use it for the outside world')
            name = None
        kind = (
            r.choice(obj.get("kind"), f"{path}.kind", CLIENT_KINDS, None) if "kind" in obj else None
        )
        count = r.integer(obj.get("count"), f"{path}.count", 1, 1, LIMITS["client_count"])
        network = host = None
        if obj.get("network") is not None:
            network = r.checked(slug, obj["network"], f"{path}.network")
            if network and network not in network_zone:
                r.add(f"{path}.network", f'no network named "{network}"')
                network = None
        if obj.get("host") is not None:
            host = r.checked(dns_name, obj["host"], f"{path}.host")
            if host and host not in host_names:
                r.add(f"{path}.host", f'no host named "{host}"')
                host = None
        if kind in NETWORK_CLIENT_KINDS:
            if obj.get("host") is not None:
                r.add(f"{path}.host", f"a {kind} client sits on a network; give network, not host")
            if obj.get("network") is None:
                r.add(f"{path}.network", f"is required for a {kind} client (where it sits)")
        elif kind in HOST_CLIENT_KINDS:
            if obj.get("network") is not None:
                r.add(f"{path}.network", f"a {kind} client runs on a host; give host, not network")
            if obj.get("host") is None:
                r.add(f"{path}.host", f"is required for a {kind} client (the host it runs on)")
        reads = r.choice(obj.get("reads"), f"{path}.reads", READS, DEFAULT_READS.get(kind, "none"))
        if reads == "local" and kind in NETWORK_CLIENT_KINDS:
            r.add(f"{path}.reads", f"a {kind} client cannot read local mail; choose imap or pop3")
        domain = first_domain
        if obj.get("domain") is not None:
            domain = r.checked(dns_name, obj["domain"], f"{path}.domain") or first_domain
            if domain not in known_domains:
                r.add(f"{path}.domain", f'no domain named "{domain}" in this design')
        names.append((name, f"{path}.name"))
        if name and kind:
            out.append(
                Client(
                    name=name,
                    kind=kind,
                    count=count,
                    network=network,
                    host=host,
                    reads=reads,
                    can_authenticate=r.boolean(
                        obj.get("can_authenticate"), f"{path}.can_authenticate", True
                    ),
                    can_tls=r.boolean(obj.get("can_tls"), f"{path}.can_tls", True),
                    domain=domain,
                )
            )
    r.unique(names, "client name")
    return out


def _providers(r, raw, domain_names) -> list[Provider]:
    out = []
    names = []
    known = tuple(d for d in domain_names if d)
    keys = ("name", "kind", "host", "port", "auth", "domains", "spf_include")
    for i, item in enumerate(r.array(raw, "providers", LIMITS["providers"])):
        path = f"providers[{i}]"
        obj = r.obj(item, path, keys, ("name", "kind", "host"))
        if obj is None:
            continue
        name = r.checked(slug, obj["name"], f"{path}.name") if "name" in obj else None
        if name == "internet":
            r.add(f"{path}.name", '"internet" is reserved: flows use it for the outside world')
            name = None
        kind = (
            r.choice(obj.get("kind"), f"{path}.kind", PROVIDER_KINDS, None)
            if "kind" in obj
            else None
        )
        host = r.checked(dns_name, obj["host"], f"{path}.host") if "host" in obj else None
        port = r.integer(
            obj.get("port"), f"{path}.port", DEFAULT_PROVIDER_PORT.get(kind, 25), 1, 65535
        )
        auth = r.boolean(obj.get("auth"), f"{path}.auth", kind == "smarthost")
        domains = []
        if obj.get("domains") is not None:
            for j, d in enumerate(r.array(obj["domains"], f"{path}.domains", LIMITS["domains"])):
                value = r.checked(dns_name, d, f"{path}.domains[{j}]")
                if value is None:
                    continue
                if value not in known:
                    r.add(f"{path}.domains[{j}]", f'no domain named "{value}" in this design')
                    continue
                domains.append((value, f"{path}.domains[{j}]"))
            r.unique(domains, "domain")
        spf_include = None
        if obj.get("spf_include") is not None:
            spf_include = r.checked(
                lambda v: dns_name(v, service=True), obj["spf_include"], f"{path}.spf_include"
            )
        names.append((name, f"{path}.name"))
        if name and kind and host:
            served = tuple(d for d, _ in domains) if obj.get("domains") is not None else known
            out.append(Provider(name, kind, host, port, auth, served, spf_include))
    r.unique(names, "provider name")
    return out


def _policy(r: _Reader, raw: Any) -> Policy:
    if raw is None:
        return Policy()
    obj = r.obj(raw, "policy", ("backup_mx", "dmarc", "mta_sts", "dkim", "reports_to"), ())
    if obj is None:
        return Policy()
    reports_to = None
    if obj.get("reports_to") is not None:
        reports_to = r.checked(mail_address, obj["reports_to"], "policy.reports_to")
    return Policy(
        backup_mx=r.boolean(obj.get("backup_mx"), "policy.backup_mx", False),
        dmarc=r.choice(obj.get("dmarc"), "policy.dmarc", DMARC_POLICIES, "quarantine"),
        mta_sts=r.choice(obj.get("mta_sts"), "policy.mta_sts", MTA_STS_MODES, "testing"),
        dkim=r.boolean(obj.get("dkim"), "policy.dkim", True),
        reports_to=reports_to,
    )


# --------------------------------------------------------------------------
# Dumping


def dump(design: Design) -> dict[str, Any]:
    """Return the design as a document with every default written out."""
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": design.name}
    if design.description:
        out["description"] = design.description
    out["domains"] = [_drop_none({**vars_of(d), "users": list(d.users)}) for d in design.domains]
    out["networks"] = [{**vars_of(n), "cidrs": list(n.cidrs)} for n in design.networks]
    out["hosts"] = [
        {**vars_of(h), "addresses": list(h.addresses), "services": list(h.services)}
        for h in design.hosts
    ]
    out["clients"] = [_drop_none(vars_of(c)) for c in design.clients]
    out["providers"] = [
        _drop_none({**vars_of(p), "domains": list(p.domains)}) for p in design.providers
    ]
    out["policy"] = _drop_none(vars_of(design.policy))
    return out


def dump_minimal(design: Design) -> dict[str, Any]:
    """The document with the defaults that follow another value left out again.

    ``dump`` writes every default; a few depend on something else (whether a host
    accepts internet mail follows its network's zone; what a client reads follows its
    kind; a provider's port and authentication follow its kind; a provider with no
    domain list serves them all). Written out, they would be frozen: moving the host or
    adding a domain later would not change them as a person expects. Stored designs use
    this form; ``load`` of it gives the same design back.
    """
    doc = dump(design)
    zones = {n.name: n.zone for n in design.networks}
    for host in doc["hosts"]:
        public = zones.get(host["network"]) in PUBLIC_ZONES
        if host.get("accepts_internet_smtp") == public:
            del host["accepts_internet_smtp"]
    for client in doc["clients"]:
        if client.get("reads") == DEFAULT_READS.get(client["kind"]):
            del client["reads"]
    for domain in doc["domains"]:
        if not domain["users"]:
            del domain["users"]
    all_domains = sorted(d.name for d in design.domains)
    for provider in doc["providers"]:
        if provider.get("port") == DEFAULT_PROVIDER_PORT.get(provider["kind"]):
            del provider["port"]
        if provider.get("auth") == (provider["kind"] == "smarthost"):
            del provider["auth"]
        if sorted(provider.get("domains", [])) == all_domains:
            del provider["domains"]
    return doc


def dumps(design: Design) -> str:
    """The design as canonical JSON text (two-space indent, UTF-8, trailing newline)."""
    return json.dumps(dump(design), indent=2, ensure_ascii=False) + "\n"


def vars_of(obj: Any) -> dict[str, Any]:
    return {k: v for k, v in obj.__dict__.items() if not k.startswith("_")}


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}
