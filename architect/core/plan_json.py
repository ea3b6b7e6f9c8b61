"""The plan as the contract's JSON document (CONTRACT §2), and as canonical JSON text."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plan import DnsRecord, Flow, HostPlan, Plan, WebPlan

FORMAT = "mail-plan"
VERSION = 1


def to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as the contract's JSON document."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "design": plan.design,
        "hosts": {h.name: _host_dict(h) for h in plan.hosts},
        "mx": {
            domain: [{"preference": m.preference, "host": m.host, "why": m.why} for m in records]
            for domain, records in plan.mx
        },
        "flows": [_flow_dict(f) for f in plan.flows],
        "dns": [_record_dict(r) for r in plan.dns],
        "findings": [
            {
                "severity": f.severity,
                "code": f.code,
                "message": f.message,
                "subjects": list(f.subjects),
                "learn": f.learn,
            }
            for f in plan.findings
        ],
        "domains": {
            d.name: {
                "receives_mail": d.receives_mail,
                "mailbox_host": d.mailbox_host,
                "mailbox_at_provider": d.mailbox_at_provider,
                "alias_of": d.alias_of,
                "sends": d.sends,
                "why": d.why,
            }
            for d in plan.domains
        },
        "clients": {
            c.name: {k: v for k, v in c.__dict__.items() if k != "name"} for c in plan.clients
        },
        "providers": {
            p.name: {
                "kind": p.kind,
                "host": p.host,
                "port": p.port,
                "auth": p.auth,
                "domains": list(p.domains),
            }
            for p in plan.providers
        },
        "web": None if plan.web is None else _web_dict(plan.web),
    }


def _flow_dict(f: Flow) -> dict[str, Any]:
    return {
        "stage": f.stage,
        "from": f.source,
        "to": f.target,
        "protocol": f.protocol,
        "port": f.port,
        "auth": f.auth,
        "tls": f.tls,
        "why": f.why,
        "learn": f.learn,
        "domains": list(f.domains),
    }


def _record_dict(r: DnsRecord) -> dict[str, Any]:
    return {
        "name": r.name,
        "type": r.type,
        "value": r.value,
        "ttl": r.ttl,
        "why": r.why,
        "level": r.level,
        "learn": r.learn,
        "zone": r.zone,
        "placeholder": r.placeholder,
    }


def _web_dict(web: WebPlan) -> dict[str, Any]:
    return {
        "host": web.host,
        "names": [{"name": n.name, "domain": n.domain, "serves": n.serves} for n in web.names],
        "why": web.why,
        "learn": web.learn,
    }


def _host_dict(h: HostPlan) -> dict[str, Any]:
    return {
        "roles": list(h.roles),
        "mta": h.mta,
        "network": h.network,
        "zone": h.zone,
        "addresses": list(h.addresses),
        "listens": [
            {
                "port": listener.port,
                "purpose": listener.purpose,
                "protocol": listener.protocol,
                "auth": listener.auth,
                "tls": listener.tls,
                "open_to": list(listener.open_to),
            }
            for listener in h.listens
        ],
        "final_domains": list(h.final_domains),
        "relay_domains": list(h.relay_domains),
        "trusted_networks": list(h.trusted_networks),
        "relayhost": h.relayhost,
        "relayhost_auth": h.relayhost_auth,
        "delivery": h.delivery,
        "transport": dict(h.transport),
        "alias_domains": dict(h.alias_domains),
        "recipient_validation": h.recipient_validation,
        "origin": h.origin,
        "loopback_only": h.loopback_only,
        "dkim_signs": list(h.dkim_signs),
        "reasons": [{"subject": r.subject, "why": r.why, "learn": r.learn} for r in h.reasons],
    }


def dumps(plan: Plan) -> str:
    """The plan as canonical JSON text: same plan, same bytes.

    The bytes are those of ``json.dumps(..., indent=2, sort_keys=True, ensure_ascii=False)``.
    The standard library writes indented JSON with its pure-Python encoder, a generator per
    value, which took seconds for the 40 MB plan of a design at the size limits;
    ``_indented`` writes the same text with one join per list and object.
    """
    data = to_dict(plan)
    try:
        return _indented(data, "\n") + "\n"
    except _Unusual:
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class _Unusual(Exception):
    """A value ``_indented`` leaves to ``json.dumps`` (a key that is not a string, a float)."""


_string = json.encoder.encode_basestring  # the C function when the accelerator is there
_WORDS = {None: "null", True: "true", False: "false"}


def _indented(value: Any, newline: str) -> str:
    # ``newline`` is a line break and the indent of the line the value starts on.
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        items = sorted(value.items())
        if any(type(key) is not str for key, _ in items):
            raise _Unusual()
        body = ("," + inner).join(_string(k) + ": " + _indented(v, inner) for k, v in items)
        return "{" + inner + body + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = newline + "  "
        return "[" + inner + ("," + inner).join(_indented(v, inner) for v in value) + newline + "]"
    if kind is int:
        return int.__repr__(value)
    if value is None or kind is bool:
        return _WORDS[value]
    raise _Unusual()
