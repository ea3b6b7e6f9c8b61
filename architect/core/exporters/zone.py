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
each one is there."""

from __future__ import annotations

from collections.abc import Iterable

from ..design import Design
from ..plan import LEVELS, DnsRecord, Plan
from . import Exporter, register
from .zone_layout import Layout, _under, target_of
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
