"""The lab's test clients: SMTP, IMAP, POP3 and DNS, each from inside a lab machine.

They are the standard library's clients (and dnspython's resolver) with one
change: their sockets are made in a lab machine's network namespace, from a
chosen source address, so a check can speak as a stranger on the internet,
a roaming phone or a printer on the office LAN. Every SMTP command and reply
is kept, so a failed check can show its transcript.
"""

from __future__ import annotations

import imaplib
import poplib
import smtplib
import ssl

import dns.message
import dns.query
import dns.rdatatype

from .machine import Machine


def tls_context(ca_pem: str) -> ssl.SSLContext:
    """Verifies the chain to the lab CA; names are the checks' business, not the handshake's."""
    ctx = ssl.create_default_context(cadata=ca_pem)
    ctx.check_hostname = False
    return ctx


class _InMachine:
    machine: Machine
    source: str | None

    def _lab_socket(self, host: str, port: int, timeout: float):
        return self.machine.connect(host, port, timeout=timeout or 15, source=self.source)


class SMTP(_InMachine, smtplib.SMTP):
    """smtplib.SMTP from inside a machine; ``transcript`` holds the whole session."""

    def __init__(self, machine: Machine, source: str | None = None, timeout: float = 15):
        self.machine, self.source = machine, source
        self.transcript: list[str] = []
        super().__init__(timeout=timeout)

    def _get_socket(self, host, port, timeout):
        return self._lab_socket(host, port, timeout)

    def send(self, s):
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
        if not text.startswith("AUTH ") and len(text) < 300:
            self.transcript.append("C: " + text.rstrip("\r\n"))
        elif text.startswith("AUTH "):
            self.transcript.append("C: AUTH ...")
        else:
            self.transcript.append(f"C: ({len(text)} bytes of message)")
        super().send(s)

    def getreply(self):
        code, message = super().getreply()
        text = message.decode("utf-8", "replace").replace("\n", " / ")
        self.transcript.append(f"S: {code} {text}")
        return code, message


class SMTPS(SMTP):
    """SMTP over implicit TLS (port 465, RFC 8314)."""

    def __init__(self, machine, context: ssl.SSLContext, source=None, timeout: float = 15):
        self.context = context
        super().__init__(machine, source, timeout)

    def _get_socket(self, host, port, timeout):
        sock = self._lab_socket(host, port, timeout)
        return self.context.wrap_socket(sock, server_hostname=host)


class IMAP(_InMachine, imaplib.IMAP4_SSL):
    """IMAP over TLS (port 993) from inside a machine."""

    def __init__(self, machine, host, context, port=993, source=None, timeout=15):
        self.machine, self.source = machine, source
        super().__init__(host, port, ssl_context=context, timeout=timeout)

    def _create_socket(self, timeout):
        sock = self._lab_socket(self.host, self.port, timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


class POP3(_InMachine, poplib.POP3_SSL):
    """POP3 over TLS (port 995) from inside a machine."""

    def __init__(self, machine, host, context, port=995, source=None, timeout=15):
        self.machine, self.source = machine, source
        super().__init__(host, port, context=context, timeout=timeout)

    def _create_socket(self, timeout):
        sock = self._lab_socket(self.host, self.port, timeout)
        return self.context.wrap_socket(sock, server_hostname=self.host)


def lookup(machine: Machine, server: str, name: str, rdtype: str) -> list[str]:
    """The answer's values for ``name``/``rdtype``, asked of ``server`` from inside ``machine``."""

    def ask() -> list[str]:
        query = dns.message.make_query(name, dns.rdatatype.from_text(rdtype))
        reply = dns.query.udp(query, server, timeout=3)
        values = []
        for rrset in reply.answer:
            if rrset.rdtype == dns.rdatatype.from_text(rdtype):
                values += [r.to_text() for r in rrset]
        return values

    return machine.in_netns(ask)


def mx_hosts(machine: Machine, server: str, domain: str) -> list[tuple[int, str]]:
    """(preference, host) of a domain's MX records, lowest preference first."""
    out = []
    for value in lookup(machine, server, domain, "MX"):
        pref, host = value.split()
        out.append((int(pref), host.rstrip(".").lower()))
    return sorted(out)
