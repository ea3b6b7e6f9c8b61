"""Writing a design back as a document: every default explicit, or only what differs."""

from __future__ import annotations

import json
from typing import Any

from .model import (
    DEFAULT_PROVIDER_PORT,
    DEFAULT_READS,
    FORMAT,
    PUBLIC_ZONES,
    VERSION,
    Design,
)


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
