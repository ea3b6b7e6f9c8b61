"""Values and the file header every Postfix file of the export shares."""

from __future__ import annotations

from collections.abc import Iterable

from ...design import Design
from ...plan import HostPlan, Plan
from ..text import comment_lines, reasons

# The level matching Postfix 3.6 to 3.10 (COMPATIBILITY_README); Debian 12 has 3.7.
COMPATIBILITY_LEVEL = "3.6"
RELAY_RESTRICTIONS = "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
# postconf -d parent_domain_matches_subdomains (3.7) without relay_domains (P18).
PARENT_DOMAIN_MATCHES = (
    "debug_peer_list",
    "fast_flush_domains",
    "mynetworks",
    "permit_mx_backup_networks",
    "qmqpd_authorized_clients",
    "smtpd_access_maps",
)
LMTP_SOCKET = "lmtp:unix:private/dovecot-lmtp"
MAP_DIR = "/etc/postfix"
# Debian packages the Postfix files need beyond postfix itself, for the install steps
# (deploy.py): Postfix's SMTP client logs in to a smarthost through Cyrus SASL, whose
# PLAIN and LOGIN mechanisms are in libsasl2-modules, only Suggested by postfix.
DEBIAN_PACKAGES_SASL_CLIENT = ("libsasl2-modules",)


TLS_PROTOCOLS = ">=TLSv1.2"
# Mail filed by local(8) into /var/mail is also the IMAP INBOX: it grows without bound.
MAILBOX_SIZE_LIMIT = "0"


# The map that says which login may send as which address (submission, item D).
SENDER_LOGINS = "sender_logins"


def _header(design: Design, plan: Plan, host: HostPlan, what: str) -> list[str]:
    lines = [
        f"# Postfix {what} for {host.name}",
        *comment_lines(f'Written by Mail Architect from the design "{plan.design}".'),
        "# Target: Postfix 3.6 or later (checked with postconf 3.7).",
        "#",
        *comment_lines("Roles of this host: " + (", ".join(host.roles) or "none") + "."),
    ]
    for role in host.roles:
        for why in reasons(host, role):
            lines += comment_lines(f"{role}: {why}", prefix="#   ")
    return lines


class _MainCf:
    """main.cf being written: settings in order, each with its comment."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: set[str] = set()

    def section(self, title: str) -> None:
        self.lines += ["", "# " + "=" * 74, *comment_lines(title), "# " + "=" * 74]

    def note(self, *text: str) -> None:
        self.lines.append("")
        for t in text:
            self.lines += comment_lines(t)

    def set(self, name: str, value: str | Iterable[str], *why: str) -> None:
        if name in self.names:
            raise ValueError(f"main.cf: {name} written twice")
        self.names.add(name)
        self.lines.append("")
        for w in why:
            self.lines += comment_lines(w)
        self.lines += _setting(name, value)

    def text(self) -> str:
        return "\n".join(self.lines).lstrip("\n") + "\n"


def _setting(name: str, value: str | Iterable[str]) -> list[str]:
    """``name = value``; a long list continues on indented lines."""
    items = [value] if isinstance(value, str) else list(value)
    one = f"{name} = {', '.join(items)}".rstrip()
    if len(one) <= 78 or len(items) < 2:
        return [one]
    out = [f"{name} ="]
    for i, item in enumerate(items):
        out.append("    " + item + ("," if i < len(items) - 1 else ""))
    return out
