"""Section 1 of the README: publish the zones, ask for reverse DNS, internal and outside names."""

from __future__ import annotations

from collections.abc import Mapping

from ...plan import Plan
from ..zone import CHECKZONE_FLAGS
from .markdown import code


def dns_steps(plan: Plan, files: Mapping[str, str]) -> list[str]:
    """Section 1: the zone files, then the DNS lists that are not zones."""
    zones = sorted(p for p in files if p.startswith("dns/") and p.endswith(".zone"))
    out = ["## 1. DNS", "", "### Publish the zone records", ""]
    if not zones:
        return [*out, "This bundle has no zone files.", ""]
    out += _zone_steps(plan, files, zones)
    out += _other_lists(files)
    return out


def _zone_steps(plan: Plan, files: Mapping[str, str], zones: list[str]) -> list[str]:
    """The zone files, how to check them, and what to fill in before publishing."""
    out = ["Each domain of the design has a whole zone file:", ""]
    for path in zones:
        domain = path[len("dns/") : -len(".zone")]
        out.append(f"- {code(path)}: the records for {code(domain)}")
    flags = " ".join(CHECKZONE_FLAGS)
    out += [
        "",
        "Every record is preceded by a comment that says why it is there and whether it",
        "is required, recommended or optional. Check a file before you publish it",
        "(`named-checkzone` comes with BIND, in Debian's `bind9-utils` package):",
        "",
        "```sh",
        *(f"named-checkzone {flags} {p[len('dns/') : -len('.zone')]} {p}" for p in zones),
        "```",
        "",
        "It prints `OK` for a good file. Then:",
        "",
        "- The SOA and NS records at the top are **placeholders**: replace them with your",
        "  real name servers (or leave them out if your DNS provider writes them for you),",
        "  and raise the serial number whenever you change the zone.",
        "- If your DNS provider has a web form instead of zone files, enter the records of",
        "  each section by hand: name, type, value and TTL are all on the record's line.",
    ]
    out += _zone_notes(plan, files, zones)
    out += [
        "",
        "Once published, `dig +short MX <domain>` and `dig +short TXT <domain>` should show",
        "the new records.",
        "",
    ]
    return out


def _zone_notes(plan: Plan, files: Mapping[str, str], zones: list[str]) -> list[str]:
    """The notes for records left commented out, and for delegated inner domains."""
    out: list[str] = []
    if any(r.placeholder for r in plan.dns if r.zone is not None):
        out += [
            "- Records marked **FILL IN** (the DKIM key) are commented out: put in the value",
            "  your software gives you, then remove the leading `; ` to publish them.",
        ]
    if any("; NOT PUBLISHED:" in files[p] for p in zones):
        out += [
            "- Records marked **NOT PUBLISHED** cannot work as the plan stands (most often they",
            "  point at a host the design gives no address); the note above each says why.",
            "  They stay commented out until that is fixed in the design.",
        ]
    if any(len(p.split("/")) == 2 and "; ---- Delegation of" in files[p] for p in zones):
        out += [
            "- Where one domain of the design lies inside another, the outer zone delegates",
            "  the inner one with NS records; both zone files must be published.",
        ]
    return out


def _other_lists(files: Mapping[str, str]) -> list[str]:
    """The PTR requests, the internal names and the names outside the design's domains."""
    out: list[str] = []
    if "dns/ptr-requests.txt" in files:
        out += [
            "### Ask for reverse DNS (PTR)",
            "",
            "Reverse DNS is set by whoever runs each address block, usually your internet or",
            "hosting provider. Send them the lines of `dns/ptr-requests.txt`: receivers",
            "distrust mail from an address whose reverse name does not lead back to it.",
            "",
        ]
    if "dns/internal.txt" in files:
        out += [
            "### Internal DNS",
            "",
            "`dns/internal.txt` holds the names of hosts that only your own networks reach.",
            "Put them in your internal DNS (or `/etc/hosts`), never in the public zone.",
            "",
        ]
    if "dns/other-zones.txt" in files:
        out += [
            "### Names outside your domains",
            "",
            "`dns/other-zones.txt` holds public records for names under none of your",
            "domains: ask whoever runs those zones to publish them.",
            "",
        ]
    return out
