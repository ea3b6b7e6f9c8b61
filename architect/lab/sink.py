"""The internet's mail servers in the lab: one SMTP sink that records what reaches it.

It stands for every server outside the design: the MX of outside domains and
every provider host (smarthost, backup MX, filter, mailbox hosting), each on
its own address and port. It accepts whatever a listener's rules let through
and never sends mail on, so nothing the lab moves can leave it. For each
message it writes one JSON line: which of its addresses and ports was
reached, by whom, with which HELO, envelope, TLS and AUTH, and the message.

Run inside the lab's internet namespace as
``python -m architect.lab.sink CONFIG.json``; the config names the
listeners, the certificate and the logins the smarthost accepts.
"""

from __future__ import annotations

import json
import re
import signal
import ssl
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class SinkSMTP(SMTP):
    """aiosmtpd's server, taking the AUTH= parameter of MAIL (RFC 4954 §5).

    A client that logged in, or that sees AUTH offered, may add ``AUTH=<>`` to
    MAIL FROM (sendmail does); aiosmtpd refuses parameters it does not know.
    """

    async def smtp_MAIL(self, arg):  # noqa: N802
        if arg:
            arg = re.sub(r"\s+AUTH=\S*", "", arg, flags=re.I)
        return await super().smtp_MAIL(arg)


class SinkController(Controller):
    def factory(self):
        return SinkSMTP(self.handler, **self.SMTP_kwargs)


class Recorder:
    """aiosmtpd handler: every accepted message becomes one JSON line."""

    def __init__(self, record: Path, listener: dict) -> None:
        self.record = record
        self.listener = listener
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session, envelope) -> str:  # noqa: N802
        entry = {
            "address": self.listener["address"],
            "port": self.listener["port"],
            "name": self.listener.get("name", ""),
            "peer": session.peer[0] if session.peer else None,
            "helo": session.host_name,
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "tls": session.ssl is not None,
            "auth": _login(session),
            "data": envelope.original_content.decode("utf-8", "replace"),
            "time": time.time(),
        }
        with self.lock, self.record.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, sort_keys=True) + "\n")
        return "250 2.0.0 Ok: recorded by the lab's internet sink"


def _login(session) -> str | None:
    if not session.authenticated:
        return None
    data = session.auth_data
    if isinstance(data, LoginPassword):
        return data.login.decode("utf-8", "replace")
    return str(data)


def _authenticator(logins: dict[str, str]):
    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            return AuthResult(success=logins.get(user) == password, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    return check


def serve(config: dict) -> list[Controller]:
    """Start every listener of ``config``; returns the running controllers."""
    record = Path(config["record"])
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(config["cert"], config["key"])
    logins = config.get("logins", {})
    controllers = []
    for listener in config["listeners"]:
        mode = listener["mode"]  # smtp | submission | smtps
        handler = Recorder(record, listener)
        kwargs: dict = {"decode_data": False, "ident": "lab internet sink"}
        if mode != "smtps":
            kwargs["tls_context"] = tls
        if mode in ("submission", "smtps"):
            kwargs |= {
                "authenticator": _authenticator(logins),
                "auth_required": bool(listener.get("auth", True)),
                "auth_require_tls": True,
                "require_starttls": mode == "submission",
            }
        controller = SinkController(
            handler,
            hostname=listener["address"],
            port=listener["port"],
            ssl_context=tls if mode == "smtps" else None,
            server_hostname=listener.get("name") or None,
            **kwargs,
        )
        controller.start()
        controllers.append(controller)
    return controllers


def main(argv: list[str]) -> int:
    config = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    controllers = serve(config)
    Path(config["ready"]).write_text("ready\n", encoding="utf-8")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    for controller in controllers:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
