"""The lookup tables main.cf names, each from the design's one list of users."""

from __future__ import annotations

from ...design import Design
from ...plan import HostPlan, Plan
from ..hostfacts import (
    accepted_addresses,
    address_classes,
    literal_hop,
    mailbox_users,
    placeholder_users,
    sender_domains,
)
from .classes import _virtual_entries
from .common import MAP_DIR, SENDER_LOGINS


def tables(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """The lookup tables main.cf refers to, by file name."""
    out: dict[str, str] = {}
    classes = address_classes(host)
    build = "# Build: postmap {path}   (after every change)"
    if host.transport:
        lines = [
            "# transport(5): where mail for each passed-on domain goes next.",
            "# relay:[host] is SMTP to that exact host (the brackets skip the MX lookup);",
            "# lmtp:[host]:24 is LMTP straight to the mailbox store's Dovecot.",
            build.format(path=f"{MAP_DIR}/transport"),
            "",
        ]
        for domain, hop in host.transport:
            literal = literal_hop(plan, hop)
            if literal != hop:
                name = hop.partition(":[")[2].partition("]")[0]
                lines.append(f"# {name} by its address in the design: no name lookup needed.")
            lines.append(f"{domain}\t{literal}")
        out["transport"] = "\n".join(lines) + "\n"
    if classes["relay"] and host.recipient_validation:
        out["relay_recipients"] = _relay_recipients(design, classes["relay"], build)
    virtual = _virtual_entries(design, host)
    if virtual:
        out["virtual"] = _virtual_table(design, host, virtual, build)
    if classes["virtual_mailbox"]:
        out["vmailbox"] = _vmailbox(design, classes["virtual_mailbox"], build)
    if "submission" in host.roles:
        out[SENDER_LOGINS] = _sender_logins(design, plan, build)
    if host.relayhost_auth and host.relayhost:
        lines = [
            "# sasl_passwd: the login for the relay. The key must be spelled exactly like",
            f"# relayhost in main.cf ({host.relayhost}).",
            "# Keep this file mode 0600, owned by root.",
            build.format(path=f"{MAP_DIR}/sasl_passwd"),
            "",
            "# PLACEHOLDER: remove the # and put in the user name and password the",
            "# provider gave you. Until then the relay refuses to take mail.",
            f"#{host.relayhost}\tUSERNAME:PASSWORD",
        ]
        out["sasl_passwd"] = "\n".join(lines) + "\n"
    return out


def _relay_recipients(design: Design, domains: list[str], build: str) -> str:
    lines = [
        "# relay_recipients: the addresses this host accepts for the domains it passes",
        "# on. Any other address is refused during SMTP, so nothing bounces later to a",
        "# forged sender (backscatter). The value is ignored; OK is customary.",
        "# Written from the design's user list (domains[].users), the same list as the",
        "# store's mailboxes; postmaster, root and abuse exist in every domain (RFC 5321",
        "# §4.5.1, RFC 2142) and reach postmaster's mailbox.",
        build.format(path=f"{MAP_DIR}/relay_recipients"),
        "",
    ]
    for domain in domains:
        lines += [f"{address}\tOK" for address, _ in accepted_addresses(design, domain)]
    lines += placeholder_users(design, domains, "someone@{domain}\tOK")
    return "\n".join(lines) + "\n"


def _virtual_table(design: Design, host: HostPlan, virtual: list[str], build: str) -> str:
    lines = [
        "# virtual(5): address rewriting, on the last MTA hop before the mailboxes.",
        "# One line per address, never @alias @target: a catch-all would accept every",
        "# address and bounce the unknown ones later (backscatter). root@ and abuse@",
        "# reach postmaster@, a real mailbox in every domain.",
        build.format(path=f"{MAP_DIR}/virtual"),
        "",
        *virtual,
    ]
    aliases = [a for a, _ in host.alias_domains]
    lines += placeholder_users(design, aliases, "someone@{domain}\tsomeone@<target>")
    return "\n".join(lines) + "\n"


def _vmailbox(design: Design, domains: list[str], build: str) -> str:
    lines = [
        "# vmailbox: the addresses that have a mailbox. Dovecot files the mail; this",
        "# list lets Postfix refuse unknown addresses during SMTP. The value is ignored;",
        "# OK is customary. The same users as Dovecot's passwd-file, from the design.",
        build.format(path=f"{MAP_DIR}/vmailbox"),
        "",
    ]
    for domain in domains:
        lines += [f"{u}@{domain}\tOK" for u in mailbox_users(design, domain)]
    lines += placeholder_users(design, domains, "someone@{domain}\tOK")
    return "\n".join(lines) + "\n"


def _sender_logins(design: Design, plan: Plan, build: str) -> str:
    domains = sender_domains(design, plan)
    lines = [
        "# sender_logins: which login may send as which address (smtpd_sender_login_maps).",
        "# Submission refuses a logged-in user who sends as an address not listed here for",
        "# that login (reject_sender_login_mismatch), so a stolen or shared password cannot",
        "# forge the boss's address. Logins are full addresses, as Dovecot checks them.",
        "# root@ and abuse@ belong to the postmaster's login; an alias address to the",
        "# same user at the target domain.",
        build.format(path=f"{MAP_DIR}/{SENDER_LOGINS}"),
        "",
    ]
    for domain in domains:
        lines += [f"{address}\t{login}" for address, login in accepted_addresses(design, domain)]
    lines += placeholder_users(design, domains, "someone@{domain}\tsomeone@{domain}")
    return "\n".join(lines) + "\n"
