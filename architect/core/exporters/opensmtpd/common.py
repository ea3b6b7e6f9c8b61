"""Paths, packages and ports of an OpenSMTPD host, and the writer every smtpd.conf step uses."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from ...plan import HostPlan, Plan
from ..text import comment_lines

CONF_DIR = "/etc/smtpd"  # the tables; smtpd.conf itself is /etc/smtpd.conf on Debian
DOVECOT_LMTP_SOCKET = "/run/dovecot/lmtp"
# Dovecot's mailboxes belong to this system user (dovecot.VMAIL_UID, created by the
# install steps); OpenSMTPD's LMTP delivery runs as a local user, this one.
VMAIL_USER = "vmail"
PACKAGE = "opensmtpd"
# bookworm's own opensmtpd (6.8.0p2) fails every TLS handshake it serves: its key
# privilege separation does not work with OpenSSL 3 ("missing private key", then an
# alert), so no STARTTLS on 25 and no submission at all. 7.4 in bookworm-backports
# works with the same certbot files.
SUITE = "bookworm-backports"
# DKIM signing: Debian's filter (bookworm's 0.5, for any opensmtpd of 6.6 or later),
# run as the user its package creates, with the keys in a folder of root's that
# this user's group may read.
DKIM_PACKAGE = "opensmtpd-filter-dkimsign"
DKIM_USER = "_dkimsign"
DKIM_DIR = f"{CONF_DIR}/dkim"
DKIM_FILTER = "/usr/libexec/opensmtpd/filter-dkimsign"
# The loopback port of the first domain's signing listener; the next domain's is one more.
DKIM_PORT = 10030


class _Conf:
    """smtpd.conf as it is written: sections, and lines each after the comments saying why."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.lines += ["", "# " + "=" * 74, *comment_lines(title), "# " + "=" * 74]

    def line(self, text: str, *why: str) -> None:
        self.lines.append("")
        for w in why:
            self.lines += comment_lines(w)
        self.lines.append(text)

    def text(self) -> str:
        return "\n".join(self.lines).lstrip("\n") + "\n"


def _quoted(items: Iterable[str]) -> str:
    return "{ " + ", ".join(f'"{i}"' for i in items) + " }"


def _network(block: str) -> str:
    return str(ipaddress.ip_network(block, strict=False))


def _target(plan: Plan, name: str) -> str:
    """A design host's address when the design knows it (IPv4 first), else its name."""
    if plan.has_host(name) and plan.host(name).addresses:
        addresses = plan.host(name).addresses
        address = next((a for a in addresses if ":" not in a), addresses[0])
        return f"[{address}]" if ":" in address else address
    return name


def _submission_ports(host: HostPlan) -> list[int]:
    return [p for p in (587, 465) if any(li.port == p for li in host.listens)]


def _origin(host: HostPlan) -> str:
    """The domain the host's own mail is from: the plan's origin, else its parent domain."""
    return host.origin or host.name.split(".", 1)[1]
