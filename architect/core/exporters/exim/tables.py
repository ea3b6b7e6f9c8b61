"""The lookup files beside exim4.conf: plain lsearch text under CONFDIR, read at every lookup."""

from __future__ import annotations

from ...design import Design
from ...plan import HostPlan, Plan, relayhost_name
from ..hostfacts import (
    accepted_addresses,
    address_classes,
    last_mta_domains,
    mailbox_users,
    placeholder_users,
    sender_domains,
)
from .common import CONFDIR, _submission_ports


def exim_tables(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """The lsearch files exim4.conf names, by file name (all under CONFDIR)."""
    out: dict[str, str] = {}
    classes = address_classes(host)
    if classes["relay"] and host.recipient_validation:
        out["relay_recipients"] = _relay_recipients(design, classes["relay"])
    if classes["virtual_mailbox"]:
        out["vmailbox"] = _vmailbox(design, classes["virtual_mailbox"])
    virtual = [
        f"{address}\t{mailbox}"
        for domain in last_mta_domains(host)
        for address, mailbox in accepted_addresses(design, domain)
        if address != mailbox
    ]
    if virtual:
        out["virtual"] = _virtual(design, host, virtual)
    if "submission" in host.roles and _submission_ports(host):
        out["sender_logins"] = _sender_logins(design, plan)
    if host.relayhost_auth and host.relayhost:
        out["passwd.client"] = _passwd_client(host.relayhost)
    return out


def _relay_recipients(design: Design, domains: list[str]) -> str:
    """The addresses accepted for the domains passed on; any other is refused at RCPT."""
    lines = [
        "# relay_recipients: the addresses this host accepts for the domains it passes",
        "# on; any other is refused at RCPT, so nothing bounces later to a forged",
        "# sender (backscatter). Written from the design's user list (domains[].users),",
        "# the same list as the store's mailboxes; postmaster, root and abuse exist in",
        "# every domain (RFC 5321 §4.5.1, RFC 2142). The value is not used.",
        f"# {CONFDIR}/relay_recipients, read as it is (lsearch).",
        "",
    ]
    for domain in domains:
        lines += [f"{address}\tOK" for address, _ in accepted_addresses(design, domain)]
    lines += placeholder_users(design, domains, "someone@{domain}\tOK")
    return "\n".join(lines) + "\n"


def _vmailbox(design: Design, domains: list[str]) -> str:
    """The addresses that have a mailbox filed by Dovecot."""
    lines = [
        "# vmailbox: the addresses that have a mailbox. Dovecot files the mail; this",
        "# list lets Exim refuse unknown addresses at RCPT. The value is not used.",
        "# The same users as Dovecot's passwd-file, from the design.",
        "",
    ]
    for domain in domains:
        lines += [f"{u}@{domain}\tOK" for u in mailbox_users(design, domain)]
    lines += placeholder_users(design, domains, "someone@{domain}\tOK")
    return "\n".join(lines) + "\n"


def _virtual(design: Design, host: HostPlan, virtual: list[str]) -> str:
    """The alias addresses resolved on the last MTA hop, one line per address."""
    aliases = [a for a, _ in host.alias_domains]
    lines = [
        "# virtual: address rewriting on the last MTA hop before the mailboxes (the",
        "# virtual_aliases router). One line per address, never a catch-all: root@ and",
        "# abuse@ reach postmaster@, a real mailbox in every domain.",
        "",
        *virtual,
        *placeholder_users(design, aliases, "someone@{domain}\tsomeone@<target>"),
    ]
    return "\n".join(lines) + "\n"


def _sender_logins(design: Design, plan: Plan) -> str:
    """Which login may send as which address."""
    domains = sender_domains(design, plan)
    lines = [
        "# sender_logins: which login may send as which address (acl_check_mail).",
        "# A logged-in user who sends as an address not given here to that login is",
        "# refused. Logins are full addresses, as Dovecot checks them; root@ and abuse@",
        "# belong to the postmaster's login.",
        "",
    ]
    for domain in domains:
        lines += [f"{address}\t{login}" for address, login in accepted_addresses(design, domain)]
    lines += placeholder_users(design, domains, "someone@{domain}\tsomeone@{domain}")
    return "\n".join(lines) + "\n"


def _passwd_client(relayhost: str) -> str:
    """The smarthost login, a placeholder until the user puts in what the provider gave."""
    name = relayhost_name(relayhost)
    return (
        "\n".join(
            [
                f"# passwd.client: the login for the smarthost {name}, as",
                "# host: user:password (the password may not contain a colon).",
                "# Keep this file mode 0640, owner root, group Debian-exim.",
                "",
                "# PLACEHOLDER: remove the # and put in the user name and password the",
                "# provider gave you. Until then the smarthost refuses to take mail.",
                f"#{name}: USERNAME:PASSWORD",
            ]
        )
        + "\n"
    )
