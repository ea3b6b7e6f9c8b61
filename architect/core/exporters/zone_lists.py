"""The DNS records that do not go into the design's zone files.

``dns/ptr-requests.txt``: the reverse records to ask each address block's owner
for. ``dns/internal.txt``: records for internal DNS only. ``dns/other-zones.txt``:
public records for names outside the design's domains.
"""

from __future__ import annotations

import ipaddress

from ..design import PUBLIC_ZONES, Design
from ..plan import DnsRecord, Plan
from .zone_syntax import one_line, record_line


def _address_of_ptr(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    labels = name.rstrip(".").lower().split(".")
    try:
        if labels[-2:] == ["in-addr", "arpa"]:
            return ipaddress.IPv4Address(".".join(reversed(labels[:-2])))
        if labels[-2:] == ["ip6", "arpa"]:
            digits = "".join(reversed(labels[:-2]))
            return ipaddress.IPv6Address(":".join(digits[i : i + 4] for i in range(0, 32, 4)))
    except ValueError:
        return None
    return None


def _block_of(design: Design, address) -> str:
    """The address block a PTR belongs to: the design network holding it, else a /24 or /48."""
    for network in design.networks:
        for cidr in network.cidrs:
            block = ipaddress.ip_network(cidr)
            if block.version == address.version and address in block:
                return f"{block} (network {network.name})"
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def ptr_requests(design: Design, plan: Plan) -> str | None:
    """The PTR records to ask each address block's owner for, or None when there are none."""
    records = [r for r in plan.dns if r.type == "PTR" and r.zone is None]
    if not records:
        return None
    blocks: dict[str, list[tuple[object, DnsRecord]]] = {}
    for r in records:
        address = _address_of_ptr(r.name)
        block = _block_of(design, address) if address is not None else "other"
        blocks.setdefault(block, []).append((address, r))
    out = [
        "Reverse DNS (PTR) records to request",
        "",
        "Reverse DNS for an address is set by whoever runs its address block: your",
        "internet or hosting provider, usually through a support request or a control",
        "panel. Send them the lines of each block below. Receivers check that the name",
        "an address points back to has that same address (forward-confirmed reverse DNS).",
    ]
    for block in sorted(blocks):
        out += ["", f"Address block {block}"]
        for address, r in sorted(blocks[block], key=lambda item: (str(item[0]), item[1].name)):
            out.append(f"  {address}  ->  {r.value}")
            out.append(f"      record: {r.name} PTR {r.value}")
            out.append(f"      why: {one_line(r.why)}")
    return "\n".join(out) + "\n"


def _internal_only(record: DnsRecord, plan: Plan) -> bool:
    name = record.name.rstrip(".").lower()
    # The planner leaves ``zone`` empty both for inside hosts (internal DNS)
    # and for public names under none of the design's domains: the host's
    # network tells them apart.
    return plan.has_host(name) and plan.host(name).zone not in PUBLIC_ZONES


def internal_records(design: Design, plan: Plan) -> str | None:
    """Records for the internal DNS only (inside hosts), or None when there are none."""
    records = [
        r for r in plan.dns if r.zone is None and r.type != "PTR" and _internal_only(r, plan)
    ]
    if not records:
        return None
    out = [
        "; Records for your internal DNS only",
        ";",
        "; These hosts are not reachable from the internet, so their names belong in the",
        "; DNS that your own networks use (a split-horizon view, or /etc/hosts), never in",
        "; the public zone. The lines are in zone-file syntax with absolute names.",
    ]
    for r in records:
        out += ["", f"; [{r.level}] {one_line(r.why)}", record_line(r)]
    return "\n".join(out) + "\n"


def other_zone_records(design: Design, plan: Plan) -> str | None:
    """Public records for names under none of the design's domains, or None."""
    records = [
        r for r in plan.dns if r.zone is None and r.type != "PTR" and not _internal_only(r, plan)
    ]
    if not records:
        return None
    out = [
        "; Public records for names outside this design's domains",
        ";",
        "; These names fall under no domain of the design, so no zone file here holds",
        "; them. Publish them in the zone that does (ask whoever runs it).",
    ]
    for r in records:
        out += ["", f"; [{r.level}] {one_line(r.why)}", record_line(r)]
    return "\n".join(out) + "\n"
