"""Values every part of exim4.conf shares, and the writer that keeps its settings in order."""

from __future__ import annotations

from collections.abc import Iterable

from ...plan import HostPlan, Plan
from ..text import comment_lines

CONFDIR = "/etc/exim4"
# Where Exim reads its certificate: copies of certbot's files that Debian-exim may read.
EXIM_CERT = f"{CONFDIR}/exim.crt"
EXIM_KEY = f"{CONFDIR}/exim.key"
# Debian 12's Exim and the packages a configuration needs: the light daemon has no
# dovecot authenticator (exim4 -bV lists "Authenticators: cram_md5 external
# plaintext"); the heavy one has it.
PACKAGE_LIGHT = "exim4-daemon-light"
PACKAGE_HEAVY = "exim4-daemon-heavy"
# Dovecot's sockets as Debian's dovecot-core creates them (base_dir /run/dovecot).
DOVECOT_AUTH_SOCKET = "/run/dovecot/auth-client"
DOVECOT_LMTP_SOCKET = "/run/dovecot/lmtp"
# The user Debian's exim4 runs as once it has bound its ports.
EXIM_USER = "Debian-exim"
# GnuTLS priority string (Debian builds Exim with GnuTLS): TLS 1.2 and later only.
TLS_MANDATORY = "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1"
SUBMISSION_PORTS = (587, 465)
# Where the DKIM private keys go: root's, readable by group Debian-exim (the
# transports run as that user).
DKIM_DIR = f"{CONFDIR}/dkim"
# The transport options that sign, each naming a macro of the main section.
DKIM_OPTIONS = (
    ("dkim_domain", "DKIM_DOMAIN"),
    ("dkim_selector", "DKIM_SELECTOR"),
    ("dkim_private_key", "DKIM_PRIVATE_KEY"),
    ("dkim_canon", "relaxed"),
)
# The comment line that names each key file, which the install steps read.
DKIM_KEY_NOTE = "# DKIM private key of {domain}: {path}"
# The tables this file can name, each a CONFDIR file in lsearch format.
TABLES = ("relay_recipients", "vmailbox", "virtual", "sender_logins", "passwd.client")


def needs_heavy(host: HostPlan) -> bool:
    """Whether the host's Exim checks passwords, which only exim4-daemon-heavy can (Dovecot)."""
    return "submission" in host.roles and bool(_submission_ports(host))


def _submission_ports(host: HostPlan) -> list[int]:
    """The submission ports (587, 465) this host listens on."""
    return [p for p in SUBMISSION_PORTS if any(li.port == p for li in host.listens)]


class _Conf:
    """exim4.conf being written: settings in order, each with its comment."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: set[str] = set()

    def section(self, title: str) -> None:
        self.lines += ["", "# " + "=" * 74, *comment_lines(title), "# " + "=" * 74]

    def begin(self, name: str, *why: str) -> None:
        self.lines += ["", "# " + "#" * 74]
        for w in why:
            self.lines += comment_lines(w)
        self.lines += ["# " + "#" * 74, f"begin {name}"]
        self.names = set()

    def note(self, *text: str) -> None:
        self.lines.append("")
        for t in text:
            self.lines += comment_lines(t)

    def set(self, name: str, value: str, *why: str, indent: str = "") -> None:
        key = name.split()[-1]
        if key in self.names and not indent:
            raise ValueError(f"exim4.conf: {key} written twice")
        if not indent:
            self.names.add(key)
            self.lines.append("")
        for w in why:
            self.lines += comment_lines(w, prefix=indent + "# ")
        self.lines.append(f"{indent}{name} = {value}".rstrip())

    def block(self, name: str, why: Iterable[str], options: Iterable[tuple[str, str] | str]):
        """A router, transport, authenticator or ACL: ``name:`` and indented lines."""
        if name in self.names:
            raise ValueError(f"exim4.conf: {name} written twice")
        self.names.add(name)
        self.lines.append("")
        for w in why:
            self.lines += comment_lines(w)
        self.lines.append(f"{name}:")
        for option in options:
            if isinstance(option, str):
                # A comment line, or a bare option (no_more, check_local_user ...).
                if option.startswith("#"):
                    self.lines += comment_lines(option[1:].strip(), prefix="  # ")
                else:
                    self.lines.append(f"  {option}")
            else:
                key, value = option
                self.lines.append(f"  {key} = {value}".rstrip())

    def raw(self, *lines: str) -> None:
        self.lines += list(lines)

    def text(self) -> str:
        return "\n".join(self.lines).lstrip("\n") + "\n"


def exim_list(items: Iterable[str]) -> str:
    """An Exim list: colon-separated, or with ``<;`` when an item holds a colon (IPv6)."""
    items = list(items)
    if any(":" in item for item in items):
        return "<; " + " ; ".join(items)
    return " : ".join(items)


def _hop(plan: Plan, hop: str) -> tuple[str, str, int, str]:
    """(kind, target, port, name) of a ``relay:[h]`` or ``lmtp:[h]:24`` next hop.

    The target is the host's address when the design knows it (no lookup of a
    name only the internal DNS has, as the Postfix transport table does), else
    its name.
    """
    kind, _, rest = hop.partition(":")
    name = rest.lstrip("[").split("]")[0]
    port_text = rest.rsplit("]:", 1)[1] if "]:" in rest else ""
    port = int(port_text) if port_text.isdigit() else (24 if kind == "lmtp" else 25)
    target = name
    if plan.has_host(name) and plan.host(name).addresses:
        addresses = plan.host(name).addresses
        target = next((a for a in addresses if ":" not in a), addresses[0])
    return kind, target, port, name


def _route_host(target: str) -> str:
    """A host as a manualroute route_list names it.

    route_list items are separated by semicolons, and hosts inside an item by
    colons, which an IPv6 address doubles (``2001::1`` is written ``2001::::1``).
    """
    return target.replace(":", "::")
