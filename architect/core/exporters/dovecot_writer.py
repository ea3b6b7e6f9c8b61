"""The dovecot.conf writer (sections, settings, their comments) and what one host needs
of Dovecot, read once from its plan."""

from __future__ import annotations

from dataclasses import dataclass

from ..design import Design
from ..plan import HostPlan, Listener
from .text import comment_lines


class _Conf:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def note(self, *text: str) -> None:
        for t in text:
            self.lines += comment_lines(t, prefix="  " * self.depth + "# ")

    def set(self, name: str, value: str, *why: str) -> None:
        if why and not self.lines[-1].endswith("{"):
            self.lines.append("")
        self.note(*why)
        self.lines.append(f"{'  ' * self.depth}{name} = {value}".rstrip())

    def open(self, section: str, *why: str) -> None:
        if (why or not self.depth) and not self.lines[-1].endswith("{"):
            self.lines.append("")
        self.note(*why)
        self.lines.append(f"{'  ' * self.depth}{section} {{")
        self.depth += 1

    def close(self) -> None:
        self.depth -= 1
        self.lines.append(f"{'  ' * self.depth}}}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


@dataclass(frozen=True)
class _Needs:
    """What one host's Dovecot must do, read once from its plan."""

    ports: dict[int, Listener]
    shell_users: bool
    # Postfix hands mail to the LMTP socket in its queue directory.
    lmtp_socket: bool
    # Exim and OpenSMTPD deliver to Dovecot's own socket, /run/dovecot/lmtp.
    lmtp_run: bool
    # Gateways hand mail over LMTP on port 24.
    lmtp_inet: bool
    # Postfix's submission service checks passwords through the auth socket.
    auth_socket: bool
    # Exim's dovecot authenticator does the same through auth-client.
    exim_auth: bool
    # sendmail's AUTH asks saslauthd, whose rimap logs in to IMAP on 127.0.0.1.
    rimap: bool
    reading: tuple[str, ...]
    # Ports 143/110 opened without TLS for mail programs that cannot do it.
    plaintext: tuple[int, ...]

    @classmethod
    def of(cls, design: Design, host: HostPlan) -> _Needs:
        roles = set(host.roles)
        ports = {listener.port: listener for listener in host.listens}
        lmtp_self = host.delivery == f"lmtp:{host.name}"
        return cls(
            ports=ports,
            shell_users=_shell_users(design, host),
            lmtp_socket=host.mta == "postfix" and lmtp_self,
            lmtp_run=host.mta in ("exim", "opensmtpd") and lmtp_self,
            lmtp_inet=24 in ports,
            auth_socket="submission" in roles and host.mta == "postfix",
            exim_auth="submission" in roles and host.mta == "exim",
            rimap="submission" in roles and host.mta == "sendmail",
            reading=tuple(sorted(roles & {"imap", "pop3"})),
            plaintext=tuple(p for p in (143, 110) if p in ports and ports[p].tls == "none"),
        )

    @property
    def lmtp(self) -> bool:
        return self.lmtp_socket or self.lmtp_inet or self.lmtp_run


def _shell_users(design: Design, host: HostPlan) -> bool:
    try:
        return design.host(host.name).shell_users
    except KeyError:
        return False
