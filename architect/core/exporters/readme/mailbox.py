"""Section 2 of the README: where each domain's mailboxes live, and Dovecot host by host."""

from __future__ import annotations

from collections.abc import Mapping

from ...plan import Plan
from ..deploy import Install
from .markdown import accounts, code, copies, md, packages


def mailbox_steps(plan: Plan, files: Mapping[str, str], steps: list[Install]) -> list[str]:
    """Section 2, from the bundle's install steps (``steps``, every program's)."""
    out = ["## 2. The mailbox store (Dovecot)", ""]
    out += _mailbox_places(plan)
    dovecots = [i for i in steps if i.program == "dovecot"]
    if not dovecots:
        return [*out, "This bundle has no Dovecot files.", ""]
    for step in dovecots:
        out += _dovecot_step(step, files)
    return out


def _mailbox_places(plan: Plan) -> list[str]:
    """One line per domain with mailboxes: on which host, at which provider, or an alias."""
    stores = [d for d in plan.domains if d.mailbox_host]
    if not stores:
        return []
    out = ["Where the mailboxes of each domain live:", ""]
    for d in stores:
        domain, where = d.name, d.mailbox_host
        if d.alias_of:
            out.append(
                f"- {code(domain)}: an alias of {code(d.alias_of)}, delivered to its mailboxes"
            )
        elif d.mailbox_at_provider:
            provider = plan.provider(where)
            host = f" ({code(provider.host)})" if provider else ""
            out.append(f"- {code(domain)}: at the provider {md(where)}{host}")
        else:
            out.append(f"- {code(domain)}: on {code(where)}")
    out.append("")
    return out


def _dovecot_step(step: Install, files: Mapping[str, str]) -> list[str]:
    """One Dovecot host: packages, the vmail account, the files, the check and the reload."""
    host = step.host
    out = [f"### Dovecot on {code(host)}", ""]
    out += packages(step)
    out += accounts(step)
    out += ["Copy the files to the host:", ""]
    out += copies(step)
    conf = f"dovecot/{host}/dovecot.conf"
    out += ["", "Check and apply:", "", "```sh"]
    if conf in files:
        out += ["# before copying, from this folder", f"doveconf -c {conf} -n"]
    out += [
        "# on the host, after copying: prints the settings, or what is wrong",
        "doveconf -n",
        *step.apply,
        "```",
        "",
    ]
    return out
