"""What changed between two design documents, in words: the design, and the plan it makes.

``design_changes`` compares what the person described (hosts, clients, domains... added,
removed, renamed, and which fields changed); ``plan_changes`` compares what the planner made
of it (roles gained and lost, MX records, DNS records, findings that appeared or were
resolved). Pure Python: no Django, no database.
"""

from __future__ import annotations

from typing import Any

from architect.core.plan import Plan

from .parts import LISTS, SINGULAR

# Past this many lines of one kind, the rest is counted rather than listed.
MAX_LINES = 25


def _value(value: Any) -> str:
    if value is None:
        return "default"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "none"
    return str(value)


def _fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        if key == "name" or old.get(key) == new.get(key):
            continue
        out.append(f"{key.replace('_', ' ')} from {_value(old.get(key))} to {_value(new.get(key))}")
    return out


def _named(document: dict[str, Any], part: str) -> dict[str, dict[str, Any]]:
    entries = document.get(part)
    if not isinstance(entries, list):
        return {}
    return {
        str(item["name"]): item for item in entries if isinstance(item, dict) and "name" in item
    }


def design_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Sentences saying how ``new`` differs from ``old`` as a description."""
    out = []
    if old.get("name") != new.get("name"):
        out.append(f"Renamed the design from “{old.get('name')}” to “{new.get('name')}”.")
    if (old.get("description") or "") != (new.get("description") or ""):
        out.append("Changed the description.")
    for part in LISTS:
        word = SINGULAR[part]
        before, after = _named(old, part), _named(new, part)
        removed = [n for n in before if n not in after]
        added = [n for n in after if n not in before]
        if len(removed) == 1 and len(added) == 1:
            # One out and one in: a rename, perhaps with other changes.
            was, now = removed.pop(), added.pop()
            fields = _fields(before[was], after[now])
            tail = f", and changed {'; '.join(fields)}" if fields else ""
            out.append(f"Renamed {word} {was} to {now}{tail}.")
        out += [f"Removed {word} {n}." for n in removed]
        out += [f"Added {word} {n}." for n in added]
        for name in after:
            if name in before:
                fields = _fields(before[name], after[name])
                if fields:
                    out.append(f"Changed {word} {name}: {'; '.join(fields)}.")
    old_policy, new_policy = old.get("policy") or {}, new.get("policy") or {}
    fields = _fields(old_policy, new_policy)
    if fields:
        out.append(f"Changed the policy: {'; '.join(fields)}.")
    return _capped(out, "changes")


def summary(old: dict[str, Any] | None, new: dict[str, Any], fallback: str) -> str:
    """A short "what changed" for a revision: its first changes, or ``fallback``."""
    if old is None:
        return fallback
    lines = design_changes(old, new)
    if not lines:
        return fallback
    text = " ".join(lines[:3])
    if len(lines) > 3:
        text += f" (and {len(lines) - 3} more changes)"
    return text


def _capped(lines: list[str], what: str) -> list[str]:
    if len(lines) <= MAX_LINES:
        return lines
    return lines[:MAX_LINES] + [f"… and {len(lines) - MAX_LINES} more {what}."]


def plan_changes(old: Plan, new: Plan) -> list[str]:
    """Sentences saying how the plan of the new design differs from the old one's."""
    out: list[str] = []
    old_hosts = {h.name: h for h in old.hosts}
    new_hosts = {h.name: h for h in new.hosts}
    for name, h in new_hosts.items():
        if name not in old_hosts:
            roles = ", ".join(h.roles) or "no mail role"
            out.append(f"{name} joins the plan as {roles}.")
            continue
        gained = [r for r in h.roles if r not in old_hosts[name].roles]
        lost = [r for r in old_hosts[name].roles if r not in h.roles]
        if gained:
            out.append(
                f"{name} gains the role{'s' if len(gained) > 1 else ''} {', '.join(gained)}."
            )
        if lost:
            out.append(f"{name} loses the role{'s' if len(lost) > 1 else ''} {', '.join(lost)}.")
        if h.relayhost != old_hosts[name].relayhost:
            out.append(
                f"{name} now sends through {h.relayhost}."
                if h.relayhost
                else f"{name} no longer sends through a relayhost."
            )
    out += [f"{name} leaves the plan." for name in old_hosts if name not in new_hosts]

    old_mx, new_mx = dict(old.mx), dict(new.mx)
    for domain in sorted(set(old_mx) | set(new_mx)):
        before = [(m.preference, m.host) for m in old_mx.get(domain, ())]
        after = [(m.preference, m.host) for m in new_mx.get(domain, ())]
        if before != after:
            was = ", ".join(f"{p} {h}" for p, h in before) or "none"
            now = ", ".join(f"{p} {h}" for p, h in after) or "none"
            out.append(f"MX of {domain} changes from {was} to {now}.")

    def key(r) -> tuple[str, str, str]:
        return (r.name, r.type, r.value)

    old_dns, new_dns = {key(r) for r in old.dns}, {key(r) for r in new.dns}
    added = [f"{n} {t} {v}" for n, t, v in sorted(new_dns - old_dns)]
    removed = [f"{n} {t} {v}" for n, t, v in sorted(old_dns - new_dns)]
    out += _capped([f"DNS record added: {r}" for r in added], "DNS records added")
    out += _capped([f"DNS record removed: {r}" for r in removed], "DNS records removed")

    def finding_key(f) -> tuple[str, tuple[str, ...]]:
        return (f.code, f.subjects)

    old_findings = {finding_key(f): f for f in old.findings}
    new_findings = {finding_key(f): f for f in new.findings}
    word = {"error": "error", "warning": "warning", "info": "note"}
    out += _capped(
        [
            f"New {word[f.severity]}: {f.message}"
            for k, f in new_findings.items()
            if k not in old_findings
        ],
        "new findings",
    )
    out += _capped(
        [
            f"Resolved {word[f.severity]}: {f.message}"
            for k, f in old_findings.items()
            if k not in new_findings
        ],
        "resolved findings",
    )
    return out
