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

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..design import Design
from ..plan import HostPlan, Plan
from . import Exporter, register
from .postfix import (
    POSTMASTER,
    SYSTEM_ALIASES,
    accepted_addresses,
    address_classes,
    comment_lines,
    is_null_client,
    last_mta_domains,
    placeholder_users,
    reasons,
    relayhost_name,
    relayhost_port,
    sender_domains,
    tls_chain_files,
    untrusted_by_hub,
)

CONF_DIR = "/etc/smtpd"  # the tables; smtpd.conf itself is /etc/smtpd.conf on Debian
DOVECOT_LMTP_SOCKET = "/run/dovecot/lmtp"
# Dovecot's mailboxes belong to this system user (dovecot.VMAIL_UID, created by the
# install steps); OpenSMTPD's LMTP delivery runs as a local user, this one.
VMAIL_USER = "vmail"
PACKAGE = "opensmtpd"
# bookworm's own opensmtpd (6.8.0p2) fails every TLS handshake it serves: its key
# privilege separation does not work with OpenSSL 3 ("missing private key", then an
# alert), so no STARTTLS on 25 and no submission at all. 7.4 in bookworm-backports
# works with the same certbot files.
SUITE = "bookworm-backports"
# DKIM signing: Debian's filter (bookworm's 0.5, for any opensmtpd of 6.6 or later),
# run as the user its package creates, with the keys in a folder of root's that
# this user's group may read.
DKIM_PACKAGE = "opensmtpd-filter-dkimsign"
DKIM_USER = "_dkimsign"
DKIM_DIR = f"{CONF_DIR}/dkim"
DKIM_FILTER = "/usr/libexec/opensmtpd/filter-dkimsign"
# The loopback port of the first domain's signing listener; the next domain's is one more.
DKIM_PORT = 10030


class _Conf:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.lines += ["", "# " + "=" * 74, *comment_lines(title), "# " + "=" * 74]

    def line(self, text: str, *why: str) -> None:
        self.lines.append("")
        for w in why:
            self.lines += comment_lines(w)
        self.lines.append(text)

    def text(self) -> str:
        return "\n".join(self.lines).lstrip("\n") + "\n"


def _quoted(items: Iterable[str]) -> str:
    return "{ " + ", ".join(f'"{i}"' for i in items) + " }"


def _network(block: str) -> str:
    return str(ipaddress.ip_network(block, strict=False))


def _target(plan: Plan, name: str) -> str:
    """A design host's address when the design knows it (IPv4 first), else its name."""
    if plan.has_host(name) and plan.host(name).addresses:
        addresses = plan.host(name).addresses
        address = next((a for a in addresses if ":" not in a), addresses[0])
        return f"[{address}]" if ":" in address else address
    return name


def _submission_ports(host: HostPlan) -> list[int]:
    return [p for p in (587, 465) if any(li.port == p for li in host.listens)]


def smtpd_conf(design: Design, plan: Plan, host: HostPlan) -> str:
    """The smtpd.conf of one OpenSMTPD host."""
    conf = _Conf()
    classes = address_classes(host)
    null_client = is_null_client(host)
    no_local = null_client or ("gateway" in host.roles and not host.final_domains)
    ports = {listener.port: listener for listener in host.listens}
    submission = "submission" in host.roles and bool(_submission_ports(host))
    tables = smtpd_tables(design, plan, host)
    origin = host.origin or host.name.split(".", 1)[1]

    conf.lines += [
        f"# OpenSMTPD smtpd.conf for {host.name}",
        *comment_lines(f'Written by Mail Architect from the design "{plan.design}".'),
        "# Target: OpenSMTPD 7.4 (Debian 12, from bookworm-backports: bookworm's 6.8",
        "# cannot serve TLS with OpenSSL 3). Install as /etc/smtpd.conf, the tables in",
        f"# {CONF_DIR}/; check with: smtpd -n (or smtpd -n -f FILE), then restart opensmtpd.",
        "# Rules are tried in order, the first match wins, and an RCPT that matches no",
        "# rule is refused. OpenSMTPD has no VRFY or EXPN (it answers 502).",
        "#",
        *comment_lines("Roles of this host: " + (", ".join(host.roles) or "none") + "."),
    ]
    for role in host.roles:
        for why in reasons(host, role):
            conf.lines += comment_lines(f"{role}: {why}", prefix="#   ")

    listening = bool(ports.keys() & {25, 465, 587})
    if listening:
        conf.section("Certificate")
        key, chain = tls_chain_files(host.name)
        conf.line(
            f'pki {host.name} cert "{chain}"',
            f"PLACEHOLDER: the certificate chain for {host.name}, where certbot writes it "
            f"(certbot certonly -d {host.name}). smtpd refuses to start until it exists.",
        )
        conf.line(f'pki {host.name} key "{key}"', "PLACEHOLDER: its private key.")

    conf.section("Tables")
    conf.line(
        f"table trusted {_quoted(_network(b) for b in host.trusted_networks)}",
        "Who may send mail to other domains without logging in (Postfix: mynetworks): "
        + (
            "programs on this host itself (loopback)."
            if all(ipaddress.ip_network(b).is_loopback for b in host.trusted_networks)
            else "programs on this host and the networks below. Never a network the "
            "organisation does not control."
        ),
        *reasons(host, "trusted_networks"),
    )
    if classes["relay"]:
        conf.line(
            f"table relay_domains {_quoted(classes['relay'])}",
            *reasons(host, "relay_domains"),
            "Accepted from anyone and passed on, never delivered here. A domain table "
            "matches exactly: not anything.example.com.",
        )
    dovecot_domains = classes["virtual_mailbox"] + [
        d for d in classes["virtual_alias"] if d not in classes["local"]
    ]
    if dovecot_domains:
        conf.line(
            f"table mailbox_domains {_quoted(dovecot_domains)}",
            "Mailbox domains (and alias domains of them): handed to Dovecot over LMTP.",
            *reasons(host, "delivery"),
        )
    if classes["local"]:
        conf.line(
            f"table local_domains {_quoted(classes['local'])}",
            "Delivered to accounts of this host: people with an account here receive mail "
            "at these domains.",
            *reasons(host, "delivery"),
        )
    for name, why in (
        ("virtuals", "Every address that exists on the last MTA hop, and where it goes."),
        ("aliased", "The addresses the virtuals table rewrites."),
        ("relay_recipients", "The addresses accepted for the passed-on domains."),
        ("passwords", "The submission logins and their password hashes."),
        ("sender_logins", "Which login may send as which address."),
        ("secrets", "The login for the smarthost."),
        ("aliases", "Where the local names of this host (root, postmaster) go."),
    ):
        if name in tables:
            conf.line(f"table {name} file:{CONF_DIR}/{name}", why)

    signers = dkim_signers(design, host)
    if signers:
        _dkim_filters(conf, host, signers)

    conf.section("Listening")
    _listeners(conf, host, ports, submission, "sender_logins" in tables)
    for s in signers:
        conf.line(
            f'listen on 127.0.0.1 port {s.port} tag {s.tag} filter "{s.filter}"',
            f"The signing listener of {s.domain}: the action {s.action} (below) sends "
            f"mail here; the filter signs it and the tag {s.tag} sends it out (rules "
            "below). Loopback only: only this host's programs can reach it.",
        )

    conf.section("Actions: how accepted mail is delivered")
    actions = _actions(conf, plan, host, classes, tables, null_client, no_local, origin)
    for s in signers:
        conf.line(
            f'action "{s.action}" relay host smtp://127.0.0.1:{s.port}',
            f"Mail of {s.domain} on its way out goes first through its signing listener "
            f"(port {s.port}, this host) to be signed.",
        )

    conf.section("Rules: which mail is accepted, and for which action")
    _rules(
        conf,
        host,
        classes,
        dovecot_domains,
        tables,
        actions,
        null_client,
        no_local,
        submission,
        signers,
    )
    if "filter" in host.roles:
        conf.line(
            "# filter: none installed yet",
            *reasons(host, "filter"),
            "PLACEHOLDER: connect your spam and virus filter here with a filter directive "
            "(smtpd.conf(5), FILTERS) on the listeners. None is switched on.",
        )
    return conf.text()


def _listeners(conf: _Conf, host: HostPlan, ports, submission: bool, logins: bool) -> None:
    pki = f"pki {host.name}"
    if 25 in ports:
        who = ", ".join(ports[25].open_to)
        conf.line(
            f"listen on 0.0.0.0 port 25 tls {pki} hostname {host.name}",
            f"Port 25 for mail from other servers (reachable by: {who}), IPv4: STARTTLS "
            "offered, never required (a public MX that insists on TLS loses mail from "
            "servers that cannot do it, RFC 3207), and no AUTH here.",
            *(
                [f"Firewall port 25 so that only {who} can reach it."]
                if "internet" not in ports[25].open_to
                else []
            ),
        )
        conf.line(f"listen on :: port 25 tls {pki} hostname {host.name}", "The same, IPv6.")
    else:
        conf.line(
            "listen on 127.0.0.1 port 25",
            "Port 25 on the loopback address only, for local programs that speak SMTP: "
            "nothing else sends mail to this host (Postfix: inet_interfaces = loopback-only).",
        )
        conf.line("listen on ::1 port 25", "The same, IPv6.")
    if not submission:
        return
    auth = "auth <passwords>" + (" senders <sender_logins>" if logins else "")
    for port in _submission_ports(host):
        mode = "tls-require" if port == 587 else "smtps"
        why = [
            *(reasons(host, "submission") if port == _submission_ports(host)[0] else []),
            f"Port {port}: mail programs send here after logging in, with "
            + (
                "STARTTLS required before anything else."
                if port == 587
                else "TLS from the first byte (RFC 8314)."
            )
            + " auth: no mail without a login; the passwords are hashes in the passwords "
            "table. senders: a user may send only as the addresses sender_logins gives "
            "that login, so one leaked password cannot send as anyone else "
            "(Postfix: reject_sender_login_mismatch). TLS 1.2 or later: Debian's OpenSSL "
            "refuses older versions by default.",
        ]
        for family, address in (("IPv4", "0.0.0.0"), ("IPv6", "::")):
            conf.line(
                f"listen on {address} port {port} {mode} {pki} hostname {host.name} {auth}",
                *(why if family == "IPv4" else ["The same, IPv6."]),
            )


def _actions(conf, plan, host, classes, tables, null_client, no_local, origin) -> dict[str, str]:
    """Write the action lines; return {purpose: action name}."""
    names: dict[str, str] = {}
    if not no_local:
        method = "maildir" if host.delivery == "maildir" else "mbox"
        conf.line(
            f'action "local" {method} alias <aliases>',
            "Accounts of this host: "
            + (
                "each user's mail is filed in ~/Maildir/."
                if method == "maildir"
                else "each user's mail goes to /var/mail/<user> (mbox, with mail.local)."
            )
            + " Local names go through /etc/aliases first.",
            *reasons(host, "delivery"),
        )
        names["local"] = "local"
    if "virtuals" in tables and (classes["virtual_mailbox"] or classes["virtual_alias"]):
        store = (host.delivery or "").removeprefix("lmtp:")
        if not store or store == host.name:
            dest = f'"{DOVECOT_LMTP_SOCKET}"'
            where = f"Dovecot's LMTP socket on this host ({DOVECOT_LMTP_SOCKET})"
        else:
            dest = f'"{_target(plan, store).strip("[]")}:24"'
            where = f"the Dovecot of {store}, port 24"
        conf.line(
            f'action "dovecot" lmtp {dest} rcpt-to virtual <virtuals>',
            f"Mailbox mail goes to {where}, which files it and keeps its index current. "
            "rcpt-to: Dovecot gets the full address, as its users are keyed. virtual: only "
            "the addresses in the virtuals table exist; every other is refused at RCPT. "
            f"Each address maps to the user {VMAIL_USER}, the owner of the mailboxes, "
            "which runs the delivery (OpenSMTPD 7 refuses a user option beside virtual).",
        )
        names["dovecot"] = "dovecot"
    for domain, hop in host.transport:
        kind, _, rest = hop.partition(":")
        name = rest.lstrip("[").split("]")[0]
        port = rest.rsplit("]:", 1)[1] if "]:" in rest else ("24" if kind == "lmtp" else "25")
        target = _target(plan, name)
        action = f"to_{name.split('.')[0]}"
        if action in names.values():
            continue
        url = f"{'lmtp' if kind == 'lmtp' else 'smtp'}://{target}:{port}"
        conf.line(
            f'action "{action}" relay host {url}',
            f"Mail for {domain} goes to {name}"
            + (f" ({target}, its address in the design)" if target != name else "")
            + (
                f", over LMTP on port {port}, straight to its Dovecot."
                if kind == "lmtp"
                else f", over SMTP on port {port}, with STARTTLS when offered."
            ),
        )
        names[f"relay:{domain}"] = action
    if "virtuals" in tables and not names.get("dovecot"):
        conf.line(
            'action "aliases" forward-only virtual <virtuals>',
            "This host is the last MTA before the mailboxes, so it resolves the aliases "
            "(root@ and abuse@ to postmaster@, a real mailbox; alias domains to their "
            "target) and passes the result on by the rules below.",
        )
        names["aliases"] = "aliases"
    by_mx = [d for d in classes["relay"] if d not in dict(host.transport)]
    if by_mx:
        conf.line(
            f'action "backup" relay backup mx {host.name}',
            "Passed-on domains with no fixed next hop go to their MX hosts of higher "
            "priority than this one (a backup MX): mail waits here until the primary "
            "answers.",
            *reasons(host, "relay_domains"),
        )
        names["backup"] = "backup"
    if host.relayhost:
        name = relayhost_name(host.relayhost)
        port = relayhost_port(host.relayhost) or 25
        warning = untrusted_by_hub(plan, host)
        if host.relayhost_auth:
            proto = "smtps" if port == 465 else "smtp+tls"
            url = f"{proto}://relay@{name}:{port}"
            conf.line(
                f'action "outbound" relay host {url} auth <secrets>',
                *reasons(host, "relayhost"),
                *([warning] if warning else []),
                f"Everything for other domains goes to {name}, port {port}, "
                + ("TLS from the first byte" if port == 465 else "with STARTTLS required")
                + " and its certificate verified (OpenSMTPD does so by default), then a "
                "login: the relay label in the secrets table.",
            )
        else:
            conf.line(
                f'action "outbound" relay host smtp://{name}:{port}',
                *reasons(host, "relayhost"),
                *([warning] if warning else []),
                f"Everything for other domains goes to {name}, port {port} (no MX lookup), "
                "with STARTTLS when offered; no login, the hub trusts this host's network.",
            )
    else:
        conf.line(
            'action "outbound" relay',
            "Mail for other domains goes straight to their MX hosts on port 25, with "
            "STARTTLS when offered.",
            *(
                reasons(host, "outbound")
                or [
                    "WARNING: the plan finds no way out for this host's mail (see its "
                    "findings), so it will wait in the queue until the design gives one."
                ]
            ),
        )
    names["outbound"] = "outbound"
    if null_client or no_local:
        conf.line(
            'action "local_names" forward-only alias <aliases>',
            "Nothing is delivered on this host: its local names (root, postmaster) go to "
            f"the same names at {origin}, through the rules below.",
        )
        names["local_names"] = "local_names"
    return names


def _rules(
    conf,
    host,
    classes,
    dovecot_domains,
    tables,
    actions,
    null_client,
    no_local,
    submission,
    signers,
):
    if "aliases" in actions:
        conf.line(
            'match from any for rcpt-to <aliased> action "aliases"',
            "The aliases this host resolves, before the domain rules.",
        )
    if dovecot_domains:
        conf.line(
            'match from any for domain <mailbox_domains> action "dovecot"',
            "Mail for the mailbox domains, from anyone.",
        )
    if "local" in actions:
        conf.line(
            'match from any for local action "local"',
            "Mail for this host's own names (localhost, its hostname), from anyone.",
        )
        if classes["local"]:
            conf.line(
                'match from any for domain <local_domains> action "local"',
                "Mail for the domains whose users have accounts here.",
            )
    if "local_names" in actions:
        conf.line(
            'match from local for local action "local_names"',
            "Local programs writing to root or postmaster of this host.",
        )
    check = " rcpt-to <relay_recipients>" if "relay_recipients" in tables else ""
    for domain, _ in host.transport:
        if domain in classes["relay"]:
            conf.line(
                f'match from any for domain "{domain}"{check} '
                f'action "{actions[f"relay:{domain}"]}"',
                f"Mail for {domain}, from anyone"
                + (
                    ", only for the addresses in relay_recipients (no backscatter)."
                    if check
                    else ". WARNING: the plan gives no recipient list, so every address is "
                    "accepted and mail for non-existent users bounces to forged senders."
                ),
            )
    if "backup" in actions:
        by_mx = [d for d in classes["relay"] if d not in dict(host.transport)]
        conf.line(
            f'match from any for domain {_quoted(by_mx)}{check} action "backup"',
            "Mail for the domains this host is a backup MX of"
            + (", only for the addresses in relay_recipients." if check else "."),
        )
    for sig in signers:
        conf.line(
            f'match from local tag {sig.tag} for any action "outbound"',
            f"Mail of {sig.domain} that its signing listener has signed: out, as below. "
            "Before the rules that send to the signing listeners, so no message goes round.",
        )
    # What programs here send without a domain (cron's root) OpenSMTPD qualifies with
    # the server name (/etc/mailname), the host's own name: it has no setting like
    # Postfix's myorigin. Signed for the origin domain, whose key covers it (DMARC's
    # relaxed alignment: the same organisational domain).
    origin = host.origin or host.name.split(".", 1)[1]
    for sig in signers:
        if sig.domain == origin:
            conf.line(
                f'match from local mail-from "@{host.name}" for any action "{sig.action}"',
                f"Mail that programs on this host send with no domain leaves as "
                f"user@{host.name} (OpenSMTPD qualifies it with its server name, "
                f"/etc/mailname): signed for {origin}, which DMARC aligns with it "
                "(relaxed alignment, the same organisational domain).",
            )
    for sig in signers:
        sources = [("from local", "programs on this host")]
        if not null_client:
            sources.append(("from src <trusted>", "the trusted networks"))
        if submission:
            sources.append(("auth from any", "logged-in users"))
        for n, (source, who) in enumerate(sources):
            conf.line(
                f'match {source} mail-from "@{sig.domain}" for any action "{sig.action}"',
                *(
                    [
                        f"Mail that {who} send as {sig.domain} to other domains is signed "
                        "first (DKIM, with the key of its own domain); mail this host "
                        "relays for strangers never is."
                    ]
                    if n == 0
                    else [f"The same for {who}."]
                ),
            )
    conf.line(
        'match from local for any action "outbound"',
        "Programs on this host (the sendmail command, the loopback).",
    )
    if not null_client:
        conf.line(
            'match from src <trusted> for any action "outbound"',
            "The trusted networks may send anywhere.",
        )
    if submission:
        conf.line(
            'match auth from any for any action "outbound"',
            "Logged-in users may send anywhere (only the submission ports offer AUTH).",
        )
    conf.line(
        "# Everything else matches no rule and is refused: not an open relay.",
    )


# --------------------------------------------------------------------------
# DKIM


@dataclass(frozen=True)
class Signer:
    """One signing domain of a host: its filter, its loopback listener, its key."""

    domain: str
    selector: str
    key: str  # the private key file the filter reads
    port: int  # the loopback listener that signs
    filter: str
    tag: str
    action: str


def dkim_key_path(domain: str, selector: str) -> str:
    """Where the private key of ``domain``'s ``selector`` goes on an OpenSMTPD host."""
    return f"{DKIM_DIR}/{selector}.{domain}.key"


def dkim_signers(design: Design, host: HostPlan) -> list[Signer]:
    """The domains this host signs, each with its filter, listener and key, in order."""
    out = []
    for n, domain in enumerate(host.dkim_signs):
        selector = design.domain(domain).dkim_selector
        label = re.sub(r"[^A-Za-z0-9]", "_", domain)
        out.append(
            Signer(
                domain=domain,
                selector=selector,
                key=dkim_key_path(domain, selector),
                port=DKIM_PORT + n,
                filter=f"dkim_{label}",
                tag=f"DKIM_{label}",
                action=f"sign_{label}",
            )
        )
    return out


def dkim_keys_named(conf: str) -> dict[str, str]:
    """{domain: private key path} as the filter lines of a smtpd.conf name them."""
    found = re.findall(r"filter-dkimsign .*?-d (\S+) -s \S+ -k (\S+)\"", conf)
    return dict(found)


def _dkim_filters(conf: _Conf, host: HostPlan, signers: list[Signer]) -> None:
    conf.section("DKIM signing")
    for why in reasons(host, "dkim"):
        conf.lines += comment_lines(why)
    for n, s in enumerate(signers):
        conf.line(
            f'filter "{s.filter}" proc-exec "{DKIM_FILTER} -c relaxed/relaxed '
            f'-d {s.domain} -s {s.selector} -k {s.key}" user {DKIM_USER} group {DKIM_USER}',
            *(
                [
                    "Debian's opensmtpd-filter-dkimsign signs each message that passes it "
                    "(filter-dkimsign(8)): d= the domain, s= the selector published at "
                    "<selector>._domainkey.<domain>, relaxed canonicalization, which "
                    "survives the small header changes of the hops after this one. It runs "
                    f"as {DKIM_USER}, which the package creates."
                ]
                if n == 0
                else []
            ),
            f"PLACEHOLDER: the private key of {s.domain} (selector {s.selector}) is not "
            f"in the bundle: put the key you downloaded at {s.key}, owned by root, group "
            f"{DKIM_USER}, mode 0640. Without it the filter fails and smtpd stops.",
        )


# --------------------------------------------------------------------------
# Tables


def smtpd_tables(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """The table files smtpd.conf names, by file name (all in CONF_DIR)."""
    out: dict[str, str] = {}
    classes = address_classes(host)
    null_client = is_null_client(host)
    no_local = null_client or ("gateway" in host.roles and not host.final_domains)
    origin = host.origin or host.name.split(".", 1)[1]
    if classes["relay"] and host.recipient_validation:
        lines = [
            "# relay_recipients: the addresses accepted for the domains this host passes on,",
            "# one a line; any other is refused at RCPT (no backscatter). From the design's",
            "# user list (domains[].users); postmaster, root and abuse exist in every domain.",
            "",
        ]
        for domain in classes["relay"]:
            lines += [address for address, _ in accepted_addresses(design, domain)]
        lines += placeholder_users(design, classes["relay"], "someone@{domain}")
        out["relay_recipients"] = "\n".join(lines) + "\n"
    last = last_mta_domains(host)
    if last:
        lines = [
            "# virtuals: every address that exists on this last MTA hop before the mailboxes,",
            f"# and where it goes: a mailbox (delivered as {VMAIL_USER}, the owner of the",
            "# mailboxes) or another address (root@ and abuse@ to postmaster@, alias",
            "# domains to their target). Never a catch-all: unknown addresses are refused.",
            "",
        ]
        mailbox_domains = set(classes["virtual_mailbox"])
        for domain in last:
            for address, mailbox in accepted_addresses(design, domain):
                if address != mailbox:
                    lines.append(f"{address}\t{mailbox}")
                elif domain in mailbox_domains:
                    lines.append(f"{address}\t{VMAIL_USER}")
        lines += placeholder_users(design, last, "someone@{domain}\t" + VMAIL_USER)
        out["virtuals"] = "\n".join(lines) + "\n"
        if not classes["virtual_mailbox"] and not classes["virtual_alias"]:
            # A gateway before a Dovecot-only store: the rule that sends the rewritten
            # addresses to the aliases action needs them as a list.
            rewritten = [line.split("\t")[0] for line in lines if "\t" in line]
            out["aliased"] = (
                "# aliased: the addresses the virtuals table rewrites, one a line.\n\n"
                + "\n".join(a for a in rewritten if not a.startswith("#"))
                + "\n"
            )
    if "submission" in host.roles and _submission_ports(host):
        domains = sender_domains(design, plan)
        owned: dict[str, list[str]] = {}
        for domain in domains:
            for address, login in accepted_addresses(design, domain):
                owned.setdefault(login, []).append(address)
        lines = [
            "# passwords: the submission logins (full addresses, as Dovecot's) and their",
            "# password hashes. Make each with: smtpctl encrypt (it reads the password on",
            "# its input and prints a SHA-512 crypt hash, $6$...), and keep the",
            "# same passwords as Dovecot's users file: OpenSMTPD cannot ask Dovecot.",
            "# Keep this file mode 0640, group opensmtpd.",
            "",
            "# PLACEHOLDER: remove the # and put in each hash. Until then nobody can log in.",
            *[f"#{login}\t$6$FILL-IN" for login in owned],
        ]
        out["passwords"] = "\n".join(lines) + "\n"
        lines = [
            "# sender_logins: each login and the addresses it may send as (listen ... senders).",
            "# root@ and abuse@ belong to the postmaster's login.",
            "",
            *[f"{login}\t{', '.join(addresses)}" for login, addresses in owned.items()],
        ]
        out["sender_logins"] = "\n".join(lines) + "\n"
    if host.relayhost_auth and host.relayhost:
        name = relayhost_name(host.relayhost)
        out["secrets"] = (
            "\n".join(
                [
                    f"# secrets: the login for the smarthost {name}: the label relay (as in",
                    "# the outbound action's URL), then user:password.",
                    "# Keep this file mode 0640, group opensmtpd.",
                    "",
                    "# PLACEHOLDER: remove the # and put in the user name and password the",
                    "# provider gave you. Until then the smarthost refuses to take mail.",
                    "#relay\tUSERNAME:PASSWORD",
                ]
            )
            + "\n"
        )
    names = [POSTMASTER, *SYSTEM_ALIASES]
    if no_local:
        lines = [
            "# aliases: this host delivers nothing itself; its local names go to the same",
            f"# names at {origin} (Postfix: myorigin = $mydomain), by the outbound rule.",
            "",
            *[f"{n}: {n}@{origin}" for n in names],
        ]
    else:
        lines = [
            "# aliases (aliases(5)): local names of this host. Point root at a person who",
            "# reads mail here, or keep Debian's /etc/aliases instead (then name that file",
            "# in the table line).",
            "",
            *[f"{n}: root" for n in names if n != "root"],
            "# PLACEHOLDER: root's mail goes to the mbox of root unless you say who reads it:",
            "#root: someone",
        ]
    out["aliases"] = "\n".join(lines) + "\n"
    return out


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
