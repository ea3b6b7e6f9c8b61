"""OpenSMTPD configuration: smtpd.conf and its table files per OpenSMTPD host.

Written for OpenSMTPD 7.4 (Debian 12: package opensmtpd from bookworm-backports)
in the syntax of its smtpd.conf(5): ``pki``, ``table``, ``listen``, ``action``
and ``match`` lines. Checked with ``smtpd -n -f FILE``. Like the Postfix exporter, this only
translates the host's plan; each line carries the plan's reason as a comment.
The same decisions in OpenSMTPD's words:

- ``trusted_networks`` is ``table trusted``; ``match from src <trusted> for
  any`` and ``match auth from any for any`` are the only rules that send mail
  to other domains (rules are tried in order and an RCPT that matches none is
  refused, so there is no open relay);
- ``final_domains`` are delivered by an ``mbox``/``maildir`` action (accounts
  of this host) or by ``lmtp "/run/dovecot/lmtp" rcpt-to`` with a ``virtuals``
  table that lists every address (mailboxes, alias domains, and root@/abuse@
  to postmaster@), so unknown addresses are refused at RCPT;
- ``relay_domains`` are ``match ... for domain <relay_domains> rcpt-to
  <relay_recipients>`` with a ``relay host`` action to the next hop of
  ``transport`` (``smtp://`` or ``lmtp://``), or ``relay backup`` by MX;
- ``relayhost`` is ``relay host smtp+tls://label@host:port auth <secrets>``
  (``smtps://`` for 465; certificates verified by default), or ``smtp://``
  to a hub that trusts the host;
- ``listens``: port 25 with ``tls`` (offered) and no AUTH, 587 with
  ``tls-require`` and 465 with ``smtps``, both ``auth <passwords>`` and
  ``senders <sender_logins>``; a null client listens on loopback only;
- ``dkim_signs`` is Debian's ``opensmtpd-filter-dkimsign``, one ``filter``
  per domain on a loopback listener of its own: mail for other domains from
  this host, its trusted networks or a login, sent as one of those domains,
  goes through that listener (``relay host smtp://127.0.0.1:PORT``), is
  signed there and tagged, and the tag sends it on its way out. One filter
  holds one key and signs whatever passes it (with its first ``-d`` when the
  From matches none), so neither a chain of filters nor a filter on port 25,
  where strangers' mail arrives too, would sign only what is ours with the
  right key.

OpenSMTPD does not implement VRFY or EXPN (it answers 502), and it cannot ask
Dovecot for passwords: submission logins are checked against its own
credentials table (``smtpctl encrypt`` hashes), kept in step with Dovecot's.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...design import Design
from ...plan import HostPlan, Plan
from .. import Exporter, register
from .common import (
    CONF_DIR,
    DKIM_DIR,
    DKIM_FILTER,
    DKIM_PACKAGE,
    DKIM_PORT,
    DKIM_USER,
    DOVECOT_LMTP_SOCKET,
    PACKAGE,
    SUITE,
    VMAIL_USER,
)
from .conf import smtpd_conf
from .dkim import Signer, dkim_key_path, dkim_keys_named, dkim_signers
from .tables import smtpd_tables


def opensmtpd_files(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """Every file of one OpenSMTPD host, by file name."""
    return {"smtpd.conf": smtpd_conf(design, plan, host), **smtpd_tables(design, plan, host)}


@register
class OpenSmtpdExporter(Exporter):
    """opensmtpd/<host>/smtpd.conf and its tables for each host running OpenSMTPD."""

    name = "opensmtpd"

    def files(self, design: Design, plan: Plan) -> Iterable[tuple[str, str]]:
        for host in plan.hosts:
            if host.mta != "opensmtpd":
                continue
            for name, text in opensmtpd_files(design, plan, host).items():
                yield f"opensmtpd/{host.name}/{name}", text


# The deploy steps, the lab and the tests read these names from here. The modules:
# common (paths, packages, the line writer), facts (what the steps read about the host),
# conf (smtpd.conf in order), listeners, actions, rules, dkim and tables.
__all__ = [
    "CONF_DIR",
    "DKIM_DIR",
    "DKIM_FILTER",
    "DKIM_PACKAGE",
    "DKIM_PORT",
    "DKIM_USER",
    "DOVECOT_LMTP_SOCKET",
    "OpenSmtpdExporter",
    "PACKAGE",
    "SUITE",
    "Signer",
    "VMAIL_USER",
    "dkim_key_path",
    "dkim_keys_named",
    "dkim_signers",
    "opensmtpd_files",
    "smtpd_conf",
    "smtpd_tables",
]
