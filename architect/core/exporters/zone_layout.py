"""Which zone file holds which record: the design's domains, the parents that delegate
to their children, the placeholder name servers of each zone."""

from __future__ import annotations

from dataclasses import dataclass

from ..design import Design
from ..plan import DnsRecord, Finding, Plan

NS_LABELS = (("ns1", "ns2"), ("dns1", "dns2"), ("ns1-placeholder", "ns2-placeholder"))

# The record types whose data name another host, and which position holds it.
_TARGET_FIELD = {"MX": 1, "SRV": 3, "CNAME": 0}


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
