"""The table files smtpd.conf names: recipients, virtuals, logins, the smarthost login, aliases."""

from __future__ import annotations

from ...design import Design
from ...plan import HostPlan, Plan, relayhost_name
from ..hostfacts import (
    POSTMASTER,
    SYSTEM_ALIASES,
    _no_local_delivery,
    accepted_addresses,
    address_classes,
    last_mta_domains,
    placeholder_users,
    sender_domains,
)
from .common import VMAIL_USER, _origin, _submission_ports


def smtpd_tables(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """The table files smtpd.conf names, by file name (all in CONF_DIR)."""
    out: dict[str, str] = {}
    classes = address_classes(host)
    if classes["relay"] and host.recipient_validation:
        out["relay_recipients"] = _relay_recipients(design, classes["relay"])
    if last_mta_domains(host):
        out.update(_virtuals(design, host, classes))
    if "submission" in host.roles and _submission_ports(host):
        out.update(_logins(design, plan))
    if host.relayhost_auth and host.relayhost:
        out["secrets"] = _secrets(relayhost_name(host.relayhost))
    out["aliases"] = _aliases(host)
    return out


def _relay_recipients(design: Design, relay: list[str]) -> str:
    lines = [
        "# relay_recipients: the addresses accepted for the domains this host passes on,",
        "# one a line; any other is refused at RCPT (no backscatter). From the design's",
        "# user list (domains[].users); postmaster, root and abuse exist in every domain.",
        "",
    ]
    for domain in relay:
        lines += [address for address, _ in accepted_addresses(design, domain)]
    lines += placeholder_users(design, relay, "someone@{domain}")
    return "\n".join(lines) + "\n"


def _virtuals(design: Design, host: HostPlan, classes: dict[str, list[str]]) -> dict[str, str]:
    """virtuals, and aliased when the rewritten addresses need a rule of their own."""
    last = last_mta_domains(host)
    lines = [
        "# virtuals: every address that exists on this last MTA hop before the mailboxes,",
        f"# and where it goes: a mailbox (delivered as {VMAIL_USER}, the owner of the",
        "# mailboxes) or another address (root@ and abuse@ to postmaster@, alias",
        "# domains to their target). Never a catch-all: unknown addresses are refused.",
        "",
    ]
    mailbox_domains = set(classes["virtual_mailbox"])
    for domain in last:
        for address, mailbox in accepted_addresses(design, domain):
            if address != mailbox:
                lines.append(f"{address}\t{mailbox}")
            elif domain in mailbox_domains:
                lines.append(f"{address}\t{VMAIL_USER}")
    lines += placeholder_users(design, last, "someone@{domain}\t" + VMAIL_USER)
    out = {"virtuals": "\n".join(lines) + "\n"}
    if not classes["virtual_mailbox"] and not classes["virtual_alias"]:
        # A gateway before a Dovecot-only store: the rule that sends the rewritten
        # addresses to the aliases action needs them as a list.
        rewritten = [line.split("\t")[0] for line in lines if "\t" in line]
        out["aliased"] = (
            "# aliased: the addresses the virtuals table rewrites, one a line.\n\n"
            + "\n".join(a for a in rewritten if not a.startswith("#"))
            + "\n"
        )
    return out


def _logins(design: Design, plan: Plan) -> dict[str, str]:
    """passwords and sender_logins: who may log in to submit, and as which addresses."""
    owned: dict[str, list[str]] = {}
    for domain in sender_domains(design, plan):
        for address, login in accepted_addresses(design, domain):
            owned.setdefault(login, []).append(address)
    passwords = [
        "# passwords: the submission logins (full addresses, as Dovecot's) and their",
        "# password hashes. Make each with: smtpctl encrypt (it reads the password on",
        "# its input and prints a SHA-512 crypt hash, $6$...), and keep the",
        "# same passwords as Dovecot's users file: OpenSMTPD cannot ask Dovecot.",
        "# Keep this file mode 0640, group opensmtpd.",
        "",
        "# PLACEHOLDER: remove the # and put in each hash. Until then nobody can log in.",
        *[f"#{login}\t$6$FILL-IN" for login in owned],
    ]
    sender_logins = [
        "# sender_logins: each login and the addresses it may send as (listen ... senders).",
        "# root@ and abuse@ belong to the postmaster's login.",
        "",
        *[f"{login}\t{', '.join(addresses)}" for login, addresses in owned.items()],
    ]
    return {
        "passwords": "\n".join(passwords) + "\n",
        "sender_logins": "\n".join(sender_logins) + "\n",
    }


def _secrets(name: str) -> str:
    lines = [
        f"# secrets: the login for the smarthost {name}: the label relay (as in",
        "# the outbound action's URL), then user:password.",
        "# Keep this file mode 0640, group opensmtpd.",
        "",
        "# PLACEHOLDER: remove the # and put in the user name and password the",
        "# provider gave you. Until then the smarthost refuses to take mail.",
        "#relay\tUSERNAME:PASSWORD",
    ]
    return "\n".join(lines) + "\n"


def _aliases(host: HostPlan) -> str:
    names = [POSTMASTER, *SYSTEM_ALIASES]
    origin = _origin(host)
    if _no_local_delivery(host):
        lines = [
            "# aliases: this host delivers nothing itself; its local names go to the same",
            f"# names at {origin} (Postfix: myorigin = $mydomain), by the outbound rule.",
            "",
            *[f"{n}: {n}@{origin}" for n in names],
        ]
    else:
        lines = [
            "# aliases (aliases(5)): local names of this host. Point root at a person who",
            "# reads mail here, or keep Debian's /etc/aliases instead (then name that file",
            "# in the table line).",
            "",
            *[f"{n}: root" for n in names if n != "root"],
            "# PLACEHOLDER: root's mail goes to the mbox of root unless you say who reads it:",
            "#root: someone",
        ]
    return "\n".join(lines) + "\n"
