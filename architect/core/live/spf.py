"""SPF evaluated live (RFC 7208): includes followed, DNS lookups counted, addresses tested."""

from __future__ import annotations

import ipaddress
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


class Evaluator:
    """check_host() of RFC 7208 §4 for one address, without macros or the ptr mechanism."""

    def __init__(self, dns: Dns, ip: str) -> None:
        self.dns = dns
        self.ip = ipaddress.ip_address(ip)
        self.lookups = 0
        self.voids = 0

    def check(self, domain: str, depth: int = 0) -> str:
        """pass, fail, softfail, neutral, none, permerror or temperror."""
        if depth > 10:
            return "permerror"
        answer = self.dns.query(domain, "TXT")
        if answer.status in ("timeout", "servfail", "error"):
            return "temperror"
        records = [v for v in answer.values if txt_kind(v) == "v=spf1"]
        if not records:
            return "none"
        if len(records) > 1:
            return "permerror"
        redirect = None
        for term in records[0].split()[1:]:
            low = term.lower()
            if low.startswith("redirect="):
                redirect = norm(low.split("=", 1)[1])
                continue
            if "=" in low.split(":")[0]:
                continue  # exp= and unknown modifiers
            qualifier = "+"
            if low[0] in "+-~?":
                qualifier, low = low[0], low[1:]
            try:
                hit = self._match(low, domain, depth)
            except _Stop as stop:
                return stop.result
            if hit:
                return {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}[qualifier]
        if redirect:
            self._count()
            result = self.check(redirect, depth + 1)
            return "permerror" if result == "none" else result
        return "neutral"

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
            self.voids += 1
            if self.voids > VOID_LIMIT:
                raise _Stop("permerror")
        return [ipaddress.ip_address(v) for v in answer.values]

    def _match(self, term: str, domain: str, depth: int) -> bool:
        mech, _, arg = term.partition(":")
        cidr = None
        if "/" in mech:
            mech, _, cidr = mech.partition("/")
        if "/" in arg and mech in ("a", "mx"):
            arg, _, cidr = arg.partition("/")
        if "%" in arg:
            raise _Stop("neutral")  # macros are not evaluated here
        if mech == "all":
            return True
        if mech in ("ip4", "ip6"):
            net = ipaddress.ip_network(arg, strict=False)
            return net.version == self.ip.version and self.ip in net
        if mech == "include":
            self._count()
            result = self.check(norm(arg), depth + 1)
            if result in ("temperror", "permerror"):
                raise _Stop(result)
            if result == "none":
                raise _Stop("permerror")
            return result == "pass"
        if mech in ("a", "mx"):
            self._count()
            hosts = [norm(arg or domain)]
            if mech == "mx":
                answer = self.dns.query(hosts[0], "MX")
                hosts = [norm(v.split()[1]) for v in answer.values][:10]
            bits = _prefix(cidr, self.ip.version)
            for host in hosts:
                for address in self._addresses(host):
                    if address.version == self.ip.version and self.ip in ipaddress.ip_network(
                        f"{address}/{bits}", strict=False
                    ):
                        return True
            return False
        if mech in ("exists", "ptr"):
            self._count()
            if mech == "exists":
                return bool(self.dns.query(norm(arg), "A").values)
            return False  # ptr: deprecated (RFC 7208 §5.5); never matched here
        raise _Stop("permerror")  # an unknown mechanism


class _Stop(Exception):
    def __init__(self, result: str) -> None:
        self.result = result


def _prefix(cidr: str | None, version: int) -> int:
    if not cidr:
        return 32 if version == 4 else 128
    four, _, six = cidr.partition("//")
    return int(four or 32) if version == 4 else int(six or 128)
