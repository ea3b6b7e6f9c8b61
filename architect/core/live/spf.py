"""SPF evaluated live (RFC 7208): includes followed, DNS lookups counted, addresses tested.

check_host() expands macros (§7: %{s} %{l} %{o} %{d} %{i} %{p} %{h} %{v}, with the digit and
``r`` transformers and delimiters) and evaluates the ``ptr`` mechanism (§5.5), which counts
toward the ten DNS lookups like every mechanism that queries DNS.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from dataclasses import dataclass, field

from .compare import name as norm
from .compare import txt_kind
from .dnsq import Dns

LOOKUP_LIMIT = 10  # RFC 7208 §4.6.4
VOID_LIMIT = 2
MAX_RECORDS = 40  # records fetched while counting, so a loop of includes ends


@dataclass
class Walk:
    """What following every include and redirect of a record found."""

    lookups: int = 0
    problems: list[str] = field(default_factory=list)
    fetched: int = 0


def record_of(dns: Dns, domain: str) -> tuple[str | None, str]:
    """The SPF record at ``domain``, or None and why."""
    answer = dns.query(domain, "TXT")
    if not answer.ok:
        return None, answer.why(domain, "TXT")
    records = [v for v in answer.values if txt_kind(v) == "v=spf1"]
    if not records:
        return None, f"{domain} has no SPF record"
    if len(records) > 1:
        return None, f"{domain} has {len(records)} SPF records (a permerror, RFC 7208 §3.2)"
    return records[0], ""


def count_lookups(dns: Dns, domain: str, walk: Walk | None = None, depth: int = 0) -> Walk:
    """Count the DNS lookups a receiver makes for ``domain``'s SPF, past the limit too.

    Receivers stop at ten; the count goes on so that the report can say "12 lookups".
    """
    walk = walk or Walk()
    walk.fetched += 1
    if depth > 10 or walk.fetched > MAX_RECORDS:
        walk.problems.append("includes nest too deep or loop")
        return walk
    record, why = record_of(dns, domain)
    if record is None:
        if depth:
            walk.problems.append(why)
        return walk
    for term in record.split()[1:]:
        low = term.lower().lstrip("+-~?")
        mech = low.split(":")[0].split("/")[0].split("=")[0]
        if mech in ("a", "mx", "ptr", "exists", "include", "redirect"):
            walk.lookups += 1
        if mech in ("include", "redirect"):
            target = low.split("=" if mech == "redirect" else ":", 1)[1]
            if "%" in target:
                continue  # a macro: its target depends on the message
            count_lookups(dns, norm(target), walk, depth + 1)
    return walk


# RFC 7208 §7.1: %{letter digits r delimiters}, or %% %_ %-.
MACRO = re.compile(r"%(?:\{([a-z])([0-9]*)(r?)([.\-+,/_=]*)\}|([%_-]))", re.IGNORECASE)
# The letters a domain-spec may use; c, r and t belong to exp= only (RFC 7208 §7.2).
DOMAIN_LETTERS = "slodiphv"
MAX_NAME = 253
PTR_NAMES = 10  # RFC 7208 §4.6.4: at most ten names of a PTR answer are looked at


class MacroError(ValueError):
    """A macro that RFC 7208 §7 does not allow: check_host() gives permerror."""


@dataclass(frozen=True)
class Identity:
    """What check_host() is evaluated for (RFC 7208 §4.1): the values macros expand to."""

    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    sender: str  # MAIL FROM, or postmaster@<HELO> (RFC 7208 §2.4)
    helo: str

    @property
    def local_part(self) -> str:
        local, at, _ = self.sender.rpartition("@")
        return local if at and local else "postmaster"  # RFC 7208 §4.3

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2]


def expand(spec: str, identity: Identity, domain: str, validated=None) -> str:
    """A domain-spec with its macros expanded (RFC 7208 §7); MacroError when malformed.

    ``validated`` is called for the ``p`` macro: it returns the validated name of the
    address (or "unknown"), so that its DNS lookups happen only when the macro is used.
    """
    out = []
    at = 0
    for m in MACRO.finditer(spec):
        literal = spec[at : m.start()]
        if "%" in literal:
            raise MacroError(f"a lone % in {spec!r}")
        out.append(literal)
        at = m.end()
        if m.group(5):
            out.append({"%": "%", "_": " ", "-": "%20"}[m.group(5)])
            continue
        letter, digits, reverse, delimiters = m.groups()[:4]
        if letter.lower() not in DOMAIN_LETTERS:
            raise MacroError(f"%{{{letter}}} is for exp= only")
        value = _macro_value(letter.lower(), identity, domain, validated)
        parts = re.split("[" + re.escape(delimiters or ".") + "]", value)
        if reverse:
            parts.reverse()
        if digits:
            keep = int(digits)
            if keep == 0:
                raise MacroError("a macro keeps at least one part (RFC 7208 §7.3)")
            parts = parts[-keep:]
        value = ".".join(parts)
        if letter.isupper():
            value = urllib.parse.quote(value, safe="")
        out.append(value)
    tail = spec[at:]
    if "%" in tail:
        raise MacroError(f"a lone % in {spec!r}")
    out.append(tail)
    expanded = "".join(out)
    # RFC 7208 §7.3: left-hand labels are dropped until the name fits in 253 characters.
    while len(expanded.rstrip(".")) > MAX_NAME and "." in expanded:
        expanded = expanded.split(".", 1)[1]
    return expanded


def _macro_value(letter: str, identity: Identity, domain: str, validated) -> str:
    ip = identity.ip
    if letter == "s":
        return f"{identity.local_part}@{identity.sender_domain}"
    if letter == "l":
        return identity.local_part
    if letter == "o":
        return identity.sender_domain
    if letter == "d":
        return domain
    if letter == "h":
        return identity.helo
    if letter == "v":
        return "in-addr" if ip.version == 4 else "ip6"
    if letter == "i":
        # IPv6: 32 dot-separated nibbles (RFC 7208 §7.3)
        return str(ip) if ip.version == 4 else ".".join(ip.exploded.replace(":", ""))
    return validated() if validated else "unknown"  # p


class Evaluator:
    """check_host() of RFC 7208 §4 for one address, with macros and the ptr mechanism.

    ``sender`` is the MAIL FROM address (its local part and domain feed %{l}, %{o},
    %{s}); ``helo`` the name the sending host gives (%{h}).
    """

    def __init__(self, dns: Dns, ip: str, sender: str = "", helo: str = "") -> None:
        self.dns = dns
        self.ip = ipaddress.ip_address(ip)
        self.sender, self.helo = sender, helo
        self.lookups = 0
        self.voids = 0

    def check(self, domain: str, depth: int = 0) -> str:
        """pass, fail, softfail, neutral, none, permerror or temperror."""
        if depth > 10:
            return "permerror"
        if depth == 0:
            sender = self.sender or f"postmaster@{domain}"
            self.identity = Identity(self.ip, sender, self.helo or sender.rpartition("@")[2])
        answer = self.dns.query(domain, "TXT")
        if answer.status in ("timeout", "servfail", "error"):
            return "temperror"
        records = [v for v in answer.values if txt_kind(v) == "v=spf1"]
        if not records:
            return "none"
        if len(records) > 1:
            return "permerror"
        redirect = None
        try:
            for term in records[0].split()[1:]:
                name, eq, value = term.partition("=")
                if eq and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", name):
                    if name.lower() == "redirect":
                        redirect = value
                    continue  # exp= and unknown modifiers (RFC 7208 §6)
                qualifier = "+"
                if term[0] in "+-~?":
                    qualifier, term = term[0], term[1:]
                if self._match(term, domain, depth):
                    return {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}[qualifier]
            if redirect is not None:
                self._count()
                target = norm(self._expand(redirect, domain))
                result = self.check(target, depth + 1)
                return "permerror" if result == "none" else result
        except _Stop as stop:
            return stop.result
        except MacroError:
            return "permerror"
        return "neutral"

    def _expand(self, spec: str, domain: str) -> str:
        return expand(spec, self.identity, domain, lambda: self._validated_name(domain))

    def _count(self) -> None:
        self.lookups += 1
        if self.lookups > LOOKUP_LIMIT:
            raise _Stop("permerror")

    def _addresses(self, host: str) -> list[ipaddress._BaseAddress]:
        rtype = "AAAA" if self.ip.version == 6 else "A"
        answer = self.dns.query(host, rtype)
        if answer.status in ("timeout", "servfail", "error"):
            raise _Stop("temperror")
        if answer.absent:
            self._void()
        return [ipaddress.ip_address(v) for v in answer.values]

    def _void(self) -> None:
        self.voids += 1
        if self.voids > VOID_LIMIT:
            raise _Stop("permerror")  # RFC 7208 §4.6.4

    def _validated_names(self) -> list[str]:
        """The PTR names of the address whose A/AAAA lead back to it (RFC 7208 §5.5)."""
        answer = self.dns.reverse(str(self.ip))
        if answer.absent:
            self._void()
        rtype = "AAAA" if self.ip.version == 6 else "A"
        names = []
        for target in [norm(v) for v in answer.values][:PTR_NAMES]:
            back = self.dns.query(target, rtype)
            # Errors while validating one name skip that name only (RFC 7208 §5.5).
            if any(ipaddress.ip_address(v) == self.ip for v in back.values):
                names.append(target)
        return names

    def _validated_name(self, domain: str) -> str:
        names = self._validated_names()
        for n in names:
            if n == norm(domain) or n.endswith("." + norm(domain)):
                return n
        return names[0] if names else "unknown"

    def _match(self, term: str, domain: str, depth: int) -> bool:
        mech, colon, arg = term.partition(":")
        cidr = None
        if "/" in mech:
            mech, _, cidr = mech.partition("/")
        if "/" in arg and mech.lower() in ("a", "mx"):
            arg, _, cidr = arg.partition("/")
        mech = mech.lower()
        if mech in ("ip4", "ip6"):
            try:
                net = ipaddress.ip_network(arg if not cidr else f"{arg}/{cidr}", strict=False)
            except ValueError:
                raise _Stop("permerror") from None
            return net.version == self.ip.version and self.ip in net
        if mech == "all":
            return True
        if mech not in ("include", "a", "mx", "ptr", "exists"):
            raise _Stop("permerror")  # an unknown mechanism
        if colon and not arg:
            raise _Stop("permerror")
        # Every mechanism left is one DNS lookup toward the limit, counted before it runs.
        self._count()
        target = norm(self._expand(arg, domain)) if arg else norm(domain)
        if mech == "include":
            result = self.check(target, depth + 1)
            if result in ("temperror", "permerror"):
                raise _Stop(result)
            if result == "none":
                raise _Stop("permerror")
            return result == "pass"
        if mech in ("a", "mx"):
            hosts = [target]
            if mech == "mx":
                answer = self.dns.query(target, "MX")
                if answer.status in ("timeout", "servfail", "error"):
                    raise _Stop("temperror")
                if answer.absent:
                    self._void()
                # RFC 7208 §4.6.4: more than ten MX names is a permerror.
                if len(answer.values) > 10:
                    raise _Stop("permerror")
                hosts = [norm(v.split()[1]) for v in answer.values]
            bits = _prefix(cidr, self.ip.version)
            for host in hosts:
                for address in self._addresses(host):
                    if address.version == self.ip.version and self.ip in ipaddress.ip_network(
                        f"{address}/{bits}", strict=False
                    ):
                        return True
            return False
        if mech == "exists":
            answer = self.dns.query(target, "A")  # always A, whatever the address (§5.7)
            if answer.status in ("timeout", "servfail", "error"):
                raise _Stop("temperror")
            if answer.absent:
                self._void()
            return bool(answer.values)
        # ptr (RFC 7208 §5.5): a validated name of the address, equal to or under the target.
        return any(n == target or n.endswith("." + target) for n in self._validated_names())


class _Stop(Exception):
    def __init__(self, result: str) -> None:
        self.result = result


def _prefix(cidr: str | None, version: int) -> int:
    if not cidr:
        return 32 if version == 4 else 128
    four, _, six = cidr.partition("//")
    return int(four or 32) if version == 4 else int(six or 128)
