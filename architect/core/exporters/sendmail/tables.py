"""The tables sendmail.mc names: access, local-host-names, mailertable, virtusertable and more."""

from __future__ import annotations

import ipaddress

from ...design import Design
from ...plan import HostPlan, Plan, relayhost_name
from ..hostfacts import (
    accepted_addresses,
    has_users,
    is_null_client,
    placeholder_users,
    sender_domains,
)
from ..text import comment_lines, one_line
from .common import (
    MAIL_DIR,
    MAX_ACCESS_ENTRIES,
    NO_SUCH_USER,
    SENDER_LOGINS,
    _local_names,
    dovecot_domains,
)

# The build line in the header of every table that makemap reads.
_BUILD = "# Build: makemap hash {path} < {path}"


def access_networks(block: str) -> list[str]:
    """The access-table keys (without ``Connect:``) covering exactly ``block``.

    sendmail matches network numbers by whole octets (IPv4) or groups (IPv6),
    so a block whose length is not on such a boundary is listed as its
    smaller networks. Never broader than ``block``; empty when that would
    take more than MAX_ACCESS_ENTRIES lines.
    """
    net = ipaddress.ip_network(block, strict=False)
    step = 8 if net.version == 4 else 16
    boundary = -(-net.prefixlen // step) * step
    if 2 ** (boundary - net.prefixlen) > MAX_ACCESS_ENTRIES:
        return []
    out = []
    for sub in net.subnets(new_prefix=boundary) if boundary > net.prefixlen else [net]:
        if net.version == 4:
            out.append(".".join(str(sub.network_address).split(".")[: boundary // 8]))
        else:
            groups = [format(int(g, 16), "x") for g in sub.network_address.exploded.split(":")]
            out.append("IPv6:" + ":".join(groups[: boundary // 16]))
    return out


def sendmail_tables(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """The tables the .mc refers to, by file name."""
    out: dict[str, str] = {}
    if is_null_client(host):
        if host.relayhost_auth and host.relayhost:
            out["authinfo"] = _authinfo(host)
        return out

    out["access"] = _access(design, host)
    out["local-host-names"] = _local_host_names(host)
    mailbox = dovecot_domains(host)
    if host.transport or mailbox:
        out["mailertable"] = _mailertable(host, mailbox)
    if host.alias_domains or mailbox:
        out["virtusertable"] = _virtusertable(design, host, mailbox)
    if host.relayhost_auth and host.relayhost:
        out["authinfo"] = _authinfo(host)
    if "submission" in host.roles:
        out[SENDER_LOGINS] = _sender_logins(design, plan)
    return out


def _access(design: Design, host: HostPlan) -> str:
    """access: Connect: for the trusted networks, To: for the relay domains (or their users)."""
    lines = [
        "# access: who may relay through this host.",
        "# Connect: lines trust a network to send anywhere (outgoing relay);",
        "# To: lines accept mail from anyone for a domain or address (incoming relay).",
        "# Mail from this host itself (127.0.0.1, ::1) is always allowed by sendmail.",
        _BUILD.format(path=f"{MAIL_DIR}/access"),
        "",
    ]
    for block in host.trusted_networks:
        net = ipaddress.ip_network(block, strict=False)
        if net.is_loopback:
            continue
        keys = access_networks(block)
        lines += comment_lines(f"{block}: " + one_line(_trust_reason(host, block)))
        if net.version == 6:
            lines.append(
                "# sendmail matches IPv6 clients by the text of their address: check "
                "with sendmail -bt."
            )
        if not keys:
            lines.append(f"# {block} is too large to list here: add its hosts one by one.")
        lines += [f"Connect:{key}\tRELAY" for key in keys]
    for domain in host.relay_domains:
        if host.recipient_validation:
            # The one list of users (domains[].users) that every store's tables hold too;
            # root and abuse reach postmaster there, so they must pass here as well.
            lines += comment_lines(
                f"{domain}: only these addresses are accepted (relaytofulladdress): the "
                "design's users, postmaster, and root and abuse, which reach postmaster."
            )
            lines += [f"To:{address}\tRELAY" for address, _ in accepted_addresses(design, domain)]
            lines += placeholder_users(design, [domain], "To:someone@{domain}\tRELAY")
        else:
            lines += [
                f"# {domain}: accepted for every address (no recipient list in the plan).",
                f"To:{domain}\tRELAY",
            ]
    return "\n".join(lines) + "\n"


def _local_host_names(host: HostPlan) -> str:
    """local-host-names: class w, the domains the local mailer delivers (never relay domains)."""
    names = _local_names(host)
    return (
        "\n".join(
            [
                "# local-host-names: domains delivered on this host (class w). Relay",
                "# domains are NOT listed: they are passed on, never delivered here.",
                "# The host's own names are added by sendmail itself. No build step.",
                *names,
            ]
        )
        + "\n"
    )


def _mailertable(host: HostPlan, mailbox: list[str]) -> str:
    """mailertable: the next hop of each passed-on domain, and dovecot: for the mailbox domains."""
    lines = [
        "# mailertable: where mail for each domain goes next.",
        "# The brackets skip the MX lookup, so mail cannot loop back here;",
        "# dovecot: is Dovecot's LDA on this host (the dovecot mailer in sendmail.mc).",
        _BUILD.format(path=f"{MAIL_DIR}/mailertable"),
        "",
    ]
    for domain, hop in host.transport:
        target = hop.split(":", 1)[1]
        if hop.startswith("lmtp:"):
            name = target.rsplit(":", 1)[0]
            lines.append(f"{domain}\tlmtp24:{name}")
        else:
            lines.append(f"{domain}\tesmtp:{target}")
    lines += [f"{domain}\tdovecot:{host.name}" for domain in mailbox]
    return "\n".join(lines) + "\n"


def _sender_logins(design: Design, plan: Plan) -> str:
    """address -> login, the same table Postfix's smtpd_sender_login_maps reads."""
    domains = sender_domains(design, plan)
    lines = [
        "# sender_logins: which login may send as which address (Local_check_mail in",
        "# sendmail.mc). A logged-in user who sends as an address not listed here for",
        "# that login is refused (553), so a stolen or shared password cannot forge the",
        "# boss's address. Logins are full addresses, as Dovecot checks them; root@ and",
        "# abuse@ belong to the postmaster's login, an alias address to the same user at",
        "# the target domain.",
        _BUILD.format(path=f"{MAIL_DIR}/{SENDER_LOGINS}"),
        "",
    ]
    for domain in domains:
        lines += [f"{address}\t{login}" for address, login in accepted_addresses(design, domain)]
    lines += placeholder_users(design, domains, "someone@{domain}\tsomeone@{domain}")
    return "\n".join(lines) + "\n"


def _virtusertable(design: Design, host: HostPlan, mailbox: list[str]) -> str:
    """Every address that exists at the mailbox and alias domains, and @domain refused.

    From the one user list (``domains[].users``, postmaster always), the same
    as Dovecot's passwd-file and the Postfix tables. A mailbox maps to itself;
    root@ and abuse@ to postmaster@; a user of an alias domain to the same user
    at its target. Never ``@alias %1@target``: that accepts any address.
    """
    lines = [
        "# virtusertable: the addresses that exist here, one line each, from the",
        "# design's user list (the same users as Dovecot's passwd-file).",
        "# A mailbox maps to itself and goes on to Dovecot (mailertable); root@ and",
        "# abuse@ reach postmaster@, a real mailbox (RFC 5321 4.5.1, RFC 2142); a user",
        "# of an alias domain reaches the same user at the target. @domain is an",
        "# error: an unknown address is refused at RCPT, never accepted and bounced",
        "# later to a forged sender (backscatter).",
        _BUILD.format(path=f"{MAIL_DIR}/virtusertable"),
        "",
    ]
    domains = [*mailbox, *(alias for alias, _ in host.alias_domains)]
    for domain in domains:
        lines += [f"{address}\t{target}" for address, target in accepted_addresses(design, domain)]
        lines.append(f"@{domain}\t{NO_SUCH_USER}")
    missing = [d for d in domains if not has_users(design, d)]
    if missing:
        lines += [
            "",
            "# PLACEHOLDER: the design lists no mailbox users for " + ", ".join(missing) + ",",
            "# so only postmaster (and root, abuse) exist there. Add them to the design",
            "# (domains[].users) and export again: every table gets the same list.",
            *[f"#someone@{d}\tsomeone@{d}" for d in missing],
        ]
    return "\n".join(lines) + "\n"


def _trust_reason(host: HostPlan, block: str) -> str:
    for r in host.reasons:
        if r.subject == "trusted_networks" and block in r.why:
            return r.why
    return "trusted by the plan"


def _authinfo(host: HostPlan) -> str:
    name = relayhost_name(host.relayhost or "")
    return (
        "\n".join(
            [
                f"# authinfo: the login for the smart host {name}.",
                "# Keep this file mode 0600, owned by root.",
                f"# Build: makemap hash {MAIL_DIR}/authinfo < {MAIL_DIR}/authinfo",
                "",
                "# PLACEHOLDER: remove the # and put in the user name and password the",
                "# provider gave you. Until then the smart host refuses to take mail.",
                f'#AuthInfo:{name}\t"U:USERNAME" "I:USERNAME" "P:PASSWORD" "M:PLAIN LOGIN"',
            ]
        )
        + "\n"
    )
