"""The plan as plain text, for a person at a terminal (``manage.py plan --format text``)."""

from __future__ import annotations

from .plan import SEVERITIES, Plan


def to_text(plan: Plan) -> str:
    """The plan as plain text for a person at a terminal."""
    out = [f"Mail plan for {plan.design}", ""]
    out.append("MX records")
    for domain, records in plan.mx:
        if not records:
            out.append(f"  {domain}: none")
        for m in records:
            out.append(f"  {domain}  MX {m.preference} {m.host}  ({m.why})")
    out.append("")
    out.append("Hosts")
    for h in plan.hosts:
        out.append(f"  {h.name} [{h.mta}, {h.zone}]: {', '.join(h.roles) or 'no mail role'}")
        if h.final_domains:
            out.append(f"    final domains: {', '.join(h.final_domains)}")
        if h.relay_domains:
            out.append(f"    relay domains: {', '.join(h.relay_domains)}")
        if h.trusted_networks:
            out.append(f"    trusted networks: {', '.join(h.trusted_networks)}")
        if h.relayhost:
            out.append(f"    relayhost: {h.relayhost}")
        if h.delivery:
            out.append(f"    delivery: {h.delivery}")
        for listener in h.listens:
            auth = ", auth" if listener.auth else ""
            out.append(
                f"    listens {listener.port} ({listener.purpose}, TLS {listener.tls}{auth})"
            )
        for r in h.reasons:
            out.append(f"    - {r.subject}: {r.why}")
    out.append("")
    out.append("Flows")
    for f in plan.flows:
        port = f" {f.port}" if f.port else ""
        out.append(f"  [{f.stage}] {f.source} -> {f.target}: {f.protocol}{port}  {f.why}")
    out.append("")
    out.append("DNS records")
    for r in plan.dns:
        out.append(f"  {r.name} {r.type} {r.value}  [{r.level}]")
    out.append("")
    counts = {s: sum(f.severity == s for f in plan.findings) for s in SEVERITIES}
    out.append(
        f"Findings: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes"
    )
    for f in plan.findings:
        out.append(f"  {f.severity.upper()} {f.code}: {f.message}")
    return "\n".join(out) + "\n"
