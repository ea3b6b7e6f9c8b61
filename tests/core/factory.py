"""Build designs in code for the planner tests: small, named, readable.

d = DesignBuilder("Office")
d.domain("example.org")
d.network("lan", "internal", ["10.0.0.0/24"])
d.host("mail.example.org", "lan", stores_mailboxes=True)
plan = d.plan()
"""

from __future__ import annotations

from typing import Any

from architect.core import design as model
from architect.core.plan import HostPlan, Plan
from architect.core.planner import plan as make_plan


class DesignBuilder:
    def __init__(self, name: str = "Test design") -> None:
        self.doc: dict[str, Any] = {
            "format": "mail-design",
            "version": 1,
            "name": name,
            "domains": [],
            "networks": [],
            "hosts": [],
            "clients": [],
            "providers": [],
            "policy": {},
        }

    def domain(self, name: str, **kw: Any) -> DesignBuilder:
        self.doc["domains"].append({"name": name, **kw})
        return self

    def network(self, name: str, zone: str, cidrs=(), **kw: Any) -> DesignBuilder:
        self.doc["networks"].append({"name": name, "zone": zone, "cidrs": list(cidrs), **kw})
        return self

    def host(self, name: str, network: str, addresses=(), **kw: Any) -> DesignBuilder:
        self.doc["hosts"].append(
            {"name": name, "network": network, "addresses": list(addresses), **kw}
        )
        return self

    def client(self, name: str, kind: str, **kw: Any) -> DesignBuilder:
        self.doc["clients"].append({"name": name, "kind": kind, **kw})
        return self

    def provider(self, name: str, kind: str, host: str, **kw: Any) -> DesignBuilder:
        self.doc["providers"].append({"name": name, "kind": kind, "host": host, **kw})
        return self

    def policy(self, **kw: Any) -> DesignBuilder:
        self.doc["policy"].update(kw)
        return self

    def build(self) -> model.Design:
        return model.load(self.doc)

    def plan(self) -> Plan:
        return make_plan(self.build())


def host(plan: Plan, name: str) -> HostPlan:
    return plan.host(name)


def mx(plan: Plan, domain: str) -> list[tuple[int, str]]:
    return [(m.preference, m.host) for m in plan.mx_for(domain)]


def codes(plan: Plan, severity: str | None = None) -> set[str]:
    return {f.code for f in plan.findings if severity is None or f.severity == severity}


def records(plan: Plan, name: str, rtype: str) -> list[str]:
    fqdn = name.rstrip(".") + "."
    return [r.value for r in plan.dns if r.name == fqdn and r.type == rtype]


def flows(plan: Plan, stage: str | None = None) -> set[tuple[str, str, str, int | None]]:
    return {
        (f.source, f.target, f.protocol, f.port)
        for f in plan.flows
        if stage is None or f.stage == stage
    }
