"""Exim configuration: one monolithic exim4.conf, and its lookup files, per Exim host.

The form is the one the Exim specification documents (chapter "The Exim run
time configuration file"): main settings, then ``begin acl``, ``begin
routers``, ``begin transports`` and ``begin authenticators``. Debian's
split configuration (exim4-config, update-exim4.conf) is not used: the file
goes to ``/etc/exim4/exim4.conf``, which Debian's exim4 reads in preference
to the generated one, and is checked with ``exim4 -bV -C FILE``.

Like the Postfix exporter, this only translates the host's plan; nothing is
decided again, and every setting carries the plan's reason as a comment.
The same decisions in Exim's words:

- ``trusted_networks`` is ``hostlist relay_from_hosts``; the RCPT ACL lets
  them, and users who logged in, send anywhere, and everyone else only to
  the domains below (never an open relay);
- ``final_domains`` are ``domainlist local_domains`` (mbox or maildir,
  delivered by appendfile to accounts of this host) or ``mailbox_domains``
  (handed to Dovecot over LMTP, refused at RCPT unless listed in
  ``vmailbox``); ``alias_domains`` are ``alias_domains``, resolved on the
  last MTA hop one address at a time from ``virtual``;
- ``relay_domains`` are ``relay_to_domains``, accepted only for the addresses
  in ``relay_recipients`` (the design's user list) and routed by
  ``transport`` (manualroute to the store, SMTP or LMTP) or by their MX;
- ``relayhost`` (and ``relayhost_auth``) is a manualroute router to the hub
  or smarthost, with its port, verified TLS and a client login;
- ``listens`` are ``daemon_smtp_ports``: TLS offered on 25 with no AUTH
  there, and submission on 587/465 with TLS and AUTH required, passwords
  checked by Dovecot (the dovecot authenticator, in exim4-daemon-heavy);
- VRFY and EXPN are refused;
- ``dkim_signs`` is Exim's own DKIM signing in the transports that carry
  mail out (remote_smtp, and the smarthost or hub transport): mail from this
  host, its trusted networks and logged-in users is signed with the key of
  its From domain, from ``CONFDIR/dkim/<selector>.<domain>.private``.

Paths are written under the macro ``CONFDIR`` (``/etc/exim4``), as Debian's
own configuration does, so a check can point them elsewhere with
``-DCONFDIR=DIR`` without editing the file.

The file is written in the order Exim reads it, one module per part:
``main`` (the header and the main section, with ``domains``, ``dkim`` and
``listening``), ``acl``, ``routers``, ``transports``, ``authenticators``;
``tables`` writes the lookup files and ``common`` holds what they share.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...design import Design
from ...plan import HostPlan, Plan
from .. import Exporter, register
from .common import (
    CONFDIR,
    DKIM_DIR,
    DKIM_KEY_NOTE,
    DKIM_OPTIONS,
    DOVECOT_AUTH_SOCKET,
    DOVECOT_LMTP_SOCKET,
    EXIM_CERT,
    EXIM_KEY,
    EXIM_USER,
    PACKAGE_HEAVY,
    PACKAGE_LIGHT,
    SUBMISSION_PORTS,
    TABLES,
    TLS_MANDATORY,
    exim_list,
    needs_heavy,
)
from .dkim import dkim_key_path, dkim_keys_named
from .main import exim_conf
from .tables import exim_tables


def exim_files(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """Every file of one Exim host, by file name."""
    return {"exim4.conf": exim_conf(design, plan, host), **exim_tables(design, plan, host)}


@register
class EximExporter(Exporter):
    """exim/<host>/exim4.conf and its lookup files for each host running Exim."""

    name = "exim"

    def files(self, design: Design, plan: Plan) -> Iterable[tuple[str, str]]:
        for host in plan.hosts:
            if host.mta != "exim":
                continue
            for name, text in exim_files(design, plan, host).items():
                yield f"exim/{host.name}/{name}", text


# The names other exports, the lab and the tests read from here, as when this was one module.
__all__ = [
    "CONFDIR",
    "DKIM_DIR",
    "DKIM_KEY_NOTE",
    "DKIM_OPTIONS",
    "DOVECOT_AUTH_SOCKET",
    "DOVECOT_LMTP_SOCKET",
    "EXIM_CERT",
    "EXIM_KEY",
    "EXIM_USER",
    "EximExporter",
    "PACKAGE_HEAVY",
    "PACKAGE_LIGHT",
    "SUBMISSION_PORTS",
    "TABLES",
    "TLS_MANDATORY",
    "dkim_key_path",
    "dkim_keys_named",
    "exim_conf",
    "exim_files",
    "exim_list",
    "exim_tables",
    "needs_heavy",
]
