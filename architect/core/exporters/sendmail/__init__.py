"""sendmail configuration: sendmail.mc and its tables per sendmail host.

Like the Postfix exporter, this only translates the host's plan. The .mc is
built with ``m4 /usr/share/sendmail/cf/m4/cf.m4 sendmail.mc > sendmail.cf``;
its tables (access, mailertable, virtusertable, authinfo, local-host-names)
are text files beside it, each with the ``makemap`` command that builds it.

Rules kept here, from the domain reference (topologies.md T2-T6, §2.2, P30):
- ``confDOMAIN_NAME`` is always defined, so the .cf never guesses the name;
- a null client is ``FEATURE(`nullclient')`` as the LAST feature, after
  ``no_default_msa`` and a loopback-only ``DAEMON_OPTIONS`` (T2); MAIL_HUB is
  left as nullclient sets it, and a ``Local_localaddr`` rule sends local
  names (root, cron) to the smart host as user@origin, never user@[hub];
- ``OSTYPE(`debian')`` (Debian's paths), the host's own local names through
  an explicit ``FEATURE(`local_procmail')``, with the package it needs
  (procmail, which sendmail-bin alone does not install) said in the file;
- on a host whose mailboxes Dovecot files (delivery ``lmtp:<self>``), the
  mailbox domains are virtual (``VIRTUSER_DOMAIN``, never class w): every
  address of the one user list (``domains[].users``, postmaster always) is a
  virtusertable entry, root@ and abuse@ reach postmaster@, each user of an
  alias domain has a line of its own, ``@domain`` is an error (refused at
  RCPT, no backscatter), and a ``dovecot`` mailer hands the FULL address to
  dovecot-lda as vmail, reached through mailertable;
- ``confPRIVACY_FLAGS`` is ``goaway``: no VRFY, EXPN or VERB;
- submission logins are Dovecot's users: Cyrus SASL's ``Sendmail.conf`` asks
  saslauthd, whose rimap logs in to Dovecot's IMAP on 127.0.0.1 (files
  ``Sendmail.conf`` and ``saslauthd``), and a ``Local_check_mail`` ruleset
  lets a login send only as the addresses ``sender_logins`` gives it;
- relaying is granted only by access-db ``Connect:`` entries for the plan's
  trusted networks and ``To:`` entries for its relay domains, with
  ``relay_hosts_only`` (P18) and, where recipients are checked,
  ``relaytofulladdress`` (P1);
- no FEATURE that opens relaying is ever written (``RELAY_OPENING``);
- every line carries a ``dnl`` comment: m4 discards the rest of a line after
  ``dnl`` without expanding it, so comment text can never become a macro.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...design import Design
from ...plan import HostPlan, Plan
from .. import Exporter, register
from ..hostfacts import is_null_client
from .common import (
    DOVECOT_LDA,
    DOVECOT_MAILER,
    MAIL_DIR,
    MAX_ACCESS_ENTRIES,
    NO_SUCH_USER,
    RELAY_OPENING,
    RIMAP_SERVER,
    SASL_CONF,
    SASLAUTHD_DEFAULTS,
    SASLAUTHD_RUN,
    SENDER_LOGIN_RULES,
    SENDER_LOGINS,
    dovecot_domains,
)
from .mc import sendmail_mc
from .sasl import sasl_conf, saslauthd_defaults
from .submit import submit_mc
from .tables import access_networks, sendmail_tables


def sendmail_files(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """Every file of one sendmail host, by file name."""
    out = {"sendmail.mc": sendmail_mc(design, plan, host), **sendmail_tables(design, plan, host)}
    if host.dkim_signs and not is_null_client(host):
        out["submit.mc"] = submit_mc(plan, host)
    if "submission" in host.roles:
        out["Sendmail.conf"] = sasl_conf(host)
        out["saslauthd"] = saslauthd_defaults(host)
    return out


@register
class SendmailExporter(Exporter):
    """sendmail/<host>/sendmail.mc and its tables for each host running sendmail."""

    name = "sendmail"

    def files(self, design: Design, plan: Plan) -> Iterable[tuple[str, str]]:
        for host in plan.hosts:
            if host.mta != "sendmail":
                continue
            for name, text in sendmail_files(design, plan, host).items():
                yield f"sendmail/{host.name}/{name}", text


# The tests and other exports read these names from here.
__all__ = [
    "DOVECOT_LDA",
    "DOVECOT_MAILER",
    "MAIL_DIR",
    "MAX_ACCESS_ENTRIES",
    "NO_SUCH_USER",
    "RELAY_OPENING",
    "RIMAP_SERVER",
    "SASL_CONF",
    "SASLAUTHD_DEFAULTS",
    "SASLAUTHD_RUN",
    "SENDER_LOGIN_RULES",
    "SENDER_LOGINS",
    "SendmailExporter",
    "access_networks",
    "dovecot_domains",
    "sasl_conf",
    "saslauthd_defaults",
    "sendmail_files",
    "sendmail_mc",
    "sendmail_tables",
    "submit_mc",
]
