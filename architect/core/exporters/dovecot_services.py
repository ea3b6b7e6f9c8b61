"""The service sections of dovecot.conf: the LMTP listeners the MTA delivers to and the
auth sockets its submission service checks passwords through."""

from __future__ import annotations

from ..plan import HostPlan
from .dovecot_writer import _Conf, _Needs
from .text import reasons


def _lmtp_services(conf: _Conf, host: HostPlan, needs: _Needs) -> None:
    if needs.lmtp_run and not needs.lmtp_inet:
        conf.open("service lmtp", *reasons(host, "lmtp"))
        _run_lmtp_socket(conf, host)
        conf.close()
    if needs.lmtp_socket or needs.lmtp_inet:
        conf.open("service lmtp", *reasons(host, "lmtp"))
        if needs.lmtp_inet:
            _inet_lmtp(conf, host, needs)
        if needs.lmtp_socket:
            conf.open(
                "unix_listener /var/spool/postfix/private/dovecot-lmtp",
                "The socket Postfix delivers to (virtual_transport = "
                "lmtp:unix:private/dovecot-lmtp), inside its queue directory so it works "
                "chrooted; only Postfix may use it.",
            )
            conf.set("mode", "0600")
            conf.set("user", "postfix")
            conf.set("group", "postfix")
            conf.close()
        conf.close()


def _run_lmtp_socket(conf: _Conf, host: HostPlan) -> None:
    if host.mta == "exim":
        conf.open(
            "unix_listener lmtp",
            "Dovecot's own LMTP socket, /run/dovecot/lmtp, which Exim's dovecot_lmtp "
            "transport delivers to as Debian-exim: only that group may use it.",
        )
        conf.set("mode", "0660")
        conf.set("group", "Debian-exim")
    else:
        conf.open(
            "unix_listener lmtp",
            "Dovecot's own LMTP socket, /run/dovecot/lmtp, which OpenSMTPD's lmtp "
            "action delivers to as the recipient's user: open to local users, as "
            "Dovecot ships it.",
        )
        conf.set("mode", "0666")
    conf.close()


def _inet_lmtp(conf: _Conf, host: HostPlan, needs: _Needs) -> None:
    gateways = ", ".join(needs.ports[24].open_to)
    conf.open(
        "inet_listener lmtp",
        f"LMTP from {gateways} on port 24. LMTP is for trusted hops only (RFC 2033): "
        f"firewall port 24 so that only {gateways} can reach it.",
    )
    if host.addresses:
        conf.set("address", " ".join(host.addresses), "This host's own address.")
    else:
        conf.set(
            "address",
            "*",
            "PLACEHOLDER: the design gives this host no address; put its internal "
            "address here instead of listening everywhere.",
        )
    conf.set("port", "24")
    conf.close()


def _auth_services(conf: _Conf, needs: _Needs) -> None:
    if needs.auth_socket:
        conf.open(
            "service auth",
            "The socket Postfix's submission service checks passwords through "
            "(smtpd_sasl_path = private/auth).",
        )
        conf.open("unix_listener /var/spool/postfix/private/auth")
        conf.set("mode", "0660")
        conf.set("user", "postfix")
        conf.set("group", "postfix")
        conf.close()
        conf.close()
    if needs.exim_auth:
        conf.open(
            "service auth",
            "The socket Exim's submission ports check passwords through (the dovecot "
            "authenticator, server_socket = /run/dovecot/auth-client); Exim runs as "
            "Debian-exim.",
        )
        conf.open("unix_listener auth-client")
        conf.set("mode", "0660")
        conf.set("group", "Debian-exim")
        conf.close()
        conf.close()
