"""Sections 5 and 6 of the README: the MTA-STS policies, then the diagram and the findings."""

from __future__ import annotations

from collections.abc import Mapping

from ...design import Design
from ...plan import Plan
from .contents import domain_files
from .markdown import code, md

_FINDING_GROUPS = (
    ("error", "Errors: fix these first"),
    ("warning", "Warnings"),
    ("info", "Notes"),
)


def mta_sts_steps(design: Design, plan: Plan, files: Mapping[str, str]) -> list[str]:
    """Section 5: where each policy is served, and the order to publish it in."""
    out = ["## 5. MTA-STS", ""]
    policies = domain_files(files, "mta-sts", "mta-sts.txt")
    if not policies:
        reason = (
            "MTA-STS is off in the design's policy."
            if design.policy.mta_sts == "none"
            else "No domain of the design receives mail through MX hosts of its own."
        )
        return [*out, reason, ""]
    out += [
        "MTA-STS tells other mail servers to send to your MX hosts only over verified TLS.",
        f"The policy is in **{md(design.policy.mta_sts)}** mode. For each domain:",
        "",
    ]
    for domain in policies:
        out.append(
            f"- {code(f'mta-sts/{domain}/mta-sts.txt')}: serve it at "
            f"`https://mta-sts.{domain}/.well-known/mta-sts.txt`"
        )
    out += _web_host(plan, files)
    out += [
        "",
        "1. Point `mta-sts.<domain>` at a web server (an A/AAAA or CNAME record) with a",
        "   valid certificate for that name, and serve the file as `text/plain`.",
        "2. Only then publish the `_mta-sts` TXT record from the zone file: senders that see",
        "   it fetch the policy, and its `id` tells them when the policy has changed.",
        "3. Every MX host named in the policy needs a certificate for its own name.",
        "4. When the MX hosts or the mode change, export again and replace both the policy",
        "   file and the TXT record: the new `id` makes senders fetch the new policy.",
    ]
    if design.policy.mta_sts == "testing":
        out += [
            "5. In testing mode failures are only reported (to the TLS-RPT address, if set);",
            "   switch the design to enforce once the reports show no failures.",
        ]
    out.append("")
    return out


def _web_host(plan: Plan, files: Mapping[str, str]) -> list[str]:
    """The plan's web host and its nginx site, when the bundle has one."""
    site = f"web/{plan.web.host}/nginx.conf" if plan.web is not None else None
    if site not in files:
        return []
    return [
        "",
        f"{code(plan.web.host)} serves them, and the autoconfig files, with nginx:",
        f"{code(site)} (its reason: {md(plan.web.why)}). Its install script",
        "copies the site to `/etc/nginx/sites-available/mail-architect.conf`, the files",
        "under `/var/www/mail-architect/<domain>/`, runs `nginx -t` and reloads nginx.",
        "The zone points each `mta-sts.` and `autoconfig.` name at it (a CNAME).",
    ]


def diagram_and_findings(plan: Plan, files: Mapping[str, str]) -> list[str]:
    """Section 6: the diagram file, then the plan's findings by severity."""
    out = ["## 6. The diagram and the findings", ""]
    if "diagram.svg" in files:
        out += [
            "`diagram.svg` shows the hosts, the networks they sit on and how mail flows",
            "between them; open it in a web browser.",
            "",
        ]
    if not plan.findings:
        return [*out, "The plan has no findings.", ""]
    for severity, title in _FINDING_GROUPS:
        found = [f for f in plan.findings if f.severity == severity]
        if not found:
            continue
        out += [f"### {title}", ""]
        for f in found:
            out.append(f"- **{md(f.code)}**: {md(f.message)} (explained at {code(f.learn)})")
        out.append("")
    return out
