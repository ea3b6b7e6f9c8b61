"""DNS exports: one whole zone file per design domain, plus the records that live elsewhere.

``dns/<domain>.zone`` holds every plan record whose ``zone`` is that domain,
wrapped in a placeholder SOA and NS header, so that
``named-checkzone -i local -k fail -m fail -M fail -n fail -S fail <domain> <file>``
accepts it as it stands. ``dns/ptr-requests.txt`` lists the reverse (PTR)
records to ask the owner of each address block for, ``dns/internal.txt`` the
records meant for internal DNS only, and ``dns/other-zones.txt`` public
records for names outside the design's domains.

Nothing here decides which records exist: that is the planner's job
(``planner/dns.py``). This module only writes them down safely and says why
each one is there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..design import Design
from ..plan import LEVELS, DnsRecord, Finding, Plan
from . import Exporter, register
from .zone_lists import internal_records, other_zone_records, ptr_requests
from .zone_syntax import TXT_CHUNK, one_line, rdata, record_line, txt_rdata

# Names the tests, the README writer and the live check read from here.
__all__ = [
    "CHECKZONE_FLAGS",
    "PLACEHOLDER_NS_ADDRESSES",
    "TXT_CHUNK",
    "Layout",
    "ZoneFiles",
    "live_placeholder",
    "one_line",
    "rdata",
    "record_line",
    "txt_rdata",
    "zone_text",
]

# The strict checks the test suite runs on every exported zone (and that the
# bundle README tells people to run): -i local resolves nothing outside the
# zone, and the rest turn the usual warnings into errors.
CHECKZONE_FLAGS = tuple("-i local -k fail -m fail -M fail -n fail -S fail".split())

DEFAULT_TTL = 3600
# Not taken from the clock: the same plan must give the same bytes. A person
# raises it on every change they publish (YYYYMMDDnn is the usual form).
SERIAL = 2026010101
# Placeholder addresses for the placeholder name servers, from the
# documentation ranges (RFC 5737): they can never be someone's real server.
PLACEHOLDER_NS_ADDRESSES = ("192.0.2.53", "198.51.100.53")
NS_LABELS = (("ns1", "ns2"), ("dns1", "dns2"), ("ns1-placeholder", "ns2-placeholder"))

# The record types whose data name another host, and which position holds it.
_TARGET_FIELD = {"MX": 1, "SRV": 3, "CNAME": 0}
SECTIONS = (
    ("mx", "Where mail for the domain goes (MX)"),
    ("address", "Addresses of the mail hosts (A, AAAA)"),
    ("auth", "Who may send mail as the domain (SPF, DKIM, DMARC)"),
    ("transport", "TLS for mail in transit (MTA-STS, TLS-RPT)"),
    ("discovery", "How mail programs find the servers (SRV, autoconfig)"),
    ("other", "Other records"),
)


@register
class ZoneFiles(Exporter):
    """``dns/<domain>.zone`` for every design domain, and the DNS request lists."""

    name = "zone"

    def files(self, design: Design, plan: Plan) -> Iterable[tuple[str, str]]:
        layout = Layout(design, plan)
        for domain in layout.domains:
            yield f"dns/{domain}.zone", zone_text(design, plan, domain, layout)
        for path, text in (
            ("dns/ptr-requests.txt", ptr_requests(design, plan)),
            ("dns/internal.txt", internal_records(design, plan)),
            ("dns/other-zones.txt", other_zone_records(design, plan)),
        ):
            if text is not None:
                yield path, text


# --------------------------------------------------------------------------
# Which zone holds what


def _under(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)


def target_of(record: DnsRecord) -> str | None:
    """The host name an MX, SRV or CNAME record points at; None for the null target."""
    position = _TARGET_FIELD.get(record.type)
    if position is None:
        return None
    fields = record.value.split()
    if len(fields) <= position:
        return None
    target = fields[position].rstrip(".").lower()
    return target or None


@dataclass(frozen=True)
class NameServers:
    """The placeholder name servers of one family of nested zones."""

    names: tuple[str, str]
    home: str  # the zone that holds their (placeholder) addresses


class Layout:
    """How the design's domains nest, and the placeholder name servers of each zone.

    A design may hold both example.org and corp.example.org. The planner puts
    each record in the zone of the longest matching domain; for the parent
    zone to pass ``-n fail``/``-m fail`` and to work once published, it must
    delegate the child with NS records. All zones of one family share the
    placeholder name servers of the topmost domain, as they usually share real
    ones, so the delegation needs no glue.
    """

    def __init__(self, design: Design, plan: Plan) -> None:
        self.domains = sorted(d.name for d in design.domains)
        self.parent: dict[str, str | None] = {}
        for domain in self.domains:
            enclosing = [d for d in self.domains if d != domain and _under(domain, d)]
            self.parent[domain] = max(enclosing, key=len) if enclosing else None
        self.children = {
            domain: [d for d in self.domains if self.parent[d] == domain] for domain in self.domains
        }
        used = self._used_names(design, plan)
        self.servers: dict[str, NameServers] = {}
        for domain in self.domains:
            root = self.root(domain)
            if root not in self.servers:
                self.servers[root] = NameServers(self._free_labels(root, used), root)
            self.servers[domain] = self.servers[root]
        # Names with address records published in some zone file: a placeholder
        # address counts, since it is written live (see ``live_placeholder``).
        self.published = {
            r.name.rstrip(".").lower()
            for r in plan.dns
            if r.type in ("A", "AAAA") and r.zone is not None
        }
        # Each zone's records in plan order, sorted out once rather than by a scan of every
        # record for each of up to a thousand zones.
        self.records: dict[str | None, list[DnsRecord]] = {}
        for r in plan.dns:
            self.records.setdefault(r.zone, []).append(r)
        # The first finding that names each MX target as having no address.
        self.without_address: dict[str, Finding] = {}
        for f in plan.findings:
            if f.code == "mx-without-address":
                for subject in f.subjects:
                    self.without_address.setdefault(subject, f)

    def root(self, domain: str) -> str:
        while self.parent[domain] is not None:
            domain = self.parent[domain]
        return domain

    def delegated(self, zone: str, name: str) -> str | None:
        """The child zone of ``zone`` that ``name`` falls under, if it is delegated away."""
        for child in self.children[zone]:
            if _under(name, child):
                return child
        return None

    @staticmethod
    def _used_names(design: Design, plan: Plan) -> set[str]:
        used = {r.name.rstrip(".").lower() for r in plan.dns}
        used |= {t for r in plan.dns if (t := target_of(r))}
        used |= {h.name for h in design.hosts} | {d.name for d in design.domains}
        used |= {p.host for p in design.providers}
        return used

    @staticmethod
    def _free_labels(root: str, used: set[str]) -> tuple[str, str]:
        # A design host may well be called ns1.<domain>; the placeholders must
        # never add a second, invented address to a real name.
        candidates = list(NS_LABELS) + [(f"ns1-{i}", f"ns2-{i}") for i in range(2, 100)]
        for first, second in candidates:
            names = (f"{first}.{root}", f"{second}.{root}")
            if not any(n in used for n in names):
                return names
        raise ValueError(f"no free placeholder name-server names under {root}")


# --------------------------------------------------------------------------
# Zone file


def live_placeholder(record: DnsRecord) -> bool:
    """Whether a FILL IN record is written live rather than commented out.

    An address placeholder (an MX behind NAT) holds a documentation address
    that reaches no one. Written live, it lets the MX record that points at it
    be published and pass ``-m fail``; commented out, the domain would have no
    working MX at all and senders would give up at once instead of queueing.
    Other placeholders (a DKIM key) stay commented: nothing depends on them.
    """
    return record.placeholder and record.type in ("A", "AAAA")


def _section(record: DnsRecord) -> str:
    name = record.name.lower()
    if record.type == "MX":
        return "mx"
    if record.type in ("A", "AAAA"):
        return "address"
    if record.type == "TXT":
        if record.value.startswith("v=spf1") or "._domainkey." in name or "_dmarc." in name:
            return "auth"
        if name.startswith(("_mta-sts.", "_smtp._tls.")):
            return "transport"
    if record.type == "SRV" or name.startswith("autoconfig."):
        return "discovery"
    return "other"


def _why_unusable(record: DnsRecord, zone: str, plan: Plan, layout: Layout) -> str | None:
    """Why an MX/SRV/CNAME record must stay commented out, or None when it can be published.

    Its target must have address records (RFC 5321 §5.1 for MX, RFC 2782 for
    SRV; ``named-checkzone -m fail`` refuses in-zone targets without them).
    When the plan has none to give, the record is kept as a comment pointing
    at the finding, rather than an address being invented.
    """
    target = target_of(record)
    if target is None:
        return None
    if target in layout.published:
        return None
    is_our_host = plan.has_host(target)
    in_zone = _under(target, zone) and layout.delegated(zone, target) is None
    if not is_our_host and not in_zone:
        return None  # someone else's host (a provider): its own zone answers for it
    finding = layout.without_address.get(target)
    because = (
        f"see the plan's finding {finding.code}: {one_line(finding.message)}"
        if finding
        else f"the design gives {target} no address, so no A/AAAA record can be published"
    )
    return f"{target} has no address record here; {because}"


def _cname_conflict(record: DnsRecord, lines: list[DnsRecord], zone: str) -> str | None:
    if record.type != "CNAME":
        return None
    others = [r for r in lines if r is not record and r.name.lower() == record.name.lower()]
    if others or record.name.rstrip(".").lower() == zone:
        return (
            f"{record.name} also has other records, and a CNAME must stand alone "
            "(RFC 1034 §3.6.2): publish the other records or the alias, not both"
        )
    return None


def _closing_notes(plan: Plan, zone: str, records: list[DnsRecord]) -> list[str]:
    """What the zone still lacks and the reader must know: no MX, no MTA-STS web host."""
    out: list[str] = []
    facts = plan.domain(zone)
    if facts is not None and facts.receives_mail and not plan.mx_for(zone):
        out += [
            "",
            "; ---- No MX record: mail for this domain cannot be delivered ----",
            "; The plan found no host that can receive it from the internet; see its",
            "; error findings (no-inbound-path, mx-behind-nat) for why and what to change.",
        ]
    served = plan.web is not None and any(n.name == f"mta-sts.{zone}" for n in plan.web.names)
    if any(r.name.lower().startswith("_mta-sts.") for r in records) and not served:
        out += [
            "",
            "; ---- No web host serves the MTA-STS policy ----",
            f"; Senders fetch https://mta-sts.{zone}/.well-known/mta-sts.txt, but the plan",
            "; found no internet-facing host to serve it (see the no-web-host finding). Mark",
            "; one with the service web, or point the name at your own web server",
            f"; (mta-sts/{zone}/mta-sts.txt in this bundle) with an A/AAAA or CNAME record.",
        ]
    return out


def zone_text(design: Design, plan: Plan, zone: str, layout: Layout | None = None) -> str:
    """The whole zone file of one design domain: head, SOA and NS, delegations, records."""
    layout = layout or Layout(design, plan)
    records = layout.records.get(zone, [])
    out = _head(design, zone)
    out += _authority(zone, layout)
    for child in layout.children[zone]:
        out += _delegation(child, layout)
    out += _record_sections(plan, zone, records, layout)
    out += _closing_notes(plan, zone, records)
    return "\n".join(out) + "\n"


def _head(design: Design, zone: str) -> list[str]:
    return [
        f"; Zone file for {zone}, generated by Mail Architect",
        f"; Design: {one_line(design.name)}",
        ";",
        "; Each record is preceded by why the plan wants it and how much it matters:",
        ";   required     mail does not work, or is refused, without it",
        ";   recommended  mail works without it, but is less trusted or less safe",
        ";   optional     a convenience",
        "; Records that only you can complete are written commented out with a FILL IN note;",
        "; an address that other records need is written live with a documentation",
        "; address (RFC 5737) and a FILL IN note: replace it before you publish.",
        ";",
        "; Check the file before you publish it:",
        f";   named-checkzone {' '.join(CHECKZONE_FLAGS)} {zone} {zone}.zone",
        "",
        f"$ORIGIN {zone}.",
        f"$TTL {DEFAULT_TTL}",
        "",
    ]


def _authority(zone: str, layout: Layout) -> list[str]:
    """SOA and NS: placeholders the person replaces, with addresses where the zone holds them."""
    servers = layout.servers[zone]
    origin = zone + "."
    out = [
        "; ---- Start of authority and name servers: PLACEHOLDERS ----",
        "; Replace these with your real name servers and hostmaster address.",
        f"; {servers.names[0]} and {servers.names[1]} are placeholders, not real servers.",
        "; If your DNS provider writes the SOA and NS records for you, leave these",
        "; lines out and enter only the records from the sections below.",
        f"{origin:<40} {DEFAULT_TTL:>6} IN SOA   {servers.names[0]}. hostmaster.{zone}. (",
        f"    {SERIAL} ; serial: a placeholder; raise it on every change (YYYYMMDDnn)",
        "    3600       ; refresh: how often secondaries check for changes",
        "    900        ; retry: how soon they try again after a failed check",
        "    1209600    ; expire: when they stop answering without the primary",
        "    3600 )     ; how long resolvers remember that a name does not exist",
    ]
    for ns in servers.names:
        out.append(f"{origin:<40} {DEFAULT_TTL:>6} IN NS    {ns}.")
    if servers.home != zone:
        out.append(f"; The name servers' addresses are in the zone file dns/{servers.home}.zone.")
        return out
    out.append("; Placeholder addresses from the documentation ranges (RFC 5737), so that the")
    out.append("; file passes strict checks: replace them with your name servers' real addresses.")
    for ns, address in zip(servers.names, PLACEHOLDER_NS_ADDRESSES, strict=True):
        out.append(f"{ns + '.':<40} {DEFAULT_TTL:>6} IN A     {address}")
    return out


def _delegation(child: str, layout: Layout) -> list[str]:
    out = [
        "",
        f"; ---- Delegation of {child} ----",
        "; This domain of the design has its own zone file:",
        f";   dns/{child}.zone",
        "; These NS records hand its names over to that zone, so that records pointing",
        "; at hosts under it (an MX, say) resolve. If you keep it inside this zone",
        "; instead, delete these NS lines and add that file's records here.",
    ]
    for ns in layout.servers[child].names:
        out.append(f"{child + '.':<40} {DEFAULT_TTL:>6} IN NS    {ns}.")
    return out


def _record_sections(plan: Plan, zone: str, records: list[DnsRecord], layout: Layout) -> list[str]:
    """The plan's records by section, each after its reason, live or commented out."""
    by_section: dict[str, list[DnsRecord]] = {}
    for r in records:
        by_section.setdefault(_section(r), []).append(r)
    level_rank = {level: i for i, level in enumerate(LEVELS)}
    out: list[str] = []
    for key, heading in SECTIONS:
        section = sorted(
            by_section.get(key, []), key=lambda r: (level_rank.get(r.level, 9), r.name, r.type)
        )
        if not section:
            continue
        out += ["", f"; ---- {heading} ----"]
        for r in section:
            out.append("")
            out.append(f"; [{r.level}] {one_line(r.why)}")
            problems = (_why_unusable(r, zone, plan, layout), _cname_conflict(r, records, zone))
            out += _record(r, "; and ".join(one_line(p).rstrip(".") for p in problems if p))
    return out


def _record(r: DnsRecord, problem: str) -> list[str]:
    if live_placeholder(r):
        return [
            f"; FILL IN: replace {r.value} (a documentation address that reaches no "
            "one) with the real public address before you publish the zone.",
            record_line(r),
        ]
    if r.placeholder:
        return [
            "; FILL IN: replace the value with your own, then remove the leading "
            '"; " to publish it.',
            "; " + record_line(r),
        ]
    if problem:
        return [
            f"; NOT PUBLISHED: {problem}.",
            '; Remove the leading "; " once that is fixed.',
            "; " + record_line(r),
        ]
    return [record_line(r)]
