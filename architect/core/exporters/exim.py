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
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from ..design import Design
from ..plan import HostPlan, Plan
from . import Exporter, register
from .postfix import (
    CA_FILE,
    accepted_addresses,
    address_classes,
    comment_lines,
    is_null_client,
    last_mta_domains,
    mailbox_users,
    placeholder_users,
    reasons,
    relayhost_name,
    relayhost_port,
    sender_domains,
    untrusted_by_hub,
)

CONFDIR = "/etc/exim4"
# Where Exim reads its certificate: copies of certbot's files that Debian-exim may read.
EXIM_CERT = f"{CONFDIR}/exim.crt"
EXIM_KEY = f"{CONFDIR}/exim.key"
# Debian 12's Exim and the packages a configuration needs: the light daemon has no
# dovecot authenticator (exim4 -bV lists "Authenticators: cram_md5 external
# plaintext"); the heavy one has it.
PACKAGE_LIGHT = "exim4-daemon-light"
PACKAGE_HEAVY = "exim4-daemon-heavy"
# Dovecot's sockets as Debian's dovecot-core creates them (base_dir /run/dovecot).
DOVECOT_AUTH_SOCKET = "/run/dovecot/auth-client"
DOVECOT_LMTP_SOCKET = "/run/dovecot/lmtp"
# The user Debian's exim4 runs as once it has bound its ports.
EXIM_USER = "Debian-exim"
# GnuTLS priority string (Debian builds Exim with GnuTLS): TLS 1.2 and later only.
TLS_MANDATORY = "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1"
SUBMISSION_PORTS = (587, 465)
# Where the DKIM private keys go: root's, readable by group Debian-exim (the
# transports run as that user).
DKIM_DIR = f"{CONFDIR}/dkim"
# The transport options that sign, each naming a macro of the main section.
DKIM_OPTIONS = (
    ("dkim_domain", "DKIM_DOMAIN"),
    ("dkim_selector", "DKIM_SELECTOR"),
    ("dkim_private_key", "DKIM_PRIVATE_KEY"),
    ("dkim_canon", "relaxed"),
)
# The comment line that names each key file, which the install steps read.
DKIM_KEY_NOTE = "# DKIM private key of {domain}: {path}"
# The tables this file can name, each a CONFDIR file in lsearch format.
TABLES = ("relay_recipients", "vmailbox", "virtual", "sender_logins", "passwd.client")


def needs_heavy(host: HostPlan) -> bool:
    """Whether the host's Exim checks passwords, which only exim4-daemon-heavy can (Dovecot)."""
    return "submission" in host.roles and bool(_submission_ports(host))


def _submission_ports(host: HostPlan) -> list[int]:
    return [p for p in SUBMISSION_PORTS if any(li.port == p for li in host.listens)]


class _Conf:
    """exim4.conf being written: settings in order, each with its comment."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: set[str] = set()

    def section(self, title: str) -> None:
        self.lines += ["", "# " + "=" * 74, *comment_lines(title), "# " + "=" * 74]

    def begin(self, name: str, *why: str) -> None:
        self.lines += ["", "# " + "#" * 74]
        for w in why:
            self.lines += comment_lines(w)
        self.lines += ["# " + "#" * 74, f"begin {name}"]
        self.names = set()

    def note(self, *text: str) -> None:
        self.lines.append("")
        for t in text:
            self.lines += comment_lines(t)

    def set(self, name: str, value: str, *why: str, indent: str = "") -> None:
        key = name.split()[-1]
        if key in self.names and not indent:
            raise ValueError(f"exim4.conf: {key} written twice")
        if not indent:
            self.names.add(key)
            self.lines.append("")
        for w in why:
            self.lines += comment_lines(w, prefix=indent + "# ")
        self.lines.append(f"{indent}{name} = {value}".rstrip())

    def block(self, name: str, why: Iterable[str], options: Iterable[tuple[str, str] | str]):
        """A router, transport, authenticator or ACL: ``name:`` and indented lines."""
        if name in self.names:
            raise ValueError(f"exim4.conf: {name} written twice")
        self.names.add(name)
        self.lines.append("")
        for w in why:
            self.lines += comment_lines(w)
        self.lines.append(f"{name}:")
        for option in options:
            if isinstance(option, str):
                # A comment line, or a bare option (no_more, check_local_user ...).
                if option.startswith("#"):
                    self.lines += comment_lines(option[1:].strip(), prefix="  # ")
                else:
                    self.lines.append(f"  {option}")
            else:
                key, value = option
                self.lines.append(f"  {key} = {value}".rstrip())

    def raw(self, *lines: str) -> None:
        self.lines += list(lines)

    def text(self) -> str:
        return "\n".join(self.lines).lstrip("\n") + "\n"


def exim_list(items: Iterable[str]) -> str:
    """An Exim list: colon-separated, or with ``<;`` when an item holds a colon (IPv6)."""
    items = list(items)
    if any(":" in item for item in items):
        return "<; " + " ; ".join(items)
    return " : ".join(items)


def _network(block: str) -> str:
    return str(ipaddress.ip_network(block, strict=False))


def _hop(plan: Plan, hop: str) -> tuple[str, str, int, str]:
    """(kind, target, port, name) of a ``relay:[h]`` or ``lmtp:[h]:24`` next hop.

    The target is the host's address when the design knows it (no lookup of a
    name only the internal DNS has, as the Postfix transport table does), else
    its name.
    """
    kind, _, rest = hop.partition(":")
    name = rest.lstrip("[").split("]")[0]
    port_text = rest.rsplit("]:", 1)[1] if "]:" in rest else ""
    port = int(port_text) if port_text.isdigit() else (24 if kind == "lmtp" else 25)
    target = name
    if plan.has_host(name) and plan.host(name).addresses:
        addresses = plan.host(name).addresses
        target = next((a for a in addresses if ":" not in a), addresses[0])
    return kind, target, port, name


def _route_host(target: str) -> str:
    """A host as a manualroute route_list names it.

    route_list items are separated by semicolons, and hosts inside an item by
    colons, which an IPv6 address doubles (``2001::1`` is written ``2001::::1``).
    """
    return target.replace(":", "::")


def exim_conf(design: Design, plan: Plan, host: HostPlan) -> str:
    """The exim4.conf of one Exim host."""
    conf = _Conf()
    origin = host.origin or host.name.split(".", 1)[1]
    classes = address_classes(host)
    null_client = is_null_client(host)
    no_local = null_client or ("gateway" in host.roles and not host.final_domains)
    ports = {listener.port: listener for listener in host.listens}
    submission = "submission" in host.roles and bool(_submission_ports(host))
    tables = exim_tables(design, plan, host)
    aliases = "virtual" in tables

    conf.raw(
        f"# Exim configuration for {host.name}",
        *comment_lines(f'Written by Mail Architect from the design "{plan.design}".'),
        "# Target: Exim 4.96 (Debian 12: exim4-daemon-"
        + ("heavy" if submission else "light")
        + "), one monolithic file.",
        "# Install as /etc/exim4/exim4.conf (Debian's exim4 prefers it to the file",
        "# update-exim4.conf generates); check with: exim4 -bV -C /etc/exim4/exim4.conf",
        "# and try an address with: exim4 -bt user@domain",
        "#",
        *comment_lines("Roles of this host: " + (", ".join(host.roles) or "none") + "."),
    )
    for role in host.roles:
        for why in reasons(host, role):
            conf.raw(*comment_lines(f"{role}: {why}", prefix="#   "))
    if tables:
        conf.raw(
            "#",
            "# Lookup files beside this one (plain text, lsearch: key, white space, value;",
            "# read at every lookup, so no build step): " + ", ".join(sorted(tables)) + ".",
        )

    conf.section("Names and paths")
    conf.set(
        "CONFDIR",
        CONFDIR,
        "Where the lookup files live. A macro, as in Debian's own configuration, so a "
        "test can point it elsewhere with exim4 -DCONFDIR=DIR.",
    )
    conf.set(
        "primary_hostname",
        host.name,
        "The name this host greets with and puts in Received: headers.",
    )
    conf.set(
        "qualify_domain",
        origin,
        f"Mail from local users and programs (root, cron) leaves as user@{origin}, "
        f"not user@{host.name} (Postfix: myorigin = $mydomain).",
    )
    conf.set(
        "keep_environment",
        "",
        "Start with an empty environment: nothing from the caller's leaks into "
        "deliveries, and Exim does not warn that it purged it.",
    )
    conf.set(
        "never_users",
        "root",
        "Never deliver as root: root's mail goes through /etc/aliases to a person.",
    )

    conf.section("Which domains this host accepts, and what it does with them")
    if no_local:
        local = []
        why_local = [
            "Nothing is delivered on this host itself: mail for every domain, including "
            "root's, goes on to the host that holds the mailboxes."
        ]
    else:
        local = ["@", "localhost", f"localhost.{origin}", *classes["local"]]
        why_local = [
            "Delivered to accounts of this host: its own name (@), localhost, and so "
            "that mail for root and postmaster stays here."
        ]
        if classes["local"]:
            why_local.append(
                "Also the mailboxes of "
                + ", ".join(classes["local"])
                + ": people with an account on this host receive mail at these domains."
            )
            why_local += reasons(host, "delivery")
    conf.set("domainlist local_domains", exim_list(local), *why_local)
    conf.set(
        "domainlist mailbox_domains",
        exim_list(classes["virtual_mailbox"]),
        *(
            [
                "Mailbox domains: handed to Dovecot over LMTP, which files the mail and "
                "keeps its index current. Only addresses in CONFDIR/vmailbox are accepted.",
                *reasons(host, "delivery"),
            ]
            if classes["virtual_mailbox"]
            else ["No Dovecot-filed mailbox domains on this host."]
        ),
    )
    conf.set(
        "domainlist alias_domains",
        exim_list(classes["virtual_alias"]),
        *(
            [
                "Alias domains: user@alias is delivered as user@target, one address at a "
                "time from CONFDIR/virtual, so unknown addresses are refused at RCPT.",
                *[f"{a} is an alias of {t}." for a, t in host.alias_domains],
            ]
            if classes["virtual_alias"]
            else ["No alias domains on this host."]
        ),
    )
    relay_why = (
        [
            *reasons(host, "relay_domains"),
            "Accepted from anyone and passed on, never delivered here: "
            + ", ".join(classes["relay"])
            + ". A domain list matches exactly: relaying for example.com does not also "
            "relay for anything.example.com.",
        ]
        if classes["relay"]
        else ["This host passes no domain on to another server."]
    )
    conf.set("domainlist relay_to_domains", exim_list(classes["relay"]), *relay_why)
    conf.set(
        "hostlist relay_from_hosts",
        exim_list(_network(b) for b in host.trusted_networks),
        "Who may send mail to other domains without logging in (Postfix: mynetworks): "
        + (
            "programs on this host itself (loopback)."
            if all(ipaddress.ip_network(b).is_loopback for b in host.trusted_networks)
            else "programs on this host and the networks below. Never a network the "
            "organisation does not control."
        ),
        *reasons(host, "trusted_networks"),
    )

    if host.dkim_signs:
        _dkim(conf, design, host)

    conf.section("Listening")
    _listeners(conf, host, ports, null_client)

    conf.section("Access control")
    conf.set(
        "acl_smtp_rcpt",
        "acl_check_rcpt",
        "Every RCPT TO is checked by acl_check_rcpt below: that is where relaying is "
        "allowed or refused.",
    )
    conf.set(
        "acl_smtp_mail",
        "acl_check_mail",
        "MAIL FROM is checked by acl_check_mail: logins on the submission ports, and "
        "which login may send as which address.",
    )
    conf.note(
        "No acl_smtp_vrfy and no acl_smtp_expn: without them Exim neither offers nor "
        "answers VRFY and EXPN (252/550 Administrative prohibition). VRFY would tell "
        "anyone which addresses exist here, a gift to spammers harvesting addresses; "
        "nothing legitimate needs it (Postfix: disable_vrfy_command = yes)."
    )
    conf.set(
        "auth_advertise_hosts",
        "${if and{{def:tls_in_cipher}{or{"
        + "".join(f"{{={{$received_port}}{{{p}}}}}" for p in _submission_ports(host))
        + "}}}{*}{}}"
        if submission
        else "",
        *(
            [
                "AUTH is offered on the submission ports only, and only inside TLS: no "
                "password crosses the network readable, and port 25 is for other mail "
                "servers, which do not log in."
            ]
            if submission
            else ["No AUTH on this host: nobody logs in to send here."]
        ),
    )
    if "filter" in host.roles:
        conf.note(
            *reasons(host, "filter"),
            "PLACEHOLDER: connect your spam and virus filter here, for example "
            "av_scanner and spamd_address with acl_smtp_data (Content_Scanning, in "
            "exim4-daemon-heavy). No filter is switched on, because none is installed yet.",
        )

    _acls(conf, host, classes, submission, "sender_logins" in tables)
    _routers(conf, design, plan, host, classes, null_client, no_local, aliases)
    _transports(conf, plan, host, classes)
    if submission or host.relayhost_auth:
        _authenticators(conf, host, submission)
    conf.begin(
        "retry",
        "How long a message that cannot be delivered yet is kept and tried again. Without "
        "a retry rule Exim treats every temporary failure (a receiver down, a greylisting "
        "450) as final and bounces at once; these are the times of Exim's own default "
        "configuration: every 15 minutes for 2 hours, then less and less often, for 4 days.",
    )
    conf.raw("*   *   F,2h,15m; G,16h,1h,1.5; F,4d,6h")
    return conf.text()


def dkim_key_path(domain: str, selector: str) -> str:
    """Where the private key of ``domain``'s ``selector`` goes on an Exim host that signs."""
    return f"{DKIM_DIR}/{selector}.{domain}.private"


def dkim_keys_named(conf: str) -> dict[str, str]:
    """{domain: private key path} as an exim4.conf's DKIM section names them."""
    pattern = "^" + re.escape(DKIM_KEY_NOTE).replace(r"\{domain\}", r"(\S+)")
    pattern = pattern.replace(r"\{path\}", r"(/\S+)") + "$"
    return dict(re.findall(pattern, conf, re.M))


def _dkim(conf: _Conf, design: Design, host: HostPlan) -> None:
    """The main-section half of DKIM signing: what is signed, with which key."""
    conf.section("DKIM signing")
    conf.note(*reasons(host, "dkim"))
    selectors = {d: design.domain(d).dkim_selector for d in host.dkim_signs}
    conf.set(
        "domainlist dkim_domains",
        exim_list(host.dkim_signs),
        "The domains whose mail this host signs: their public keys are in the design "
        "and in the zones.",
    )
    from_domain = "${lc:${domain:$rh_from:}}"
    conf.set(
        "DKIM_DOMAIN",
        "${if or{{def:authenticated_id}{!def:sender_host_address}"
        "{match_ip{$sender_host_address}{+relay_from_hosts}}}"
        f"{{${{if match_domain{{{from_domain}}}{{+dkim_domains}}{{$value}}}}}}{{}}}}",
        "The domain a message is signed for (d=): the domain of its From header, so that "
        "the signature aligns with it and DMARC passes, when that is one of dkim_domains "
        "and the message comes from this host (no sender host: the sendmail command), a "
        "trusted network or a user who logged in; like OpenDKIM's InternalHosts, mail "
        "relayed for strangers is never signed. Empty: the message leaves unsigned. "
        "$value is the matching item of dkim_domains, text of this file, where the From "
        "header is the sender's (tainted): Exim opens no file by a name made of it.",
    )
    if len(set(selectors.values())) == 1:
        selector = next(iter(selectors.values()))
    else:
        selector = (
            "${extract{$dkim_domain}{" + " ".join(f"{d}={s}" for d, s in selectors.items()) + "}}"
        )
    conf.set(
        "DKIM_SELECTOR",
        selector,
        "The selector of each domain's key (s=): "
        + ", ".join(f"{s} for {d}" for d, s in selectors.items())
        + ", as published at <selector>._domainkey.<domain>.",
    )
    conf.set(
        "DKIM_PRIVATE_KEY",
        "CONFDIR/dkim/$dkim_selector.$dkim_domain.private",
        "The private key of that selector. It is not in the bundle (the design holds the "
        "public key only): put the key you downloaded there, owned by root, group "
        "Debian-exim, mode 0640 (the transports run as Debian-exim). Should the file be "
        "missing, the message leaves unsigned (dkim_strict is not set), as Postfix's "
        "milter_default_action = accept does; the install script refuses to go on "
        "without it.",
    )
    conf.raw(
        "",
        *(DKIM_KEY_NOTE.format(domain=d, path=dkim_key_path(d, s)) for d, s in selectors.items()),
    )


def _listeners(conf: _Conf, host: HostPlan, ports: dict, null_client: bool) -> None:
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


def _acls(conf: _Conf, host: HostPlan, classes, submission: bool, logins: bool) -> None:
    ours = [
        f"+{name}"
        for name, cls in (
            ("local_domains", "local"),
            ("mailbox_domains", "virtual_mailbox"),
            ("alias_domains", "virtual_alias"),
        )
        if classes[cls] or name == "local_domains"
    ]
    conf.begin(
        "acl",
        "Access control lists: what each SMTP command may do. An ACL ends in an implicit deny.",
    )
    mail: list[tuple[str, str] | str] = []
    if submission:
        ports = _submission_ports(host)
        mail += [
            "# The submission ports: log in (inside TLS) or go away.",
            "deny",
            (
                "    condition",
                "${if or{" + "".join(f"{{={{$received_port}}{{{p}}}}}" for p in ports) + "}}",
            ),
            "    !authenticated = *",
            ("    message", "authentication required: log in after STARTTLS"),
        ]
        if logins:
            mail += [
                "# A logged-in user may send only as an address CONFDIR/sender_logins gives "
                "to that login, so one leaked password cannot send as anyone else in the "
                "organisation (Postfix: reject_sender_login_mismatch).",
                "deny",
                "    authenticated = *",
                "    !senders = :",
                (
                    "    !condition",
                    "${if eqi{${lookup{$sender_address}lsearch{CONFDIR/sender_logins}}}"
                    "{$authenticated_id}}",
                ),
                ("    message", "$sender_address is not an address of $authenticated_id"),
            ]
    mail.append("accept")
    conf.block("acl_check_mail", ["MAIL FROM."], mail)

    rcpt: list[tuple[str, str] | str] = [
        "# Programs on this host that speak SMTP on the loopback without an IP (exim -bs).",
        "accept",
        "    hosts = :",
        "# No @ % ! / | in local parts, no leading dot: they open source routing and "
        "file tricks (the Exim default configuration).",
        "deny",
        "    local_parts = ^[.] : ^.*[@%!/|]",
        ("    message", "restricted characters in address"),
        "# Our own domains: only addresses that exist (routing them must succeed), so "
        "nothing is accepted that would bounce later to a forged sender (backscatter).",
        "deny",
        f"    domains = {' : '.join(ours)}",
        "    !verify = recipient",
        ("    message", "no such user here"),
        "accept",
        f"    domains = {' : '.join(ours)}",
    ]
    if classes["relay"]:
        if host.recipient_validation:
            rcpt += [
                "# Passed-on domains: only the addresses in CONFDIR/relay_recipients (the "
                "design's user list), and only when a route exists.",
                "deny",
                "    domains = +relay_to_domains",
                "    !recipients = lsearch;CONFDIR/relay_recipients",
                ("    message", "no such user here"),
            ]
        else:
            rcpt += [
                "# WARNING: the plan gives no recipient list, so every address of the relay "
                "domains is accepted, and mail for non-existent users bounces to forged "
                "senders (backscatter).",
            ]
        rcpt += ["accept", "    domains = +relay_to_domains", "    verify = recipient"]
    rcpt += [
        "# Mail to other domains: from the trusted networks, or after logging in "
        "(submission fixes missing Date: and Message-ID: headers).",
        "accept",
        "    hosts = +relay_from_hosts",
    ]
    if submission:
        rcpt += ["accept", "    authenticated = *", "    control = submission/sender_retain"]
    rcpt += [
        "# Everything else: refused. Not an open relay.",
        "deny",
        ("    message", "relay not permitted"),
    ]
    conf.block(
        "acl_check_rcpt",
        ["RCPT TO: who may send mail where. The order matters; the first match wins."],
        rcpt,
    )


def _routers(conf, design, plan, host, classes, null_client, no_local, aliases) -> None:
    conf.begin(
        "routers",
        "Routers: where each address goes, tried in order; the first that accepts an "
        "address decides. exim4 -bt ADDRESS shows which one does.",
    )
    ours = "! +local_domains : ! +mailbox_domains : ! +alias_domains"
    if aliases:
        conf.block(
            "virtual_aliases",
            [
                "This host is the last MTA before the mailboxes, so it resolves the "
                "aliases: each user of an alias domain to the same user at its target, and "
                "root@ and abuse@ of each domain to postmaster@, a real mailbox (RFC 5321 "
                "§4.5.1). One address at a time, never a domain catch-all.",
            ],
            [
                ("driver", "redirect"),
                ("domains", exim_list(last_mta_domains(host))),
                ("data", "${lookup{$local_part@$domain}lsearch{CONFDIR/virtual}}"),
                "# An address not listed is left to the routers below.",
            ],
        )
    if null_client:
        _relayhost_router(conf, plan, host, "*")
        return
    for domain, hop in host.transport:
        kind, target, port, name = _hop(plan, hop)
        why = [
            f"Mail for {domain} goes to {name}"
            + (f" ({target}, its address in the design)" if target != name else "")
            + (
                f" over LMTP on port {port}, straight to its Dovecot, which files it."
                if kind == "lmtp"
                else f" over SMTP on port {port}."
            ),
            *reasons(host, "relay_domains"),
        ]
        options = [
            ("driver", "manualroute"),
            ("domains", domain),
            ("transport", f"to_{name.split('.')[0]}_{kind}"),
            ("route_list", f"* {_route_host(target)} byname"),
            "# byname: /etc/hosts, then DNS (the internal DNS may be the only one that knows "
            "the name); no MX lookup, so mail cannot loop back here.",
        ]
        conf.block(f"relay_{_slug(domain)}", why, options)
    other_relays = [d for d in classes["relay"] if d not in dict(host.transport)]
    if other_relays:
        conf.block(
            "relay_by_mx",
            [
                "Passed-on domains with no fixed next hop go to their MX hosts; Exim drops "
                "this host and every MX of equal or lower preference from the list, so "
                "mail for the domain waits here (a backup MX) until the primary answers.",
                *reasons(host, "relay_domains"),
            ],
            [
                ("driver", "dnslookup"),
                ("domains", exim_list(other_relays)),
                ("transport", "remote_smtp"),
                ("ignore_target_hosts", "<; 0.0.0.0 ; 127.0.0.0/8 ; ::1"),
                "no_more",
            ],
        )
    if classes["virtual_mailbox"]:
        store = (host.delivery or "").removeprefix("lmtp:")
        remote = bool(store) and store != host.name
        options = [
            ("driver", "accept" if not remote else "manualroute"),
            ("domains", "+mailbox_domains"),
            (
                "condition",
                "${lookup{$local_part@$domain}lsearch{CONFDIR/vmailbox}{yes}{no}}",
            ),
            "# Only the addresses in CONFDIR/vmailbox exist: any other is refused at RCPT.",
            ("transport", "dovecot_lmtp"),
        ]
        if remote:
            _, target, _, _ = _hop(plan, f"lmtp:[{store}]:24")
            options.append(("route_list", f"* {_route_host(target)} byname"))
        conf.block("dovecot", [*reasons(host, "delivery")], options)
    if not no_local:
        conf.block(
            "system_aliases",
            [
                "Local aliases from /etc/aliases (root, postmaster and the system accounts "
                "point at a person who reads mail)."
            ],
            [
                ("driver", "redirect"),
                ("domains", "+local_domains"),
                ("data", "${lookup{$local_part}lsearch{/etc/aliases}}"),
                "allow_fail",
                "allow_defer",
                "# No pipes or files from /etc/aliases: this file defines no transport for them.",
            ],
        )
        conf.block(
            "local_user",
            [
                "Accounts of this host: an unknown local part is refused at RCPT.",
                *reasons(host, "delivery"),
            ],
            [
                ("driver", "accept"),
                ("domains", "+local_domains"),
                "check_local_user",
                ("transport", "maildir_home" if host.delivery == "maildir" else "local_mbox"),
            ],
        )
    if host.relayhost:
        _relayhost_router(conf, plan, host, ours + " : ! +relay_to_domains")
    else:
        conf.block(
            "dnslookup",
            [
                "Mail for other domains goes straight to their MX hosts on port 25.",
                *(
                    reasons(host, "outbound")
                    or [
                        "WARNING: the plan finds no way out for this host's mail (see its "
                        "findings), so it will wait in the queue until the design gives one."
                    ]
                ),
                "Addresses in our own domains never get here: no_more makes them unknown "
                "instead of sending them out.",
            ],
            [
                ("driver", "dnslookup"),
                ("domains", ours + " : ! +relay_to_domains"),
                ("transport", "remote_smtp"),
                ("ignore_target_hosts", "<; 0.0.0.0 ; 127.0.0.0/8 ; ::1"),
                "no_more",
            ],
        )


def _relayhost_router(conf: _Conf, plan: Plan, host: HostPlan, domains: str) -> None:
    relayhost = host.relayhost or ""
    name = relayhost_name(relayhost)
    warning = untrusted_by_hub(plan, host)
    conf.block(
        "relayhost",
        [
            *reasons(host, "relayhost"),
            *([warning] if warning else []),
            f"Everything not delivered here goes to {name} (Postfix: relayhost = "
            f"{relayhost}); byname looks the name up in /etc/hosts, then DNS, and never "
            "asks for its MX.",
        ],
        [
            ("driver", "manualroute"),
            ("domains", domains),
            ("transport", "smarthost_smtp" if host.relayhost_auth else "hub_smtp"),
            ("route_list", f"* {name} byname"),
            "no_more",
        ],
    )


def _transports(conf: _Conf, plan: Plan, host: HostPlan, classes) -> None:
    conf.begin("transports", "Transports: how a routed address is delivered.")
    null_client = is_null_client(host)
    # The transports that carry mail out sign it; those inside the organisation do not.
    signing = list(DKIM_OPTIONS) if host.dkim_signs else []
    signs = (
        ["Signed with DKIM on the way (DKIM_DOMAIN and the macros after it, above)."]
        if signing
        else []
    )
    if not host.relayhost or host.relay_domains:
        conf.block(
            "remote_smtp",
            [
                "SMTP to other servers on port 25: TLS whenever the other server offers it "
                "(Exim's client tries STARTTLS by default), never required.",
                *signs,
            ],
            [("driver", "smtp"), *signing],
        )
    seen = set()
    for _, hop in host.transport:
        kind, target, port, name = _hop(plan, hop)
        tname = f"to_{name.split('.')[0]}_{kind}"
        if tname in seen:
            continue
        seen.add(tname)
        options = [("driver", "smtp"), ("port", str(port))]
        if kind == "lmtp":
            options += [
                ("protocol", "lmtp"),
                ("hosts_avoid_tls", "*"),
                "# LMTP is for trusted hops only (RFC 2033); the store's port 24 is "
                "firewalled to this host, and Dovecot offers no TLS there.",
            ]
        why = f"To {name}: " + ("LMTP to its Dovecot." if kind == "lmtp" else "SMTP.")
        conf.block(tname, [why], options)
    if classes["virtual_mailbox"]:
        store = (host.delivery or "").removeprefix("lmtp:")
        if not store or store == host.name:
            conf.block(
                "dovecot_lmtp",
                [
                    "Hand mailbox mail to Dovecot's LMTP service on this host, through its "
                    f"socket ({DOVECOT_LMTP_SOCKET}, created by dovecot.conf's protocols = "
                    "lmtp). The recipient is the full address, as Dovecot's users are keyed."
                ],
                [
                    ("driver", "lmtp"),
                    ("socket", DOVECOT_LMTP_SOCKET),
                    ("user", EXIM_USER),
                    ("batch_max", "200"),
                    "# As Debian-exim, the group dovecot.conf gives the socket to.",
                ],
            )
        else:
            conf.block(
                "dovecot_lmtp",
                [f"LMTP over TCP to the Dovecot of {store}, port 24."],
                [
                    ("driver", "smtp"),
                    ("protocol", "lmtp"),
                    ("port", "24"),
                    ("hosts_avoid_tls", "*"),
                ],
            )
    if not null_client and not ("gateway" in host.roles and not host.final_domains):
        common = [
            ("delivery_date_add", "true"),
            ("envelope_to_add", "true"),
            ("return_path_add", "true"),
        ]
        if host.delivery == "maildir":
            conf.block(
                "maildir_home",
                ["Each user's mail is filed in ~/Maildir/, one file per message."],
                [
                    ("driver", "appendfile"),
                    ("directory", "$home/Maildir"),
                    ("maildir_format", "true"),
                    ("create_directory", "true"),
                    *common,
                    ("mode", "0600"),
                ],
            )
        else:
            conf.block(
                "local_mbox",
                [
                    "Each user's mail goes to /var/mail/<user> (mbox), where mail readers on "
                    "this host look for it; Exim writes it as the user, with group mail "
                    "(Debian's /var/mail is 2775 root:mail). No size limit on the whole "
                    "mailbox: it is also the user's inbox."
                ],
                [
                    ("driver", "appendfile"),
                    ("file", "/var/mail/$local_part_data"),
                    *common,
                    ("group", "mail"),
                    ("mode", "0660"),
                ],
            )
    if host.relayhost:
        port = relayhost_port(host.relayhost) or 25
        name = relayhost_name(host.relayhost)
        if host.relayhost_auth:
            options = [
                ("driver", "smtp"),
                ("port", str(port)),
                *([("protocol", "smtps")] if port == 465 else []),
                ("hosts_require_tls", "*"),
                ("tls_verify_hosts", "*"),
                ("tls_verify_certificates", CA_FILE),
                ("tls_verify_cert_hostnames", "*"),
                ("tls_require_ciphers", TLS_MANDATORY),
                ("hosts_require_auth", "*"),
            ]
            why = [
                f"To the smarthost {name}, port {port}"
                + (", TLS from the first byte." if port == 465 else ", with STARTTLS.")
                + f" TLS or nothing, and only once its certificate proves it is {name}, "
                "checked against the public CAs (Debian's ca-certificates): otherwise "
                "anyone between here and there could pose as the relay and take the "
                "password. TLS 1.2 or later (RFC 8996). Then log in (smarthost_login "
                "below); without a login the mail waits in the queue.",
            ]
        else:
            options = [("driver", "smtp"), ("port", str(port))]
            why = [
                f"To the hub {name}, port {port}: TLS whenever it offers it. No login: the "
                "hub trusts this host's network."
            ]
        conf.block(
            "smarthost_smtp" if host.relayhost_auth else "hub_smtp",
            [*why, *signs],
            [*options, *signing],
        )


def _authenticators(conf: _Conf, host: HostPlan, submission: bool) -> None:
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


def _slug(domain: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in domain)


# --------------------------------------------------------------------------
# Lookup files


def exim_tables(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """The lsearch files exim4.conf names, by file name (all under CONFDIR)."""
    out: dict[str, str] = {}
    classes = address_classes(host)
    path = CONFDIR + "/{name}"
    if classes["relay"] and host.recipient_validation:
        lines = [
            "# relay_recipients: the addresses this host accepts for the domains it passes",
            "# on; any other is refused at RCPT, so nothing bounces later to a forged",
            "# sender (backscatter). Written from the design's user list (domains[].users),",
            "# the same list as the store's mailboxes; postmaster, root and abuse exist in",
            "# every domain (RFC 5321 §4.5.1, RFC 2142). The value is not used.",
            f"# {path.format(name='relay_recipients')}, read as it is (lsearch).",
            "",
        ]
        for domain in classes["relay"]:
            lines += [f"{address}\tOK" for address, _ in accepted_addresses(design, domain)]
        lines += placeholder_users(design, classes["relay"], "someone@{domain}\tOK")
        out["relay_recipients"] = "\n".join(lines) + "\n"
    if classes["virtual_mailbox"]:
        lines = [
            "# vmailbox: the addresses that have a mailbox. Dovecot files the mail; this",
            "# list lets Exim refuse unknown addresses at RCPT. The value is not used.",
            "# The same users as Dovecot's passwd-file, from the design.",
            "",
        ]
        for domain in classes["virtual_mailbox"]:
            lines += [f"{u}@{domain}\tOK" for u in mailbox_users(design, domain)]
        lines += placeholder_users(design, classes["virtual_mailbox"], "someone@{domain}\tOK")
        out["vmailbox"] = "\n".join(lines) + "\n"
    virtual = [
        f"{address}\t{mailbox}"
        for domain in last_mta_domains(host)
        for address, mailbox in accepted_addresses(design, domain)
        if address != mailbox
    ]
    if virtual:
        aliases = [a for a, _ in host.alias_domains]
        lines = [
            "# virtual: address rewriting on the last MTA hop before the mailboxes (the",
            "# virtual_aliases router). One line per address, never a catch-all: root@ and",
            "# abuse@ reach postmaster@, a real mailbox in every domain.",
            "",
            *virtual,
            *placeholder_users(design, aliases, "someone@{domain}\tsomeone@<target>"),
        ]
        out["virtual"] = "\n".join(lines) + "\n"
    if "submission" in host.roles and _submission_ports(host):
        domains = sender_domains(design, plan)
        lines = [
            "# sender_logins: which login may send as which address (acl_check_mail).",
            "# A logged-in user who sends as an address not given here to that login is",
            "# refused. Logins are full addresses, as Dovecot checks them; root@ and abuse@",
            "# belong to the postmaster's login.",
            "",
        ]
        for domain in domains:
            lines += [
                f"{address}\t{login}" for address, login in accepted_addresses(design, domain)
            ]
        lines += placeholder_users(design, domains, "someone@{domain}\tsomeone@{domain}")
        out["sender_logins"] = "\n".join(lines) + "\n"
    if host.relayhost_auth and host.relayhost:
        name = relayhost_name(host.relayhost)
        out["passwd.client"] = (
            "\n".join(
                [
                    f"# passwd.client: the login for the smarthost {name}, as",
                    "# host: user:password (the password may not contain a colon).",
                    "# Keep this file mode 0640, owner root, group Debian-exim.",
                    "",
                    "# PLACEHOLDER: remove the # and put in the user name and password the",
                    "# provider gave you. Until then the smarthost refuses to take mail.",
                    f"#{name}: USERNAME:PASSWORD",
                ]
            )
            + "\n"
        )
    return out


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
