"""One check: every DNS record of the plan, then SPF, DKIM, SMTP and MTA-STS probes."""

from __future__ import annotations

import datetime as dt
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass

import dns.name
import dns.reversename

from ..learn import learn
from . import spf
from .compare import canonical, difference, same, txt_kind
from .compare import name as norm
from .dnsq import Answer, Dns
from .guard import Budget, OutOfTime
from .keys import MIN_RSA_BITS, dkim_key
from .report import Report, Row, with_
from .servers import ServerChecks

KIND_LABELS = {
    "v=spf1": "TXT (SPF)",
    "v=dmarc1": "TXT (DMARC)",
    "v=dkim1": "TXT (DKIM)",
    "v=stsv1": "TXT (MTA-STS)",
    "v=tlsrptv1": "TXT (TLS-RPT)",
}
# progress(done, total, what): how far a check has got (the web app's progress line).
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Options:
    """How a check reaches the network; the defaults suit the command line."""

    resolver: str | None = None  # an address; None: the system resolver
    resolver_port: int = 53
    # The command line runs for its operator, on their network; the web app sets False.
    allow_private: bool = True
    private_hint: str = ""  # said when an address is refused: how to allow it
    timeout: float = 3.0  # each lookup and connection
    total: float = 60.0  # the whole check
    # More trust anchors (a private CA) for the SMTP and HTTPS certificates, besides the
    # system's; cafile_label names it in rows (the web app does not show its paths).
    cafile: str | None = None
    cafile_label: str = ""
    smtp_port: int = 25
    https_port: int = 443
    ehlo: str = "check-live.mail-architect.invalid"
    addresses_per_host: int = 2


class _Check(ServerChecks):
    """The DNS records and SPF/DKIM steps; the SMTP and MTA-STS probes come from ServerChecks."""

    def __init__(self, design, plan, options: Options) -> None:
        self.design, self.plan, self.options = design, plan, options
        self.budget = Budget(options.total, options.timeout)
        self.dns = Dns(self.budget, options.resolver, options.resolver_port)
        self.zones: dict[str, str] = {}  # zone -> why its records cannot be checked

    # -- steps ------------------------------------------------------------------

    def steps(self) -> list[tuple[Row, Callable[[], list[Row]]]]:
        """Each step with the row it stands for if it cannot run (out of time, a fault)."""
        out = []
        groups: dict[tuple, list] = {}
        for r in self.plan.dns:
            kind = txt_kind(r.value) if r.type == "TXT" else ""
            groups.setdefault((r.name, r.type, kind), []).append(r)
        for (name, rtype, kind), records in groups.items():
            label = KIND_LABELS.get(kind, rtype)
            first = records[0]
            stub = Row(
                "record",
                name,
                "PTR (FCrDNS)" if rtype == "PTR" else label,
                "not_checked",
                "; ".join(r.value for r in records),
                why=first.why,
                learn=first.learn,
            )
            out.append((stub, lambda s=stub, rs=records, k=kind: [self.record(s, rs, k)]))
        for (name, _rtype, kind), records in groups.items():
            if kind == "v=spf1" and not any(r.placeholder for r in records):
                stub = Row(
                    "spf",
                    name,
                    "SPF evaluation",
                    "not_checked",
                    f"at most {spf.LOOKUP_LIMIT} DNS lookups; the plan's senders pass",
                    why=records[0].why,
                    learn=records[0].learn,
                )
                out.append((stub, lambda s=stub, v=records[0].value: [self.spf(s, v)]))
            if kind == "v=dkim1":
                stub = Row(
                    "dkim",
                    name,
                    "DKIM key",
                    "not_checked",
                    f"a key of at least {MIN_RSA_BITS} bits",
                    why=records[0].why,
                    learn=records[0].learn,
                )
                out.append((stub, lambda s=stub: [self.dkim(s)]))
        mx_hosts: dict[str, str] = {}
        for _domain, records in self.plan.mx:
            for m in records:
                if m.host != ".":
                    mx_hosts.setdefault(m.host, m.why)
        for host, why in sorted(mx_hosts.items()):
            stub = Row(
                "smtp",
                host,
                "SMTP",
                "not_checked",
                f"STARTTLS on port 25 with a certificate for {host}",
                why=why,
                learn=learn("trust", "starttls"),
            )
            out.append((stub, lambda s=stub: self.smtp(s)))
        for (name, _rtype, kind), records in groups.items():
            if kind == "v=stsv1":
                domain = norm(name).removeprefix("_mta-sts.")
                stub = Row(
                    "mta-sts",
                    f"mta-sts.{domain}",
                    "MTA-STS policy",
                    "not_checked",
                    f"mode {self.design.policy.mta_sts}, mx lines covering the live MX",
                    why=records[0].why,
                    learn=records[0].learn,
                )
                out.append((stub, lambda s=stub, d=domain: [self.mta_sts(s, d)]))
        return out

    def run(self, progress: Progress | None = None) -> list[Row]:
        rows: list[Row] = []
        self.check_zones()
        steps = self.steps()
        for done, (stub, step) in enumerate(steps):
            if progress is not None:
                progress(done, len(steps), f"{stub.type} {stub.name}")
            zone = self.zone_problem(stub.name)
            if zone and stub.kind != "record":
                rows.append(with_(stub, detail=zone))
                continue
            try:
                rows += step()
            except OutOfTime as exc:
                rows.append(with_(stub, detail=str(exc)))
            except Exception as exc:  # noqa: BLE001 - one failing probe must not hide the rest
                rows.append(with_(stub, detail=f"the check failed here: {type(exc).__name__}"))
        if progress is not None:
            progress(len(steps), len(steps), "")
        return rows

    def check_zones(self) -> None:
        for zone in sorted({r.zone for r in self.plan.dns if r.zone}):
            try:
                answer = self.dns.query(zone, "SOA")
            except OutOfTime as exc:
                self.zones[zone] = str(exc)
                continue
            if answer.status == "nxdomain":
                self.zones[zone] = f"{zone} does not exist in DNS (NXDOMAIN): is it delegated?"
            elif not answer.ok and not answer.absent:
                self.zones[zone] = answer.why(zone, "SOA")

    def zone_problem(self, name: str) -> str:
        """Why names under a zone of the plan cannot be checked (it times out...), or ""."""
        name = norm(name)
        for zone, why in self.zones.items():
            if name == zone or name.endswith("." + zone):
                return why
        return ""

    # -- records ----------------------------------------------------------------

    def record(self, stub: Row, records: list, kind: str) -> Row:
        first = records[0]
        if any(r.placeholder for r in records):
            return with_(stub, detail="placeholder in the plan: fill in the value first")
        if first.type == "PTR":
            return self.fcrdns(stub, records)
        if first.zone is None:
            return with_(stub, detail="for internal DNS only: not looked up in public DNS")
        if first.zone in self.zones:
            return with_(stub, detail=self.zones[first.zone])
        rtype = first.type
        answer = self.dns.query(first.name, rtype)
        values = list(answer.values)
        if rtype == "TXT":
            values = [v for v in values if txt_kind(v) == kind] if kind else values
        if rtype == "CNAME" and answer.absent:
            return self.cname_as_addresses(stub, first)
        if answer.absent or (answer.ok and not values):
            return with_(stub, status="missing", detail=answer.why(first.name, rtype))
        if not answer.ok:
            return with_(stub, detail=answer.why(first.name, rtype))
        found = "; ".join(values)
        planned = [r.value for r in records]
        if kind == "v=spf1" and len(values) > 1:
            return with_(
                stub,
                status="differ",
                found=found,
                detail=f"{len(values)} SPF records: receivers treat that as an error "
                "(RFC 7208 §3.2)",
            )
        if kind and not kind.startswith("v=spf1") and rtype == "TXT" and len(values) > 1:
            return with_(stub, status="differ", found=found, detail="more than one record")
        domain = norm(first.name)
        if same(rtype, planned, values, domain):
            return with_(stub, status="match", found=found)
        return with_(
            stub, status="differ", found=found, detail=difference(rtype, planned, values, domain)
        )

    def cname_as_addresses(self, stub: Row, record) -> Row:
        """Address records instead of the planned CNAME are fine when they say the same."""
        target = record.value
        for rtype in ("A", "AAAA"):
            here = self.dns.query(record.name, rtype)
            there = self.dns.query(target, rtype)
            if here.ok and there.ok and same(rtype, list(there.values), list(here.values), ""):
                return with_(
                    stub,
                    status="match",
                    found="; ".join(here.values),
                    detail=f"address records instead of a CNAME, the same as {target}",
                )
        answer = self.dns.query(record.name, "A")
        if answer.ok:
            return with_(
                stub,
                status="differ",
                found="; ".join(answer.values),
                detail=f"not a CNAME, and not the addresses of {target}",
            )
        return with_(stub, status="missing", detail=answer.why(record.name, "CNAME"))

    def fcrdns(self, stub: Row, records: list) -> Row:
        """The reverse name of an outbound address, and that name's way back to it."""
        first = records[0]
        address = dns.reversename.to_address(dns.name.from_text(first.name))
        answer = self.dns.query(first.name, "PTR")
        if answer.absent:
            return with_(stub, status="missing", detail=f"{address} has no reverse name")
        if not answer.ok:
            return with_(stub, detail=answer.why(first.name, "PTR"))
        found = "; ".join(answer.values)
        wanted = {norm(r.value) for r in records}
        names = {norm(v) for v in answer.values}
        if not wanted & names:
            return with_(
                stub, status="differ", found=found, detail=f"the reverse name of {address}"
            )
        back = self.dns.query(next(iter(wanted & names)), "AAAA" if ":" in address else "A")
        if not back.ok or address not in {
            str(canonical("A" if ":" not in address else "AAAA", v, "")) for v in back.values
        }:
            return with_(
                stub,
                status="differ",
                found=found,
                detail=f"the name does not lead back to {address} (not forward-confirmed)",
            )
        return with_(stub, status="match", found=found, detail=f"forward-confirmed: {address}")

    # -- SPF, DKIM ----------------------------------------------------------------

    def spf(self, stub: Row, planned: str) -> Row:
        domain = norm(stub.name)
        record, why = spf.record_of(self.dns, domain)
        if record is None:
            return with_(stub, detail=why)
        walk = spf.count_lookups(self.dns, domain)
        counted = f"{walk.lookups} DNS lookup{'s' if walk.lookups != 1 else ''}"
        if walk.lookups > spf.LOOKUP_LIMIT:
            return with_(
                stub,
                status="differ",
                found=counted,
                detail=f"{counted}: over the limit of {spf.LOOKUP_LIMIT}, so receivers treat "
                "the record as broken (permerror, RFC 7208 §4.6.4)",
            )
        results = []
        for address in self.senders(domain, planned):
            # As a receiver sees it: mail from postmaster@domain, the host saying its name.
            ip = ipaddress.ip_address(address)
            helo = next(
                (h.name for h in self.design.hosts if ip in map(ipaddress.ip_address, h.addresses)),
                domain,
            )
            evaluator = spf.Evaluator(self.dns, address, sender=f"postmaster@{domain}", helo=helo)
            results.append((address, evaluator.check(domain)))
        said = "; ".join(f"{a} {r}" for a, r in results)
        failing = [a for a, r in results if r != "pass"]
        if walk.problems or failing:
            problems = walk.problems + [f"{a} does not pass" for a in failing]
            return with_(
                stub, status="differ", found=f"{counted}; {said}", detail="; ".join(problems)
            )
        return with_(stub, status="match", found=f"{counted}; {said}" if said else counted)

    def senders(self, domain: str, planned: str) -> list[str]:
        """The addresses the planned record authorises by ip4:/ip6:/a: what must pass live."""
        out = []
        for term in planned.split()[1:]:
            low = term.lower().lstrip("+")
            if low.startswith(("ip4:", "ip6:")) and "/" not in low:
                out.append(low[4:])
            elif low == "a" or low.startswith("a:"):
                target = norm(low[2:] or domain)
                out += [
                    r.value
                    for r in self.plan.dns
                    if r.type in ("A", "AAAA") and norm(r.name) == target and r.zone
                ]
        return list(dict.fromkeys(out))

    def dkim(self, stub: Row) -> Row:
        answer = self.dns.query(stub.name, "TXT")
        keys = [v for v in answer.values if txt_kind(v) == "v=dkim1"]
        if answer.absent or (answer.ok and not keys):
            return with_(stub, status="missing", detail=f"no DKIM key at {stub.name}")
        if not answer.ok:
            return with_(stub, detail=answer.why(stub.name, "TXT"))
        if len(keys) > 1:
            return with_(stub, status="differ", detail="more than one DKIM key at the selector")
        found, problem = dkim_key(keys[0])
        if problem:
            return with_(stub, status="differ", found=found, detail=problem)
        return with_(stub, status="match", found=found)


def check(design, plan, options: Options | None = None, progress: Progress | None = None) -> Report:
    """Check what is deployed for ``plan`` (of ``design``); never raises for network trouble.

    ``progress(done, total, what)`` is called before each step ("SMTP mail.example.org")
    and once at the end (done == total), for a page that shows how far a check has got.
    """
    options = options or Options()
    started = time.monotonic()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    c = _Check(design, plan, options)
    rows = c.run(progress)
    return Report(plan.design, now, c.dns.described, time.monotonic() - started, tuple(rows))


__all__ = ["Answer", "Options", "check", "dkim_key"]
