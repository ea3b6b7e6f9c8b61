"""The main section's listening: the daemon's ports and interfaces, and TLS on them."""

from __future__ import annotations

from ...plan import HostPlan
from .common import EXIM_CERT, EXIM_KEY, EXIM_USER, TLS_MANDATORY, _Conf, _submission_ports


def _listeners(conf: _Conf, host: HostPlan, ports: dict, null_client: bool) -> None:
    """daemon_smtp_ports, port 465's TLS, and loopback-only port 25 where nothing sends here."""
    smtp_ports = [p for p in (25, 465, 587) if p in ports]
    if 25 not in smtp_ports:
        smtp_ports = [25, *smtp_ports]
    who = ", ".join(ports[25].open_to) if 25 in ports else ""
    why = []
    if 25 in ports:
        why.append(f"Port 25, the SMTP server for mail from other servers (reachable by: {who}).")
        if "internet" not in ports[25].open_to:
            why.append(
                f"Firewall port 25 so that only {who} can reach it: nothing else sends here."
            )
    for port in _submission_ports(host):
        kind = "STARTTLS" if port == 587 else "TLS from the first byte (RFC 8314)"
        why.append(f"Port {port}: mail programs send here after logging in, with {kind}.")
    conf.set("daemon_smtp_ports", " : ".join(map(str, smtp_ports)), *why)
    if 465 in ports:
        conf.set(
            "tls_on_connect_ports",
            "465",
            "Port 465 speaks TLS from the first byte (submissions, RFC 8314).",
        )
    if 25 not in ports:
        interfaces = ["[127.0.0.1]:25", "[::1]:25"]
        for port in smtp_ports[1:]:
            interfaces += [f"[0.0.0.0]:{port}", f"[::0]:{port}"]
        conf.set(
            "local_interfaces",
            "<; " + " ; ".join(interfaces),
            "Port 25 answers on the loopback address only, for local programs that speak "
            "SMTP: nothing else sends mail to this host"
            + (" (Postfix: inet_interfaces = loopback-only)." if null_client else "."),
        )
    _tls(conf, host, ports)


def _tls(conf: _Conf, host: HostPlan, ports: dict) -> None:
    """STARTTLS offered wherever something connects, with the host's certificate."""
    if not (ports.keys() & {25, 465, 587}):
        conf.set(
            "tls_advertise_hosts",
            "",
            "No STARTTLS: nothing but local programs connects, over the loopback address.",
        )
        return
    conf.set(
        "tls_advertise_hosts",
        "*",
        "Offer STARTTLS to everyone. On port 25 it is never required: a public MX that "
        "insists on TLS loses mail from servers that cannot do it (RFC 3207).",
    )
    conf.set(
        "tls_certificate",
        EXIM_CERT,
        f"PLACEHOLDER: the certificate chain for {host.name}. Exim reads it as "
        f"{EXIM_USER} when a client asks for STARTTLS, and certbot's own folder "
        "(/etc/letsencrypt/live) is root's alone, so its certbot deploy hook copies "
        f"fullchain.pem here with group {EXIM_USER} (the README's certificate step); "
        "Debian's exim4-config uses the same two paths.",
    )
    conf.set(
        "tls_privatekey",
        EXIM_KEY,
        f"PLACEHOLDER: its private key, copied from privkey.pem the same way (mode 0640, "
        f"group {EXIM_USER}); without it TLS fails and submission cannot log in.",
    )
    if _submission_ports(host):
        conf.set(
            "tls_require_ciphers",
            "${if =={$received_port}{25}{NORMAL}{" + TLS_MANDATORY + "}}",
            "Where TLS is required (the submission ports), only TLS 1.2 and later: older "
            "versions have known weaknesses (RFC 8996). Port 25 takes what the other "
            "server offers (a GnuTLS priority string: Debian builds Exim with GnuTLS).",
        )
