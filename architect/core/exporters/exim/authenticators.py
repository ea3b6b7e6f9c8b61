"""The authenticators section: SMTP AUTH as a server (Dovecot checks) and as a client."""

from __future__ import annotations

from ...plan import HostPlan, relayhost_name
from ..text import reasons
from .common import DOVECOT_AUTH_SOCKET, EXIM_USER, _Conf


def _authenticators(conf: _Conf, host: HostPlan, submission: bool) -> None:
    """PLAIN and LOGIN on the submission ports, and the login to a smarthost."""
    conf.begin("authenticators", "Authenticators: SMTP AUTH, as a server and as a client.")
    if submission:
        for mech in ("PLAIN", "LOGIN"):
            conf.block(
                f"dovecot_{mech.lower()}",
                [
                    *(reasons(host, "submission") if mech == "PLAIN" else []),
                    f"{mech}: passwords are checked by Dovecot's auth service on this host "
                    f"(dovecot/{host.name}/dovecot.conf in this bundle), through its "
                    f"auth-client socket, which {EXIM_USER} may use. Only inside TLS."
                    + (
                        " LOGIN is still needed by some older mail programs."
                        if mech == "LOGIN"
                        else ""
                    ),
                ],
                [
                    ("driver", "dovecot"),
                    ("public_name", mech),
                    ("server_socket", DOVECOT_AUTH_SOCKET),
                    ("server_set_id", "$auth1"),
                    ("server_advertise_condition", "${if def:tls_in_cipher}"),
                ],
            )
    if host.relayhost_auth and host.relayhost:
        name = relayhost_name(host.relayhost)
        entry = "${lookup{$host}lsearch{CONFDIR/passwd.client}{$value}fail}"
        conf.block(
            "smarthost_login",
            [
                f"Log in to {name}, which relays only for its customers: the user name "
                "and password come from CONFDIR/passwd.client (host: user:password). "
                "Without an entry this authenticator is not used, and the smarthost "
                "refuses the mail (it waits in the queue).",
            ],
            [
                ("driver", "plaintext"),
                ("public_name", "PLAIN"),
                (
                    "client_send",
                    "<; ^${extract{1}{:}{" + entry + "}}^${extract{2}{:}{" + entry + "}}",
                ),
            ],
        )
