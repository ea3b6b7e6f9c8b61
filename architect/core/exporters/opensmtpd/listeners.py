"""smtpd.conf's listen lines: port 25 for other servers, the submission ports for logins."""

from __future__ import annotations

from ...plan import HostPlan, Listener
from ..text import reasons
from .common import _Conf, _submission_ports


def _listeners(
    conf: _Conf, host: HostPlan, ports: dict[int, Listener], submission: bool, logins: bool
) -> None:
    _port_25(conf, host, ports)
    if submission:
        _submission_listeners(conf, host, logins)


def _port_25(conf: _Conf, host: HostPlan, ports: dict[int, Listener]) -> None:
    pki = f"pki {host.name}"
    if 25 in ports:
        who = ", ".join(ports[25].open_to)
        conf.line(
            f"listen on 0.0.0.0 port 25 tls {pki} hostname {host.name}",
            f"Port 25 for mail from other servers (reachable by: {who}), IPv4: STARTTLS "
            "offered, never required (a public MX that insists on TLS loses mail from "
            "servers that cannot do it, RFC 3207), and no AUTH here.",
            *(
                [f"Firewall port 25 so that only {who} can reach it."]
                if "internet" not in ports[25].open_to
                else []
            ),
        )
        conf.line(f"listen on :: port 25 tls {pki} hostname {host.name}", "The same, IPv6.")
    else:
        conf.line(
            "listen on 127.0.0.1 port 25",
            "Port 25 on the loopback address only, for local programs that speak SMTP: "
            "nothing else sends mail to this host (Postfix: inet_interfaces = loopback-only).",
        )
        conf.line("listen on ::1 port 25", "The same, IPv6.")


def _submission_listeners(conf: _Conf, host: HostPlan, logins: bool) -> None:
    pki = f"pki {host.name}"
    auth = "auth <passwords>" + (" senders <sender_logins>" if logins else "")
    for port in _submission_ports(host):
        mode = "tls-require" if port == 587 else "smtps"
        why = [
            *(reasons(host, "submission") if port == _submission_ports(host)[0] else []),
            f"Port {port}: mail programs send here after logging in, with "
            + (
                "STARTTLS required before anything else."
                if port == 587
                else "TLS from the first byte (RFC 8314)."
            )
            + " auth: no mail without a login; the passwords are hashes in the passwords "
            "table. senders: a user may send only as the addresses sender_logins gives "
            "that login, so one leaked password cannot send as anyone else "
            "(Postfix: reject_sender_login_mismatch). TLS 1.2 or later: Debian's OpenSSL "
            "refuses older versions by default.",
        ]
        for family, address in (("IPv4", "0.0.0.0"), ("IPv6", "::")):
            conf.line(
                f"listen on {address} port {port} {mode} {pki} hostname {host.name} {auth}",
                *(why if family == "IPv4" else ["The same, IPv6."]),
            )
