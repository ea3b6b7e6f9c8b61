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

import ipaddress
from collections.abc import Iterable

from ..design import Design
from ..plan import HostPlan, Plan
from . import Exporter, register
from .dovecot import VMAIL_GID, VMAIL_UID
from .opendkim import SENDMAIL_MILTER
from .postfix import (
    accepted_addresses,
    address_classes,
    comment_lines,
    has_users,
    is_null_client,
    one_line,
    placeholder_users,
    reasons,
    relayhost_name,
    relayhost_port,
    sender_domains,
    untrusted_by_hub,
)

# Features that open or weaken relaying (cf/README, topologies.md §2.2).
# Listed so that a test can prove none of them is ever written.
RELAY_OPENING = (
    "promiscuous_relay",
    "relay_local_from",
    "relay_mail_from",
    "relay_based_on_MX",
    "loose_relay_check",
    "accept_unresolvable_domains",
    "relay_entire_domain",
)
MAIL_DIR = "/etc/mail"
DOVECOT_LDA = "/usr/lib/dovecot/dovecot-lda"
# The mailer that hands a mailbox domain's mail to dovecot-lda with the full address.
DOVECOT_MAILER = (
    f"Mdovecot,\tP={DOVECOT_LDA}, F=DFMPhnu9, U={VMAIL_UID}:{VMAIL_GID},",
    "\t\tS=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP/HdrFromSMTP,",
    "\t\tT=DNS/RFC822/X-Unix,",
    f"\t\tA={DOVECOT_LDA} -f $g -d $u",
)
# The answer to an address of a mailbox or alias domain that is not on the user list.
NO_SUCH_USER = 'error:5.1.1:"550 User unknown"'
# Beyond this many access entries for one block, list the hosts by hand.
MAX_ACCESS_ENTRIES = 256
# Submission logins: Cyrus SASL reads its settings for sendmail (application name
# "Sendmail") from the first directory of its search path that holds Sendmail.conf;
# on Debian that path starts with /etc/sasl2. Debian's sendmailconfig links
# /usr/lib/sasl2/Sendmail.conf to /etc/mail/sasl/ instead, but only when it is run
# with sasl2-bin already installed; /etc/sasl2 comes first in the path, so this file
# is read either way.
SASL_CONF = "/etc/sasl2/Sendmail.conf"
SASLAUTHD_DEFAULTS = "/etc/default/saslauthd"
SASLAUTHD_RUN = "/var/run/saslauthd"
# saslauthd's rimap logs in here: Dovecot's IMAP, on loopback only (dovecot.py).
RIMAP_SERVER = "127.0.0.1"
SENDER_LOGINS = "sender_logins"
# Local_check_mail (sendmail.mc): workspace, the MAIL FROM address as given.
# m4 reads these lines too: no quotes, and no word that is an m4 macro.
SENDER_LOGIN_RULES = (
    ("R$*", "$: $1 $| $&{auth_authen}", "the sender and the login, if any"),
    ("R$* $| $@", "$@ OK", "no login: nothing to compare"),
    ("R<$*> $| $+", "$: $1 $| $2", "the address without its brackets"),
    ("R$@ $| $+", "$@ OK", "the null sender"),
    ("R$+ $| $+", "$: $(sender_logins $1 $: <none> $)", "the login that owns the address"),
    ("R<TMPF>", '$#error $@ 4.3.0 $: "451 Sender address lookup failed, try again"', "unreadable"),
    ("R$&{auth_authen}", "$@ OK", "it is the login that was made"),
    (
        "R$*",
        '$#error $@ 5.7.1 $: "553 Sender address does not belong to your login"',
        "anything else",
    ),
)


class _Mc:
    """sendmail.mc being written: m4 lines, each preceded by dnl comments."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def note(self, *text: str) -> None:
        for t in text:
            self.lines += comment_lines(t, prefix="dnl # ")

    def line(self, m4: str, *why: str) -> None:
        self.note(*why)
        self.lines.append(m4 + "dnl")

    def blank(self) -> None:
        self.lines.append("dnl")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def sendmail_mc(design: Design, plan: Plan, host: HostPlan) -> str:
    """The sendmail.mc of one sendmail host."""
    mc = _Mc()
    origin = host.origin or host.name.split(".", 1)[1]
    ports = {listener.port: listener for listener in host.listens}
    tables = sendmail_tables(design, plan, host)

    mc.lines.append("divert(-1)dnl")
    mc.note(f"sendmail.mc for {host.name}")
    mc.note(f'Written by Mail Architect from the design "{plan.design}".')
    mc.note("Roles of this host: " + (", ".join(host.roles) or "none") + ".")
    for role in host.roles:
        for why in reasons(host, role):
            mc.note(f"{role}: {why}")
    mc.note(
        "Build: m4 /usr/share/sendmail/cf/m4/cf.m4 sendmail.mc > /etc/mail/sendmail.cf "
        "(with sendmail-cf installed), then restart sendmail."
    )
    for name in sorted(tables):
        if name != "local-host-names":
            mc.note(f"Table: makemap hash {MAIL_DIR}/{name} < {MAIL_DIR}/{name}")
    mc.lines.append("divert(0)dnl")
    mc.line(f"VERSIONID(`Mail Architect: {host.name}')", "Names this file in the .cf.")
    mc.line(
        "OSTYPE(`debian')",
        "Debian's paths (helpers in /usr/libexec/sendmail, status in /var/lib/sendmail, "
        "mailers run as mail:mail), from sendmail-cf. Not OSTYPE(linux): its local mailer "
        "is procmail, assumed rather than said, and it looks for smrsh and mail.local in "
        "/usr/sbin, where Debian has neither.",
    )
    mc.line(
        "define(`confPRIVACY_FLAGS', `goaway')",
        "No VRFY or EXPN (they hand out the list of valid addresses to spammers), no VERB "
        "or ETRN, and HELO before MAIL (cf/README, confPRIVACY_FLAGS).",
    )
    mc.line(
        f"define(`confDOMAIN_NAME', `{host.name}')",
        "The name sendmail greets with ($j); defined so it never guesses from the build machine.",
    )

    if is_null_client(host):
        _null_client(mc, plan, host, origin)
        return mc.text()

    mc.blank()
    mc.note("Listeners: exactly the ports the plan opens.")
    mc.line(
        "FEATURE(`no_default_msa')",
        "No implicit port 587 listener; the submission listener, if any, is defined below.",
    )
    submission = "submission" in host.roles
    if 25 in ports:
        who = ", ".join(ports[25].open_to)
        mc.line(
            "DAEMON_OPTIONS(`Port=smtp, Name=MTA" + (", M=A" if submission else "") + "')",
            f"Port 25 for mail from other servers (reachable by: {who}). STARTTLS is offered, "
            "never required"
            + (
                "; AUTH is switched off here (M=A), it belongs on submission."
                if submission
                else "."
            ),
        )
    else:
        mc.line(
            "DAEMON_OPTIONS(`Port=smtp,Addr=127.0.0.1, Name=MTA')",
            "Port 25 on the loopback address only: no other host sends mail here.",
        )
    if 587 in ports:
        mc.line(
            "DAEMON_OPTIONS(`Port=submission, Name=MSA, M=Ea')",
            "Port 587 for mail programs: AUTH required (a), no ETRN (E).",
        )
    if 465 in ports:
        mc.line(
            "DAEMON_OPTIONS(`Port=smtps, Name=TLSMSA, M=Esa')",
            "Port 465 for mail programs: TLS from the first byte (s), AUTH required (a).",
        )
    if ports.keys() & {25, 465, 587}:
        mc.line(
            f"define(`confSERVER_CERT', `{MAIL_DIR}/tls/{host.name}.crt')",
            f"PLACEHOLDER: the certificate for {host.name}; STARTTLS is offered once it exists.",
        )
        mc.line(
            f"define(`confSERVER_KEY', `{MAIL_DIR}/tls/{host.name}.key')",
            "PLACEHOLDER: its private key, readable by root only.",
        )
        mc.line(
            "define(`confCACERT_PATH', `/etc/ssl/certs')",
            "Trusted certificate authorities, to verify other servers.",
        )
        mc.line(
            "define(`confCACERT', `/etc/ssl/certs/ca-certificates.crt')",
            "The same, as one bundle file.",
        )
    if submission:
        mc.note(*reasons(host, "submission"))
        mc.line(
            "define(`confAUTH_MECHANISMS', `PLAIN LOGIN')",
            "Password logins, checked by Cyrus SASL: its Sendmail.conf (in this folder, "
            f"installed as {SASL_CONF}) sends each one to saslauthd, which tries it as an "
            "IMAP login at this host's Dovecot on 127.0.0.1: the same users and passwords "
            "as IMAP (dovecot/<host>/users). The daemon runs as root, so it reaches "
            f"saslauthd's socket ({SASLAUTHD_RUN}, root:sasl 0710) without joining group sasl.",
        )
        mc.line(
            "TRUST_AUTH_MECH(`PLAIN LOGIN')",
            "A user who logged in may relay to any domain; nobody else may (access table below).",
        )
        mc.line(
            "define(`confAUTH_OPTIONS', `A p y')",
            "No password before STARTTLS (p: PLAIN and LOGIN are offered only inside TLS, so "
            "587 shows AUTH only after STARTTLS, 465 at once), no anonymous login (y), "
            "AUTH= on MAIL only after a login (A).",
        )

    mc.blank()
    mc.note("Which domains this host accepts, and what it does with them.")
    mailbox = dovecot_domains(host)
    mc.line(
        "FEATURE(`use_cw_file')",
        f"Local domains (class w) from {MAIL_DIR}/local-host-names: "
        + (", ".join(_local_names(host)) or "none besides the host's own names")
        + "."
        + (
            " The mailbox domains Dovecot files are not there: class w would hand "
            "their mail to the local mailer, which knows only the local part."
            if mailbox
            else ""
        ),
    )
    for domain in mailbox:
        mc.line(
            f"VIRTUSER_DOMAIN(`{domain}')",
            f"{domain}: a virtual domain. Its addresses exist only in the virtusertable "
            "(the design's user list), and its mail goes to Dovecot through the mailertable.",
        )
    access_args = f"`hash -T<TMPF> -o {MAIL_DIR}/access'"
    if host.relay_domains and host.recipient_validation:
        mc.line(
            f"FEATURE(`access_db', {access_args}, `relaytofulladdress')",
            "Relay permissions from the access table. relaytofulladdress allows To: entries "
            "for single addresses, so only addresses that exist are accepted (no "
            "backscatter).",
        )
    else:
        mc.line(
            f"FEATURE(`access_db', {access_args})",
            "Relay permissions from the access table: trusted networks (Connect:) and "
            "passed-on domains (To:).",
        )
    if host.relay_domains:
        mc.line(
            "FEATURE(`relay_hosts_only')",
            "A To: entry for example.com does not also relay for anything.example.com "
            "(cf/README, relay_hosts_only).",
            *reasons(host, "relay_domains"),
        )
    if host.transport or mailbox:
        mc.line(
            f"FEATURE(`mailertable', `hash -o {MAIL_DIR}/mailertable')",
            "Where each domain goes next: "
            + "; ".join(
                [f"{d} to {hop}" for d, hop in host.transport]
                + [f"{d} to Dovecot on this host (the dovecot mailer)" for d in mailbox]
            )
            + ".",
        )
    if host.alias_domains or mailbox:
        mc.line(
            f"FEATURE(`virtusertable', `hash -o {MAIL_DIR}/virtusertable')",
            "The addresses that exist, one line each from the design's user list: "
            + (
                "every mailbox of "
                + ", ".join(mailbox)
                + " (postmaster always), root@ and abuse@ to postmaster@ (RFC 2142), "
                if mailbox
                else ""
            )
            + (
                "each user of an alias domain to the same user at its target, "
                if host.alias_domains
                else ""
            )
            + "and @domain as an error, so sendmail refuses an unknown address at RCPT "
            "instead of accepting it and bouncing it later to a forged sender "
            "(backscatter). Never @alias %1@target: that accepts every address.",
        )
    if mailbox:
        mc.line(
            "define(`_VIRTUSER_STOP_ONE_LEVEL_RECURSION_', `1')",
            "A mailbox is listed as itself (alice@example.org alice@example.org), so the "
            "list of addresses is complete and the @domain error catches only unknown "
            "ones. This switch of sendmail's cf/m4/proto.m4 ends the lookup when an address "
            "maps to itself, and the address goes on to the mailertable; without it, such "
            "a line loops.",
        )

    lda = bool(mailbox)
    if lda:
        mc.note(
            *reasons(host, "delivery"),
            "Dovecot files the mailbox domains' mail: the mailertable sends it to the dovecot "
            "mailer below, which runs dovecot-lda (Dovecot's sendmail howto; sendmail has no "
            "LMTP client for a local socket) as vmail with the FULL address (-d "
            "user@domain), the key of Dovecot's user list (username_format=%Lu). Not the "
            "local mailer: it passes only the local part, Dovecot finds no such user and "
            "refuses root, and the mail bounces or is lost.",
        )
    mc.line(
        "FEATURE(`local_procmail', `/usr/bin/procmail')",
        *([] if lda else reasons(host, "delivery")),
        (
            "Mail for this host's own names (root@"
            + host.name
            + ", cron's mail) is filed by procmail into /var/mail/<user>."
            if lda
            else "Local mail (root, postmaster"
            + (", and this host's users" if host.delivery in ("mbox", "maildir") else "")
            + ") is filed by procmail"
            + (
                ", into ~/Maildir/ with DEFAULT=$HOME/Maildir/ in /etc/procmailrc"
                if host.delivery == "maildir"
                else ", into /var/mail/<user>"
            )
            + "."
        )
        + " REQUIRES procmail: apt-get install sendmail brings it (sendmail needs "
        "sensible-mda, which needs procmail); sendmail-bin alone does not, and local "
        "mail would then wait in the queue. Not mail.local: as Debian builds it, it "
        "cannot lock /var/mail/<user> for users outside group mail (lockmailbox "
        "error 75), which the lab showed.",
    )
    mc.blank()
    mc.note("How mail leaves this host.")
    mc.line(
        f"MASQUERADE_AS(`{origin}')",
        f"Mail from local users leaves as user@{origin}, not user@{host.name}.",
    )
    kept = [d for d in _local_names(host) if d != origin]
    if kept:
        mc.line(
            "FEATURE(`limited_masquerade')",
            "Only the names of MASQUERADE_DOMAIN below are masqueraded, not every name of "
            "class w (cf/README, limited_masquerade: several domains hosted on one "
            f"machine). {', '.join(kept)} "
            + ("is" if len(kept) == 1 else "are")
            + " in class w, to be delivered here, and mail sent from such a domain must "
            f"leave as it was written: masqueraded, user@{kept[0]} would leave as "
            f"user@{origin}, a From the sender did not write, which no longer matches its "
            "DKIM signature (OpenDKIM signs before sendmail rewrites) nor its SPF.",
        )
        mc.line(
            f"MASQUERADE_DOMAIN(`{host.name}')",
            f"The host's own name is masqueraded (user@{host.name} leaves as user@{origin}), "
            "as are addresses with no domain.",
        )
    mc.line("FEATURE(`masquerade_envelope')", "The envelope sender is masqueraded too.")
    if host.dkim_signs:
        _dkim_milter(mc, host)
    if host.relayhost:
        _smart_host(mc, plan, host)
    else:
        mc.note(
            "No smart host: mail for other domains goes straight to their MX hosts.",
            *(
                reasons(host, "outbound")
                or [
                    "WARNING: the plan finds no way out for this host's mail (see its "
                    "findings), so it will wait in the queue until the design gives one."
                ]
            ),
        )

    mc.blank()
    mc.line("MAILER(`local')", "Local delivery (and the prog mailer).")
    mc.line("MAILER(`smtp')", "SMTP to other servers.")
    lmtp24 = any(hop.startswith("lmtp:") for _, hop in host.transport)
    if lda or lmtp24:
        mc.lines.append("MAILER_DEFINITIONS")
    if lda:
        mc.note(
            "dovecot: delivers a mailbox domain's mail with dovecot-lda (mailertable "
            "entries dovecot:<host>). $u is the whole address (R=EnvToSMTP), $g the sender. "
            f"U= runs it as vmail ({VMAIL_UID}:{VMAIL_GID}, the owner dovecot.conf "
            "names), which Dovecot requires: it refuses to write as root or mail. "
            "dovecot-lda exits 67 for an address Dovecot does not know and 75 for a "
            "temporary failure, which sendmail bounces or retries.",
        )
        mc.lines += DOVECOT_MAILER
    if lmtp24:
        mc.note(
            "LMTP over TCP to the mailbox store's Dovecot (port 24), used by mailertable "
            "entries lmtp24:[store]. Firewall port 24 on the store to this host only."
        )
        mc.lines.append(
            "Mlmtp24,\tP=[IPC], F=mDFMuXz, S=EnvFromSMTP/HdrFromSMTP, "
            "R=EnvToSMTP/HdrFromSMTP, E=\\r\\n, L=990,"
        )
        mc.lines.append("\t\tT=DNS/RFC822/SMTP,")
        mc.lines.append("\t\tA=TCP $h 24")
    if submission:
        _sender_login_check(mc)
    return mc.text()


def _sender_login_check(mc: _Mc) -> None:
    """A logged-in user may send only as an address the sender_logins table gives it.

    sendmail's own checks trust any sender once AUTH has succeeded. This is
    Postfix's reject_sender_login_mismatch on submission, from the same table:
    the envelope sender is looked up, and the login it belongs to must be the
    one ``{auth_authen}`` holds (a ``$&`` macro on the left of a rule matches
    its value at run time, token by token, ignoring case). Unlike Postfix,
    nothing is checked for a client that did not log in: port 25 takes no
    AUTH here, and 587 and 465 take no mail without it.
    """
    table = f"{MAIL_DIR}/{SENDER_LOGINS}"
    mc.blank()
    mc.note(
        "Logged-in users send only as their own addresses: the envelope sender must "
        f"belong, in {table} (built from the design's user list), to the login that "
        "was made, so one leaked password cannot send as anyone else in the "
        "organisation. A lookup that fails for a moment answers 451 (try again), "
        "never a silent pass. The null sender (bounces) is left alone, as Postfix does."
    )
    mc.lines.append("LOCAL_CONFIG")
    mc.lines.append(f"K{SENDER_LOGINS} hash -T<TMPF> {table}")
    mc.lines.append("LOCAL_RULESETS")
    mc.lines.append("SLocal_check_mail")
    for lhs, rhs, why in SENDER_LOGIN_RULES:
        mc.lines.append(f"{lhs}\t{rhs}\t{why}")


def _dkim_milter(mc: _Mc, host: HostPlan) -> None:
    """OpenDKIM as an input milter: every message this daemon takes passes it."""
    mc.note(*reasons(host, "dkim"))
    mc.line(
        f"INPUT_MAIL_FILTER(`opendkim', `S={SENDMAIL_MILTER}')",
        "Every message the daemon takes (submission, hosts that relay through this one, "
        "and the sendmail command, which hands its mail to the daemon over SMTP) passes "
        "OpenDKIM (dkim/ in this bundle), which signs what comes from trusted hosts or "
        "logged-in users. No F= flag: should OpenDKIM be down, mail still flows, "
        "unsigned, rather than being refused (Postfix: milter_default_action = accept). "
        "A milter sees the message as it arrives, before sendmail rewrites the headers "
        "on the way out: nothing above may rewrite a signed From (masquerading is kept "
        "to the host's own name for that reason).",
    )


def _null_client(mc: _Mc, plan: Plan, host: HostPlan, origin: str) -> None:
    """T2: send everything to one host, receive nothing; nullclient goes LAST."""
    mc.blank()
    mc.note(*reasons(host, "null-client"))
    if host.relayhost:
        _smart_host_options(mc, host, esmtp_too=True)
    mc.line(
        "FEATURE(`no_default_msa')",
        "No port 587 listener: this host takes no mail from the network.",
    )
    mc.line(
        "DAEMON_OPTIONS(`Port=smtp,Addr=127.0.0.1, Name=MTA')",
        "Port 25 on the loopback address only, for local programs (like Postfix's "
        "inet_interfaces = loopback-only).",
    )
    mc.line(
        f"FEATURE(`nullclient', `{origin}')",
        f"Everything goes to a hub; mail leaves as user@{origin}. Must be the last FEATURE: "
        "it defines the mailers itself.",
    )
    if host.relayhost:
        hub = "[" + relayhost_name(host.relayhost) + "]"
        warning = untrusted_by_hub(plan, host)
        mc.line(
            f"define(`SMART_HOST', `{hub}')",
            *reasons(host, "relayhost"),
            *([warning] if warning else []),
            f"Redefined after nullclient, which would otherwise look up the MX of {origin}.",
        )
        # MAIL_HUB stays as nullclient sets it (the origin). Redefined as [hub] it
        # would send cron's mail to root@[hub], which Postfix refuses (501 5.1.3).
        mc.note(
            "Local names (root, cron's mail, users of this host) go to the smart host "
            f"as user@{origin}, through the same relay mailer and login: MAIL_HUB alone "
            "would name the recipient after the host it is sent to (root@[hub], "
            f"refused as bad syntax) or send it to the MX of {origin}, not to the hub."
        )
        mc.lines.append("LOCAL_RULESETS")
        mc.lines.append("SLocal_localaddr")
        mc.lines.append(f"R$+\t$#relay $@ {hub} $: $1 < @ {origin} . >\tlocal names to the hub")


def _smart_host(mc: _Mc, plan: Plan, host: HostPlan) -> None:
    relayhost = host.relayhost or ""
    warning = untrusted_by_hub(plan, host)
    mc.line(
        f"define(`SMART_HOST', `[{relayhost_name(relayhost)}]')",
        *reasons(host, "relayhost"),
        *([warning] if warning else []),
    )
    # The esmtp mailer also carries mailertable routes inside the organisation
    # (port 25): leave its port alone when the host has any.
    _smart_host_options(mc, host, esmtp_too=not host.transport)


def _smart_host_options(mc: _Mc, host: HostPlan, *, esmtp_too: bool) -> None:
    """Port and login for the smart host (T6)."""
    relayhost = host.relayhost or ""
    port = relayhost_port(relayhost)
    if port and port != 25:
        if port == 465:
            mc.note(
                "WARNING: port 465 expects TLS from the first byte, which these mailer "
                "arguments do not give; ask the provider for port 587 (STARTTLS)."
            )
        mc.line(
            f"define(`RELAY_MAILER_ARGS', `TCP $h {port}')",
            f"The smart host listens on port {port}, not 25.",
        )
        if esmtp_too:
            mc.line(
                f"define(`ESMTP_MAILER_ARGS', `TCP $h {port}')",
                "The same for the esmtp mailer.",
            )
    if host.relayhost_auth:
        mc.line(
            f"FEATURE(`authinfo', `hash -o {MAIL_DIR}/authinfo')",
            f"Log in to {relayhost_name(relayhost)} with the user name and password in "
            f"{MAIL_DIR}/authinfo (fill it in; mode 0600).",
        )


# --------------------------------------------------------------------------
# Tables


def dovecot_domains(host: HostPlan) -> list[str]:
    """The mailbox domains whose mail Dovecot files on this host (delivery ``lmtp:<self>``).

    They are virtual domains to sendmail, never class w: their addresses are
    full addresses in Dovecot's user list, not accounts of the host.
    """
    if host.delivery != f"lmtp:{host.name}":
        return []
    return address_classes(host)["virtual_mailbox"]


def _local_names(host: HostPlan) -> list[str]:
    """Class w: final domains delivered by the local mailer, and alias domains.

    Relay domains must never be here (T4), nor the domains Dovecot files.
    """
    dovecot = set(dovecot_domains(host))
    final = {d for d in host.final_domains if d not in dovecot}
    return sorted(final | set(dict(host.alias_domains)))


def access_networks(block: str) -> list[str]:
    """The access-table keys (without ``Connect:``) covering exactly ``block``.

    sendmail matches network numbers by whole octets (IPv4) or groups (IPv6),
    so a block whose length is not on such a boundary is listed as its
    smaller networks. Never broader than ``block``; empty when that would
    take more than MAX_ACCESS_ENTRIES lines.
    """
    net = ipaddress.ip_network(block, strict=False)
    step = 8 if net.version == 4 else 16
    boundary = -(-net.prefixlen // step) * step
    if 2 ** (boundary - net.prefixlen) > MAX_ACCESS_ENTRIES:
        return []
    out = []
    for sub in net.subnets(new_prefix=boundary) if boundary > net.prefixlen else [net]:
        if net.version == 4:
            out.append(".".join(str(sub.network_address).split(".")[: boundary // 8]))
        else:
            groups = [format(int(g, 16), "x") for g in sub.network_address.exploded.split(":")]
            out.append("IPv6:" + ":".join(groups[: boundary // 16]))
    return out


def sendmail_tables(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """The tables the .mc refers to, by file name."""
    out: dict[str, str] = {}
    if is_null_client(host):
        if host.relayhost_auth and host.relayhost:
            out["authinfo"] = _authinfo(host)
        return out

    build = "# Build: makemap hash {path} < {path}"
    lines = [
        "# access: who may relay through this host.",
        "# Connect: lines trust a network to send anywhere (outgoing relay);",
        "# To: lines accept mail from anyone for a domain or address (incoming relay).",
        "# Mail from this host itself (127.0.0.1, ::1) is always allowed by sendmail.",
        build.format(path=f"{MAIL_DIR}/access"),
        "",
    ]
    for block in host.trusted_networks:
        net = ipaddress.ip_network(block, strict=False)
        if net.is_loopback:
            continue
        keys = access_networks(block)
        lines += comment_lines(f"{block}: " + one_line(_trust_reason(host, block)))
        if net.version == 6:
            lines.append(
                "# sendmail matches IPv6 clients by the text of their address: check "
                "with sendmail -bt."
            )
        if not keys:
            lines.append(f"# {block} is too large to list here: add its hosts one by one.")
        lines += [f"Connect:{key}\tRELAY" for key in keys]
    for domain in host.relay_domains:
        if host.recipient_validation:
            # The one list of users (domains[].users) that every store's tables hold too;
            # root and abuse reach postmaster there, so they must pass here as well.
            lines += comment_lines(
                f"{domain}: only these addresses are accepted (relaytofulladdress): the "
                "design's users, postmaster, and root and abuse, which reach postmaster."
            )
            lines += [f"To:{address}\tRELAY" for address, _ in accepted_addresses(design, domain)]
            lines += placeholder_users(design, [domain], "To:someone@{domain}\tRELAY")
        else:
            lines += [
                f"# {domain}: accepted for every address (no recipient list in the plan).",
                f"To:{domain}\tRELAY",
            ]
    out["access"] = "\n".join(lines) + "\n"

    names = _local_names(host)
    out["local-host-names"] = (
        "\n".join(
            [
                "# local-host-names: domains delivered on this host (class w). Relay",
                "# domains are NOT listed: they are passed on, never delivered here.",
                "# The host's own names are added by sendmail itself. No build step.",
                *names,
            ]
        )
        + "\n"
    )
    mailbox = dovecot_domains(host)
    if host.transport or mailbox:
        lines = [
            "# mailertable: where mail for each domain goes next.",
            "# The brackets skip the MX lookup, so mail cannot loop back here;",
            "# dovecot: is Dovecot's LDA on this host (the dovecot mailer in sendmail.mc).",
            build.format(path=f"{MAIL_DIR}/mailertable"),
            "",
        ]
        for domain, hop in host.transport:
            target = hop.split(":", 1)[1]
            if hop.startswith("lmtp:"):
                name = target.rsplit(":", 1)[0]
                lines.append(f"{domain}\tlmtp24:{name}")
            else:
                lines.append(f"{domain}\tesmtp:{target}")
        lines += [f"{domain}\tdovecot:{host.name}" for domain in mailbox]
        out["mailertable"] = "\n".join(lines) + "\n"
    if host.alias_domains or mailbox:
        out["virtusertable"] = _virtusertable(design, host, mailbox, build)
    if host.relayhost_auth and host.relayhost:
        out["authinfo"] = _authinfo(host)
    if "submission" in host.roles:
        out[SENDER_LOGINS] = _sender_logins(design, plan, build)
    return out


def _sender_logins(design: Design, plan: Plan, build: str) -> str:
    """address -> login, the same table Postfix's smtpd_sender_login_maps reads."""
    domains = sender_domains(design, plan)
    lines = [
        "# sender_logins: which login may send as which address (Local_check_mail in",
        "# sendmail.mc). A logged-in user who sends as an address not listed here for",
        "# that login is refused (553), so a stolen or shared password cannot forge the",
        "# boss's address. Logins are full addresses, as Dovecot checks them; root@ and",
        "# abuse@ belong to the postmaster's login, an alias address to the same user at",
        "# the target domain.",
        build.format(path=f"{MAIL_DIR}/{SENDER_LOGINS}"),
        "",
    ]
    for domain in domains:
        lines += [f"{address}\t{login}" for address, login in accepted_addresses(design, domain)]
    lines += placeholder_users(design, domains, "someone@{domain}\tsomeone@{domain}")
    return "\n".join(lines) + "\n"


def sasl_conf(host: HostPlan) -> str:
    """Sendmail.conf: Cyrus SASL's settings for sendmail's AUTH (password logins)."""
    return (
        "\n".join(
            [
                f"# {SASL_CONF} for {host.name}: how sendmail's AUTH checks a password.",
                "# Read by the Cyrus SASL library inside sendmail, once, when the daemon",
                "# starts: restart sendmail after a change.",
                "#",
                "# saslauthd checks each password (its settings: /etc/default/saslauthd,",
                "# the file saslauthd beside this one), by logging in to this host's",
                "# Dovecot over IMAP: one user list, Dovecot's, for IMAP and submission.",
                "# saslauthd needs the password itself, so only PLAIN and LOGIN can work;",
                "# sendmail.mc offers them only inside TLS (confAUTH_OPTIONS p).",
                "pwcheck_method: saslauthd",
                "mech_list: PLAIN LOGIN",
                f"saslauthd_path: {SASLAUTHD_RUN}/mux",
            ]
        )
        + "\n"
    )


def saslauthd_defaults(host: HostPlan) -> str:
    """/etc/default/saslauthd: Debian's saslauthd, checking passwords at Dovecot (rimap)."""
    return (
        "\n".join(
            [
                f"# {SASLAUTHD_DEFAULTS} for {host.name}: Debian's saslauthd (package",
                "# sasl2-bin), which checks sendmail's AUTH passwords (see Sendmail.conf).",
                "# Read by /etc/init.d/saslauthd when it starts: restart saslauthd after a",
                "# change (a reload keeps the old options).",
                "#",
                "# Debian's start script starts nothing unless START is yes.",
                "START=yes",
                'DESC="SASL Authentication Daemon"',
                'NAME="saslauthd"',
                "# rimap: each login is tried as an IMAP LOGIN at the server below, and",
                "# succeeds when IMAP accepts it. That is this host's Dovecot, listening",
                f"# on {RIMAP_SERVER} port 143 for this (dovecot.conf): a loopback",
                "# connection counts as secure there, so the password may go without TLS",
                "# and never leaves the host.",
                'MECHANISMS="rimap"',
                f'MECH_OPTIONS="{RIMAP_SERVER}"',
                "THREADS=5",
                "# -r: Cyrus SASL splits the login alice@example.org into user and realm;",
                "# -r joins them again, so Dovecot is asked for alice@example.org, the",
                "# name in its user list. No -c (Debian's default has it): a cache would",
                "# accept a changed or removed password for hours; Dovecot answers every",
                "# login itself.",
                f'OPTIONS="-r -m {SASLAUTHD_RUN}"',
            ]
        )
        + "\n"
    )


def _virtusertable(design: Design, host: HostPlan, mailbox: list[str], build: str) -> str:
    """Every address that exists at the mailbox and alias domains, and @domain refused.

    From the one user list (``domains[].users``, postmaster always), the same
    as Dovecot's passwd-file and the Postfix tables. A mailbox maps to itself;
    root@ and abuse@ to postmaster@; a user of an alias domain to the same user
    at its target. Never ``@alias %1@target``: that accepts any address.
    """
    lines = [
        "# virtusertable: the addresses that exist here, one line each, from the",
        "# design's user list (the same users as Dovecot's passwd-file).",
        "# A mailbox maps to itself and goes on to Dovecot (mailertable); root@ and",
        "# abuse@ reach postmaster@, a real mailbox (RFC 5321 4.5.1, RFC 2142); a user",
        "# of an alias domain reaches the same user at the target. @domain is an",
        "# error: an unknown address is refused at RCPT, never accepted and bounced",
        "# later to a forged sender (backscatter).",
        build.format(path=f"{MAIL_DIR}/virtusertable"),
        "",
    ]
    domains = [*mailbox, *(alias for alias, _ in host.alias_domains)]
    for domain in domains:
        lines += [f"{address}\t{target}" for address, target in accepted_addresses(design, domain)]
        lines.append(f"@{domain}\t{NO_SUCH_USER}")
    missing = [d for d in domains if not has_users(design, d)]
    if missing:
        lines += [
            "",
            "# PLACEHOLDER: the design lists no mailbox users for " + ", ".join(missing) + ",",
            "# so only postmaster (and root, abuse) exist there. Add them to the design",
            "# (domains[].users) and export again: every table gets the same list.",
            *[f"#someone@{d}\tsomeone@{d}" for d in missing],
        ]
    return "\n".join(lines) + "\n"


def _trust_reason(host: HostPlan, block: str) -> str:
    for r in host.reasons:
        if r.subject == "trusted_networks" and block in r.why:
            return r.why
    return "trusted by the plan"


def _authinfo(host: HostPlan) -> str:
    name = relayhost_name(host.relayhost or "")
    return (
        "\n".join(
            [
                f"# authinfo: the login for the smart host {name}.",
                "# Keep this file mode 0600, owned by root.",
                f"# Build: makemap hash {MAIL_DIR}/authinfo < {MAIL_DIR}/authinfo",
                "",
                "# PLACEHOLDER: remove the # and put in the user name and password the",
                "# provider gave you. Until then the smart host refuses to take mail.",
                f'#AuthInfo:{name}\t"U:USERNAME" "I:USERNAME" "P:PASSWORD" "M:PLAIN LOGIN"',
            ]
        )
        + "\n"
    )


def submit_mc(plan: Plan, host: HostPlan) -> str:
    """submit.mc for a signing host: Debian's mail submission program, masquerading.

    The sendmail command is the MSP, which hands each message to the daemon over
    SMTP; the daemon's OpenDKIM sees it as the MSP wrote it. Debian's own submit.mc
    qualifies ``From: root`` (cron) with the host's name, which no SigningTable
    line signs, and the daemon masquerades it only on the way out: such mail left
    unsigned. Masqueraded here, it reaches OpenDKIM as user@origin already.
    """
    origin = host.origin or host.name.split(".", 1)[1]
    mc = _Mc()
    mc.lines.append("divert(-1)dnl")
    mc.note(f"submit.mc for {host.name}: the sendmail command (mail submission program).")
    mc.note(f'Written by Mail Architect from the design "{plan.design}".')
    mc.note(
        "Debian's /usr/share/sendmail/cf/debian/submit.mc with masquerading switched on. "
        "Build: m4 /usr/share/sendmail/cf/m4/cf.m4 submit.mc > /etc/mail/submit.cf "
        "(the sendmail command reads it at once; no restart)."
    )
    mc.lines.append("divert(0)dnl")
    mc.line(f"VERSIONID(`Mail Architect: submit.mc for {host.name}')", "Names this file.")
    mc.line("OSTYPE(`debian')", "Debian's paths, as in Debian's own submit.mc.")
    mc.line(
        "DOMAIN(`debian-msp')",
        "Debian's settings for the submission program: its queue, pid file and user smmsp.",
    )
    mc.line(
        f"MASQUERADE_AS(`{origin}')",
        f"What cron and scripts send as root or user, with no domain or with {host.name}, "
        f"leaves here as user@{origin}: the daemon's OpenDKIM sees, and signs, the From "
        "that will reach the receiver. The daemon masquerades only when sending on, after "
        "OpenDKIM has seen the message, and a From it rewrites then breaks the signature.",
        *reasons(host, "dkim"),
    )
    mc.line("FEATURE(`masquerade_envelope')", "The envelope sender too, as the daemon does.")
    mc.line(
        "FEATURE(`msp', `[127.0.0.1]', `25')",
        "Hand every message to the daemon on this host, port 25 (loopback), as Debian does.",
    )
    return mc.text()


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
