"""Section 4 of the README: automatic set-up files, and a settings table per kind of client."""

from __future__ import annotations

from collections.abc import Mapping

from ...design import CLIENT_KINDS
from ...plan import ClientPlan, Plan
from .contents import domain_files
from .markdown import code, md

KIND_TITLES = {
    "desktop": "Desktop mail programs",
    "mobile": "Phones and tablets",
    "webmail": "Webmail",
    "terminal": "Mail readers on a shell host",
    "application": "Applications and scripts that send mail",
    "device": "Devices (printers, scanners, appliances)",
}


def client_steps(plan: Plan, files: Mapping[str, str]) -> list[str]:
    """Section 4: where the autoconfig files are served, then every client's settings."""
    out = ["## 4. Mail clients", ""]
    out += _automatic_setup(files)
    out += ["### Settings for each kind of client", ""]
    if not plan.clients:
        return [*out, "The design lists no clients.", ""]
    out += [
        "For people who set up their mail program by hand, and for the programs and",
        "devices that cannot use automatic set-up:",
        "",
    ]
    for kind in CLIENT_KINDS:
        clients = [c for c in plan.clients if c.kind == kind]
        if clients:
            out += _client_table(plan, kind, clients)
    return out


def _automatic_setup(files: Mapping[str, str]) -> list[str]:
    """The autoconfig files and the two addresses each is served at."""
    autoconfig = domain_files(files, "autoconfig", "config-v1.1.xml")
    out = ["### Automatic set-up", ""]
    if not autoconfig:
        return [*out, "No domain has servers the design can name for automatic set-up.", ""]
    out += [
        "Thunderbird and many other mail programs set themselves up from a small file",
        "when a person types their address. Serve each file over HTTPS at both addresses",
        "(with `Content-Type: text/xml`):",
        "",
    ]
    for domain in autoconfig:
        path = f"autoconfig/{domain}/config-v1.1.xml"
        where = (
            f"`https://autoconfig.{domain}/mail/config-v1.1.xml` and "
            f"`https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml`"
        )
        out.append(f"- {code(path)}: {where}")
    out += [
        "",
        "The name `autoconfig.<domain>` must point at the web server that serves the file;",
        "the zone files carry that record where the plan has a public web host for it.",
        "",
    ]
    return out


def _client_table(plan: Plan, kind: str, clients: list[ClientPlan]) -> list[str]:
    """The table of one kind of client: where each sends and reads, on which ports."""
    out = [
        f"#### {KIND_TITLES.get(kind, kind)}",
        "",
        "| Client | How many | Domain | Sends through | Port, security | Reads from "
        "| Port, security | User name |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in clients:
        send, send_port = _send_cell(plan, c)
        read, read_port = _read_cell(plan, c)
        out.append(
            f"| {md(c.name)} | {c.count} | {code(c.domain)} | {send} | {send_port} "
            f"| {read} | {read_port} | {_username(c)} |"
        )
    out.append("")
    return out


def _send_cell(plan: Plan, c: ClientPlan) -> tuple[str, str]:
    if c.send_via is None:
        return "cannot send (see the findings)", "–"
    if c.send_protocol == "sendmail-command":
        return f"the `sendmail` command on {code(c.send_via)}", "–"
    via = _server_name(plan, c.send_via)
    auth = ", password" if c.send_auth else ", no password"
    return via, f"{c.send_port} {md(c.send_security or 'none')}{auth}"


def _read_cell(plan: Plan, c: ClientPlan) -> tuple[str, str]:
    if c.read_via is None:
        return "–", "–"
    if c.read_protocol == "local":
        return f"locally on {code(c.read_via)}", "–"
    protocol = (c.read_protocol or "").upper()
    via = f"{protocol} on {_server_name(plan, c.read_via)}"
    return via, f"{c.read_port} {md(c.read_security or 'none')}"


def _server_name(plan: Plan, via: str) -> str:
    provider = plan.provider(via)
    if provider is not None:
        return f"{code(provider.host)} (provider {md(provider.name)})"
    return code(via)


def _username(c: ClientPlan) -> str:
    if c.username == "full address":
        return f"the full address (user@{md(c.domain)})"
    return md(c.username or "–")
