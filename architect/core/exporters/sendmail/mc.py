"""sendmail.mc: the header, listeners, accepted domains and local delivery, in m4's order."""

from __future__ import annotations

from ...design import Design
from ...plan import HostPlan, Plan
from ..hostfacts import is_null_client
from ..text import reasons
from .common import MAIL_DIR, SASL_CONF, SASLAUTHD_RUN, _local_names, _Mc, dovecot_domains
from .mailers import _mailers, _sender_login_check
from .outbound import _leaving, _null_client
from .tables import sendmail_tables


def sendmail_mc(design: Design, plan: Plan, host: HostPlan) -> str:
    """The sendmail.mc of one sendmail host."""
    mc = _Mc()
    origin = host.origin or host.name.split(".", 1)[1]
    _header(mc, plan, host, sendmail_tables(design, plan, host))
    if is_null_client(host):
        _null_client(mc, plan, host, origin)
        return mc.text()
    _listeners(mc, host)
    _submission_auth(mc, host)
    _accepted_domains(mc, host)
    _domain_tables(mc, host)
    _local_delivery(mc, host)
    _leaving(mc, plan, host, origin)
    _mailers(mc, host)
    if "submission" in host.roles:
        _sender_login_check(mc)
    return mc.text()


def _header(mc: _Mc, plan: Plan, host: HostPlan, tables: dict[str, str]) -> None:
    """The comments that say what the file is and how to build it, then the host's identity."""
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


def _listeners(mc: _Mc, host: HostPlan) -> None:
    """Exactly the ports the plan opens: 25 for servers, 587 and 465 for mail programs."""
    ports = {listener.port: listener for listener in host.listens}
    submission = "submission" in host.roles
    mc.blank()
    mc.note("Listeners: exactly the ports the plan opens.")
    mc.line(
        "FEATURE(`no_default_msa')",
        "No implicit port 587 listener; the submission listener, if any, is defined below.",
    )
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
        _tls_files(mc, host)


def _tls_files(mc: _Mc, host: HostPlan) -> None:
    """The certificate STARTTLS offers, and the authorities that verify other servers."""
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


def _submission_auth(mc: _Mc, host: HostPlan) -> None:
    """AUTH for submission: password logins through Cyrus SASL, only inside TLS."""
    if "submission" not in host.roles:
        return
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


def _accepted_domains(mc: _Mc, host: HostPlan) -> None:
    """Class w, the virtual mailbox domains, and the access table that grants relaying."""
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


def _domain_tables(mc: _Mc, host: HostPlan) -> None:
    """The mailertable and virtusertable features: where each domain goes, which addresses exist."""
    mailbox = dovecot_domains(host)
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


def _local_delivery(mc: _Mc, host: HostPlan) -> None:
    """Who files the mail delivered here: dovecot-lda for mailbox domains, procmail for the rest."""
    lda = bool(dovecot_domains(host))
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
