"""Postfix configuration: main.cf, master.cf and lookup tables per Postfix host.

Everything here is read from the host's plan; nothing is decided again. The
plan says which domains a host delivers (``final_domains``), passes on
(``relay_domains``, ``transport``) or rewrites (``alias_domains``), whom it
trusts, where its mail leaves and how it delivers. This module only
translates that into Postfix's words, in the "Translation" style of
Postfix's STANDARD_CONFIGURATION_README: every setting is preceded by a
comment saying what it does in this design and why.

Rules kept here, from the domain reference (topologies.md):
- the settings whose defaults moved between versions are always written out:
  ``compatibility_level``, ``mynetworks``, ``relay_domains`` and
  ``smtpd_relay_restrictions`` (§0.3, P13);
- every domain sits in exactly one address class (P3/P4): alias domains in
  ``virtual_alias_domains``, domains filed by Dovecot in
  ``virtual_mailbox_domains``, domains delivered by local(8) in
  ``mydestination``, domains passed on in ``relay_domains``;
- ``relay_domains`` does not match subdomains (P18) and hosts that pass mail
  on check recipients against ``relay_recipient_maps`` (P1);
- port 25 offers TLS and never AUTH; submission requires both (§2.3, P22);
- only ``hash:`` maps (P20) and only parameters Postfix 3.7 knows (P21).
"""

from __future__ import annotations

import ipaddress
import textwrap
import unicodedata
from collections.abc import Iterable

from ..design import Design
from ..explain import sentence
from ..plan import HostPlan, Plan
from ..planner.context import is_public_address
from . import Exporter, register

# The level matching Postfix 3.6 to 3.10 (COMPATIBILITY_README); Debian 12 has 3.7.
COMPATIBILITY_LEVEL = "3.6"
RELAY_RESTRICTIONS = "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
# postconf -d parent_domain_matches_subdomains (3.7) without relay_domains (P18).
PARENT_DOMAIN_MATCHES = (
    "debug_peer_list",
    "fast_flush_domains",
    "mynetworks",
    "permit_mx_backup_networks",
    "qmqpd_authorized_clients",
    "smtpd_access_maps",
)
LMTP_SOCKET = "lmtp:unix:private/dovecot-lmtp"
MAP_DIR = "/etc/postfix"


# --------------------------------------------------------------------------
# Text helpers shared by the three MTA/IMAP exporters


def one_line(text: str, limit: int = 300) -> str:
    """``text`` made safe for a comment line: no line breaks or control characters.

    Design names and descriptions are free text. Inside a comment they are
    harmless as long as they cannot start a new line, so every control,
    format and separator character (newline, carriage return, U+2028 ...)
    becomes a space; the result is also bounded in length.
    """
    cleaned = "".join(
        " " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in text
    )
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 3] + "..."
    return cleaned


def comment_lines(text: str, prefix: str = "# ", width: int = 78) -> list[str]:
    """``text`` as wrapped comment lines, each starting with ``prefix``."""
    body = one_line(text, limit=2000)
    if not body:
        return [prefix.rstrip()]
    # Names and paths stay whole: no break at a hyphen or inside a long word.
    lines = textwrap.wrap(body, width - len(prefix), break_on_hyphens=False, break_long_words=False)
    return [prefix + line for line in lines]


def reasons(host: HostPlan, subject: str) -> list[str]:
    """The plan's reasons for ``subject`` on this host (a role, "relayhost" ...), as sentences."""
    return [sentence(r.why) for r in host.reasons if r.subject == subject]


def postfix_network(block: str) -> str:
    """A CIDR block as Postfix writes it in mynetworks: IPv6 inside brackets."""
    net = ipaddress.ip_network(block, strict=False)
    if net.version == 6:
        return f"[{net.network_address}]/{net.prefixlen}"
    return str(net)


def relayhost_port(relayhost: str | None) -> int | None:
    """The port of a ``[host]:port`` next hop, or None when it has none."""
    if relayhost and relayhost.rfind(":") > relayhost.rfind("]"):
        return int(relayhost.rsplit(":", 1)[1])
    return None


def relayhost_name(relayhost: str) -> str:
    """The host name inside a ``[host]:port`` next hop."""
    return relayhost.split("]")[0].lstrip("[") if relayhost.startswith("[") else relayhost


def untrusted_by_hub(plan: Plan, host: HostPlan) -> str | None:
    """A warning when the host relays through a hub of ours that will refuse it.

    A hub relays without a password only for its trusted networks. When the
    host sends without logging in from an address outside them (a remote
    network, which is never trusted), its mail for other domains is refused
    with "Relay access denied". The plan should not do this; if it does, the
    file says so rather than hide it.
    """
    if not host.relayhost or host.relayhost_auth:
        return None
    hub = relayhost_name(host.relayhost)
    if not plan.has_host(hub) or not host.addresses:
        return None
    trusted = [ipaddress.ip_network(b) for b in plan.host(hub).trusted_networks]
    outside = [
        a for a in host.addresses if not any(ipaddress.ip_address(a) in net for net in trusted)
    ]
    if not outside:
        return None
    return (
        f"WARNING: {hub} does not trust {', '.join(outside)} and this host does not log "
        "in, so the hub refuses its mail for other domains (Relay access denied). Give "
        "it a login on the hub's submission port, or a trusted network."
    )


# --------------------------------------------------------------------------
# Address classes


def address_classes(host: HostPlan) -> dict[str, list[str]]:
    """Each domain of the host in exactly one Postfix address class (P3/P4).

    Keys: ``local`` (mydestination, delivered by local(8)), ``virtual_alias``,
    ``virtual_mailbox`` (filed by Dovecot over LMTP) and ``relay``. When the
    plan lists a domain twice (which it should not), the first class in the
    order final, alias, relay wins, so the file stays consistent.
    """
    alias = sorted(dict(host.alias_domains))
    final = [d for d in host.final_domains if d not in alias]
    relay = [d for d in host.relay_domains if d not in alias and d not in final]
    lmtp = bool(host.delivery and host.delivery.startswith("lmtp:"))
    return {
        "local": [] if lmtp else final,
        "virtual_alias": alias,
        "virtual_mailbox": final if lmtp else [],
        "relay": relay,
    }


def is_null_client(host: HostPlan) -> bool:
    """Whether the host only sends (T2, T10): nothing to listen for, nothing to deliver.

    A host the plan leaves without listeners but with domains to deliver (a
    mailbox host nothing can reach yet, which the plan reports) still
    delivers them: only its listening is limited to loopback.
    """
    return host.loopback_only and not host.final_domains and not host.relay_domains


def _no_local_delivery(host: HostPlan) -> bool:
    """Null clients and gateways deliver nothing on the host itself (T2, T4)."""
    return is_null_client(host) or ("gateway" in host.roles and not host.final_domains)


# --------------------------------------------------------------------------
# main.cf


class _MainCf:
    """main.cf being written: settings in order, each with its comment."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: set[str] = set()

    def section(self, title: str) -> None:
        self.lines += ["", "# " + "=" * 74, *comment_lines(title), "# " + "=" * 74]

    def note(self, *text: str) -> None:
        self.lines.append("")
        for t in text:
            self.lines += comment_lines(t)

    def set(self, name: str, value: str | Iterable[str], *why: str) -> None:
        if name in self.names:
            raise ValueError(f"main.cf: {name} written twice")
        self.names.add(name)
        self.lines.append("")
        for w in why:
            self.lines += comment_lines(w)
        self.lines += _setting(name, value)

    def text(self) -> str:
        return "\n".join(self.lines).lstrip("\n") + "\n"


def _setting(name: str, value: str | Iterable[str]) -> list[str]:
    """``name = value``; a long list continues on indented lines."""
    items = [value] if isinstance(value, str) else list(value)
    one = f"{name} = {', '.join(items)}".rstrip()
    if len(one) <= 78 or len(items) < 2:
        return [one]
    out = [f"{name} ="]
    for i, item in enumerate(items):
        out.append("    " + item + ("," if i < len(items) - 1 else ""))
    return out


def main_cf(design: Design, plan: Plan, host: HostPlan) -> str:
    """The main.cf of one Postfix host."""
    cf = _MainCf()
    classes = address_classes(host)
    origin = host.origin or host.name.split(".", 1)[1]
    no_local = _no_local_delivery(host)
    network_listeners = [listener for listener in host.listens if listener.port in (25, 465, 587)]

    cf.lines += _header(design, plan, host, "main.cf")
    cf.lines += [
        "#",
        "# Install: copy main.cf, master.cf and the tables beside them to /etc/postfix/,",
        "# run `postmap /etc/postfix/TABLE` for each table, then `postfix check` and",
        "# `postfix reload`. Check the result with `postconf -n` (no warnings expected).",
    ]

    cf.section("Version and identity")
    cf.set(
        "compatibility_level",
        COMPATIBILITY_LEVEL,
        "Use the safe defaults of Postfix 3.6 and later. Without this line Postfix runs in "
        "backwards-compatible mode, where mynetworks_style = subnet and relay_domains = "
        "$mydestination can make it relay for more than intended.",
    )
    cf.set(
        "myhostname",
        host.name,
        "The name this host gives in its SMTP greeting and HELO; it must match the PTR "
        "record of its address.",
    )
    cf.set(
        "mydomain",
        origin,
        "The domain this host belongs to in the design; localhost.$mydomain and myorigin "
        "are derived from it.",
    )
    cf.set(
        "myorigin",
        "$mydomain",
        f"Mail from local users and programs (cron, root) leaves as user@{origin}, the "
        f"address people can reply to, not user@{host.name}.",
    )

    cf.section("Where Postfix listens, and whom it trusts")
    if host.loopback_only:
        cf.set(
            "inet_interfaces",
            "loopback-only",
            *reasons(host, "null-client"),
            "Nothing is received from the network: the SMTP server answers on the loopback "
            "address only, for local programs.",
        )
    else:
        cf.set(
            "inet_interfaces",
            "all",
            "Listen on every address; master.cf says which services answer. A single "
            "address here would also bind outgoing connections to it "
            "(postconf(5): inet_interfaces).",
        )
        if host.listens and _behind_nat(host):
            cf.note(
                "PLACEHOLDER: this host has only private addresses but receives mail from the "
                "internet, so it sits behind NAT. Set proxy_interfaces to its public address, "
                "or it loops mail addressed to that address "
                "(BASIC_CONFIGURATION_README, Proxy/NAT):",
                "proxy_interfaces = <public address>",
            )
    trusted = [postfix_network(b) for b in host.trusted_networks]
    cf.set(
        "mynetworks",
        trusted,
        "Clients that may relay through this host without a password: "
        + (
            "programs on this host itself (loopback)."
            if all(ipaddress.ip_network(b).is_loopback for b in host.trusted_networks)
            else "programs on this host and the networks below. Never a network the "
            "organisation does not control."
        ),
        *reasons(host, "trusted_networks"),
    )

    cf.section("Which domains this host accepts, and what it does with them")
    _address_class_settings(cf, host, classes, no_local)

    cf.section("Relay control")
    cf.set(
        "smtpd_relay_restrictions",
        RELAY_RESTRICTIONS,
        "Who may send mail to other domains through this host: trusted networks, "
        "authenticated users, and nobody else. Mail for the domains above is accepted "
        "from anyone; everything else is refused (not an open relay).",
    )
    if network_listeners:
        cf.set(
            "smtpd_sasl_auth_enable",
            "no",
            "No AUTH on port 25: the MX is for other mail servers. Authenticated submission "
            "is switched on only in master.cf's submission services.",
        )
        cf.set(
            "smtpd_tls_security_level",
            "may",
            "Offer STARTTLS on port 25 but never require it: a public MX that insists on TLS "
            "loses mail from servers that cannot do it (RFC 3207).",
        )
        cf.set(
            "smtpd_tls_chain_files",
            f"/etc/ssl/private/{host.name}.pem",
            f"PLACEHOLDER: your private key followed by the certificate chain for {host.name}, "
            "in one PEM file. Until it exists Postfix offers no STARTTLS (and submission "
            "refuses logins).",
        )

    cf.section("How mail leaves this host")
    _outbound_settings(cf, plan, host)

    if "submission" in host.roles:
        cf.section("Submission for mail programs (ports 587 and 465, see master.cf)")
        cf.note(*reasons(host, "submission"))
        cf.set(
            "smtpd_sasl_type",
            "dovecot",
            f"Passwords are checked by Dovecot's auth service on this host "
            f"(dovecot/{host.name}/dovecot.conf in this bundle).",
        )
        cf.set(
            "smtpd_sasl_path",
            "private/auth",
            "Dovecot's auth socket, relative to the Postfix queue directory so it works "
            "chrooted: /var/spool/postfix/private/auth.",
        )
        cf.set(
            "mua_client_restrictions",
            "permit_sasl_authenticated, reject",
            "Used by the submission services in master.cf: only clients that logged in may "
            "send at all.",
        )
        cf.set(
            "mua_relay_restrictions",
            "permit_sasl_authenticated, reject",
            "Used by the submission services in master.cf: logged-in users may send to any "
            "domain, nobody else may.",
        )

    if "filter" in host.roles:
        cf.note(
            *reasons(host, "filter"),
            "PLACEHOLDER: connect your spam and virus filter here, for example a milter: "
            "smtpd_milters = inet:127.0.0.1:<port> with milter_default_action = tempfail. "
            "No filter is switched on, because none is installed yet.",
        )
    return cf.text()


def _behind_nat(host: HostPlan) -> bool:
    public_role = bool({"mx", "backup-mx", "gateway"} & set(host.roles))
    return (
        public_role
        and bool(host.addresses)
        and not any(is_public_address(a) for a in host.addresses)
    )


def _address_class_settings(
    cf: _MainCf, host: HostPlan, classes: dict[str, list[str]], no_local: bool
) -> None:
    taken = {d for cls in ("virtual_alias", "virtual_mailbox", "relay") for d in classes[cls]}
    if no_local:
        cf.set(
            "mydestination",
            [],
            "Nothing is delivered on this host itself: mail for every domain, including "
            "root's, goes on to the host that holds the mailboxes.",
        )
        cf.set(
            "local_recipient_maps",
            [],
            "No local users to check against, since nothing is delivered here.",
        )
        cf.set(
            "local_transport",
            "error:local mail delivery is disabled on this host",
            "Should anything still resolve to local delivery, refuse it instead of "
            "filing it in a mailbox nobody reads.",
        )
    else:
        own = _own_names(host, taken)
        why = [
            "Delivered by local(8) on this host: its own names, so that mail for "
            "root@" + host.name + " and postmaster stays here (BASIC_CONFIGURATION_README)."
        ]
        if classes["local"]:
            why.append(
                "Also the mailboxes of "
                + ", ".join(classes["local"])
                + ": people with an account on this host receive mail at these domains."
            )
            why += reasons(host, "delivery")
        cf.set("mydestination", own + classes["local"], *why)
        cf.set(
            "alias_maps",
            "hash:/etc/aliases",
            "Local aliases: make sure root and postmaster point at a person who reads mail, "
            "then run newaliases.",
        )
        cf.set("alias_database", "hash:/etc/aliases", "The file newaliases builds.")
        if classes["local"]:
            if host.delivery == "mbox":
                cf.set(
                    "mail_spool_directory",
                    "/var/mail",
                    "Each user's mail goes to /var/mail/<user> (mbox), where mail readers on "
                    "this host look for it.",
                )
            else:
                cf.set(
                    "home_mailbox",
                    "Maildir/",
                    "Each user's mail is filed in ~/Maildir/, one file per message.",
                )

    alias_lines, virtual_needed = _virtual_entries(host, classes)
    if classes["virtual_alias"]:
        cf.set(
            "virtual_alias_domains",
            classes["virtual_alias"],
            "Alias domains: user@alias is rewritten to user@target (see the virtual table); "
            "no mailbox lives under these names.",
            *[f"{a} is an alias of {t}." for a, t in host.alias_domains],
        )
    else:
        cf.set("virtual_alias_domains", [], "No alias domains on this host.")
    if virtual_needed:
        cf.set(
            "virtual_alias_maps",
            f"hash:{MAP_DIR}/virtual",
            "Rewrites alias domains to their target and sends postmaster@ of each hosted "
            "domain to the local postmaster.",
        )

    if classes["virtual_mailbox"]:
        cf.set(
            "virtual_mailbox_domains",
            classes["virtual_mailbox"],
            "Mailbox domains: mail is handed to Dovecot, which files it and keeps its index "
            "current. These names are NOT in mydestination (VIRTUAL_README).",
            *reasons(host, "delivery"),
        )
        cf.set(
            "virtual_mailbox_maps",
            f"hash:{MAP_DIR}/vmailbox",
            "The addresses that exist; SMTP refuses others at once instead of bouncing "
            "later. Fill the vmailbox table.",
        )
        cf.set(
            "virtual_transport",
            _virtual_transport(host),
            "Hand mailbox mail to Dovecot's LMTP service"
            + (
                " on this host, through the socket dovecot.conf creates under the queue directory."
                if host.delivery == f"lmtp:{host.name}"
                else "."
            ),
        )
    else:
        cf.set("virtual_mailbox_domains", [], "No Dovecot-filed mailbox domains on this host.")

    cf.set(
        "relay_domains",
        classes["relay"],
        *(
            reasons(host, "relay_domains")
            if classes["relay"]
            else ["This host passes no domain on to another server."]
        ),
        *(
            [
                "Accepted from anyone and passed on, never delivered here: "
                + ", ".join(classes["relay"])
                + "."
            ]
            if classes["relay"]
            else []
        ),
    )
    if classes["relay"]:
        cf.set(
            "parent_domain_matches_subdomains",
            PARENT_DOMAIN_MATCHES,
            "The default list minus relay_domains, so that relaying for example.com does not "
            "also relay for anything.example.com (STANDARD_CONFIGURATION_README).",
        )
        if host.recipient_validation:
            cf.set(
                "relay_recipient_maps",
                f"hash:{MAP_DIR}/relay_recipients",
                "Accept mail only for addresses that exist. Without the list this host "
                "accepts mail for anyone and later bounces it to forged senders "
                "(backscatter). Fill the relay_recipients table.",
            )
        else:
            cf.set(
                "relay_recipient_maps",
                [],
                "WARNING: the plan gives no recipient list, so every address of the relay "
                "domains is accepted, and mail for non-existent users bounces to forged "
                "senders (backscatter; see BACKSCATTER_README).",
            )
    if host.transport:
        cf.set(
            "transport_maps",
            f"hash:{MAP_DIR}/transport",
            "Where each passed-on domain goes next (see the transport table): "
            + "; ".join(f"{d} to {hop}" for d, hop in host.transport)
            + ".",
        )


def _own_names(host: HostPlan, taken: set[str]) -> list[str]:
    """$myhostname, localhost.$mydomain, localhost: minus any name another class holds."""
    origin = host.origin or host.name.split(".", 1)[1]
    names = {"$myhostname": host.name, "localhost.$mydomain": f"localhost.{origin}"}
    own = [name for name, value in names.items() if value not in taken]
    return own + ["localhost"]


def _virtual_transport(host: HostPlan) -> str:
    store = (host.delivery or "").removeprefix("lmtp:")
    if store == host.name:
        return LMTP_SOCKET
    return f"lmtp:[{store}]:24"


def _virtual_entries(host: HostPlan, classes: dict[str, list[str]]) -> tuple[list[str], bool]:
    """Lines of the virtual table, and whether the host needs one."""
    lines: list[str] = []
    for alias, target in host.alias_domains:
        lines.append(f"@{alias}\t@{target}")
    for domain in classes["virtual_mailbox"]:
        lines.append(f"postmaster@{domain}\tpostmaster@{host.name}")
    if host.origin in classes["virtual_mailbox"]:
        lines.append(f"root@{host.origin}\troot@{host.name}")
    return lines, bool(lines)


def _outbound_settings(cf: _MainCf, plan: Plan, host: HostPlan) -> None:
    if host.relayhost:
        warning = untrusted_by_hub(plan, host)
        cf.set(
            "relayhost",
            host.relayhost,
            *reasons(host, "relayhost"),
            *([warning] if warning else []),
        )
    else:
        cf.set(
            "relayhost",
            [],
            "Empty: mail for other domains goes straight to their MX hosts on port 25.",
            *(
                reasons(host, "outbound")
                or [
                    "WARNING: the plan finds no way out for this host's mail (see its "
                    "findings), so it will wait in the queue until the design gives one."
                ]
            ),
        )
    port = relayhost_port(host.relayhost)
    if host.relayhost_auth:
        cf.set(
            "smtp_tls_security_level",
            "encrypt",
            "The relay is reached with TLS or not at all: the password must never cross the "
            "network in the clear.",
        )
        if port == 465:
            cf.set(
                "smtp_tls_wrappermode",
                "yes",
                "Port 465 speaks TLS from the first byte (RFC 8314), not STARTTLS.",
            )
        cf.set(
            "smtp_sasl_auth_enable",
            "yes",
            f"Log in to {relayhost_name(host.relayhost or '')}, which relays only for its "
            "customers.",
        )
        cf.set(
            "smtp_sasl_password_maps",
            f"hash:{MAP_DIR}/sasl_passwd",
            "The user name and password for the relay: fill the sasl_passwd table, keep it "
            "mode 0600, and run postmap on it.",
        )
        cf.set(
            "smtp_sasl_security_options",
            "noanonymous",
            "Never log in anonymously.",
        )
        cf.set(
            "smtp_sasl_tls_security_options",
            "noanonymous",
            "Inside TLS, plain-text mechanisms (PLAIN, LOGIN) are allowed: most providers "
            "offer only those.",
        )
    else:
        cf.set(
            "smtp_tls_security_level",
            "may",
            "Use TLS whenever the receiving server offers it; Postfix 3.7 does not by default.",
        )


# --------------------------------------------------------------------------
# master.cf

# The internal services of Postfix 3.7 as Debian ships them (master.cf.dist),
# including its chroot column. Only the network-facing lines change per host.
_INTERNAL_SERVICES = """\
pickup    unix  n       -       y       60      1       pickup
cleanup   unix  n       -       y       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       y       1000?   1       tlsmgr
rewrite   unix  -       -       y       -       -       trivial-rewrite
bounce    unix  -       -       y       -       0       bounce
defer     unix  -       -       y       -       0       bounce
trace     unix  -       -       y       -       0       bounce
verify    unix  -       -       y       -       1       verify
flush     unix  n       -       y       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       y       -       -       smtp
showq     unix  n       -       y       -       -       showq
error     unix  -       -       y       -       -       error
retry     unix  -       -       y       -       -       error
discard   unix  -       -       y       -       -       discard
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       y       -       -       lmtp
anvil     unix  -       -       y       -       1       anvil
scache    unix  -       -       y       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd"""

_SUBMISSION_OPTIONS = (
    ("smtpd_tls_security_level=encrypt", "TLS before anything else"),
    ("smtpd_sasl_auth_enable=yes", "AUTH offered here, and only here"),
    ("smtpd_tls_auth_only=yes", "never a password without TLS"),
    ("smtpd_reject_unlisted_recipient=no", "users may write to any address"),
    ("smtpd_client_restrictions=$mua_client_restrictions", "log in or go away"),
    ("smtpd_relay_restrictions=$mua_relay_restrictions", "logged-in users may relay"),
    ("milter_macro_daemon_name=ORIGINATING", "filters see this as outgoing mail"),
)


def master_cf(design: Design, plan: Plan, host: HostPlan) -> str:
    """The master.cf of one Postfix host."""
    ports = {listener.port: listener for listener in host.listens}
    out = _header(design, plan, host, "master.cf")
    out += [
        "#",
        "# service type  private unpriv  chroot  wakeup  maxproc command + args",
        "#               (yes)   (yes)   (no)    (never) (100)",
        "",
    ]
    if 25 in ports:
        who = ", ".join(ports[25].open_to)
        out += comment_lines(
            f"Port 25, the SMTP server for mail from other servers (reachable by: {who}). "
            "No AUTH and optional TLS here, as main.cf says."
        )
        if "internet" not in ports[25].open_to:
            out += comment_lines(
                f"Firewall port 25 so that only {who} can reach it: nothing else sends here."
            )
        out.append("smtp      inet  n       -       y       -       -       smtpd")
    else:
        out += comment_lines(
            "Port 25 answers on the loopback address only, for local programs that speak "
            "SMTP: nothing else sends mail to this host."
        )
        out.append("127.0.0.1:smtp inet n   -       y       -       -       smtpd")
    for port, service in ((587, "submission"), (465, "submissions")):
        if port not in ports:
            continue
        out.append("")
        kind = "STARTTLS" if port == 587 else "TLS from the first byte (RFC 8314)"
        out += comment_lines(
            f"Port {port}, {service}: mail programs send here after logging in, with {kind}."
        )
        for option, why in _SUBMISSION_OPTIONS:
            if port == 465 and option.startswith("smtpd_tls_security_level"):
                option, why = "smtpd_tls_wrappermode=yes", "TLS from the first byte"
            out.append(f"#   -o {option}: {why}")
        out.append(f"{service} inet n       -       y       -       -       smtpd")
        out.append(f"  -o syslog_name=postfix/{service}")
        for option, _ in _SUBMISSION_OPTIONS:
            if port == 465 and option.startswith("smtpd_tls_security_level"):
                option = "smtpd_tls_wrappermode=yes"
            out.append(f"  -o {option}")
    out += ["", *comment_lines("Postfix's own internal services, as Debian ships them.")]
    out += _INTERNAL_SERVICES.splitlines()
    out.append("")
    relays = [hop for _, hop in host.transport if hop.startswith("relay:")]
    out += comment_lines(
        "The relay transport: an SMTP client for mail passed on to another of the "
        "organisation's servers (relay_domains and the transport table)."
    )
    out.append("relay     unix  -       -       y       -       -       smtp")
    out.append("  -o syslog_name=postfix/$service_name")
    if host.relayhost_auth and relays:
        out += comment_lines(
            "Inside the organisation the smarthost's encrypt level does not apply: use TLS "
            "when offered."
        )
        out.append("  -o smtp_tls_security_level=may")
        if relayhost_port(host.relayhost) == 465:
            out.append("  -o smtp_tls_wrappermode=no")
    out.append("")
    if _no_local_delivery(host) and "gateway" in host.roles:
        out += comment_lines(
            "local(8) is switched off: this gateway delivers nothing itself "
            "(STANDARD_CONFIGURATION_README, firewall/gateway)."
        )
        out.append("#local     unix  -       n       n       -       -       local")
    else:
        out += comment_lines("local(8): delivery to accounts on this host and /etc/aliases.")
        out.append("local     unix  -       n       n       -       -       local")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------
# Lookup tables


def tables(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """The lookup tables main.cf refers to, by file name."""
    out: dict[str, str] = {}
    classes = address_classes(host)
    build = "# Build: postmap {path}   (after every change)"
    if host.transport:
        lines = [
            "# transport(5): where mail for each passed-on domain goes next.",
            "# relay:[host] is SMTP to that exact host (the brackets skip the MX lookup);",
            "# lmtp:[host]:24 is LMTP straight to the mailbox store's Dovecot.",
            build.format(path=f"{MAP_DIR}/transport"),
            "",
        ]
        lines += [f"{domain}\t{hop}" for domain, hop in host.transport]
        out["transport"] = "\n".join(lines) + "\n"
    if classes["relay"] and host.recipient_validation:
        lines = [
            "# relay_recipients: the addresses this host accepts for the domains it passes",
            "# on. Any other address is refused during SMTP, so nothing bounces later to a",
            "# forged sender (backscatter). The value is ignored; OK is customary.",
            build.format(path=f"{MAP_DIR}/relay_recipients"),
            "",
            "# Every domain must accept postmaster (RFC 5321):",
        ]
        lines += [f"postmaster@{domain}\tOK" for domain in classes["relay"]]
        lines += [
            "",
            "# PLACEHOLDER: add one line per real address below, keeping it in step with",
            "# the mailboxes. Until then mail for everyone but postmaster is refused.",
        ]
        lines += [f"#someone@{domain}\tOK" for domain in classes["relay"]]
        out["relay_recipients"] = "\n".join(lines) + "\n"
    virtual, needed = _virtual_entries(host, classes)
    if needed:
        lines = [
            "# virtual(5): address rewriting before delivery.",
            "# @alias @target delivers user@alias as user@target; postmaster@ of each",
            "# mailbox domain goes to the local postmaster (see /etc/aliases).",
            build.format(path=f"{MAP_DIR}/virtual"),
            "",
            *virtual,
        ]
        out["virtual"] = "\n".join(lines) + "\n"
    if classes["virtual_mailbox"]:
        lines = [
            "# vmailbox: the addresses that have a mailbox. Dovecot files the mail; this",
            "# list only lets Postfix refuse unknown addresses during SMTP. The value is",
            "# ignored; OK is customary.",
            build.format(path=f"{MAP_DIR}/vmailbox"),
            "",
            "# PLACEHOLDER: one line per mailbox, the same users Dovecot knows. Until then",
            "# mail for every address (but postmaster, see virtual) is refused.",
        ]
        lines += [f"#someone@{domain}\tOK" for domain in classes["virtual_mailbox"]]
        out["vmailbox"] = "\n".join(lines) + "\n"
    if host.relayhost_auth and host.relayhost:
        lines = [
            "# sasl_passwd: the login for the relay. The key must be spelled exactly like",
            f"# relayhost in main.cf ({host.relayhost}).",
            "# Keep this file mode 0600, owned by root.",
            build.format(path=f"{MAP_DIR}/sasl_passwd"),
            "",
            "# PLACEHOLDER: remove the # and put in the user name and password the",
            "# provider gave you. Until then the relay refuses to take mail.",
            f"#{host.relayhost}\tUSERNAME:PASSWORD",
        ]
        out["sasl_passwd"] = "\n".join(lines) + "\n"
    return out


# --------------------------------------------------------------------------


def _header(design: Design, plan: Plan, host: HostPlan, what: str) -> list[str]:
    lines = [
        f"# Postfix {what} for {host.name}",
        *comment_lines(f'Written by Mail Architect from the design "{plan.design}".'),
        "# Target: Postfix 3.6 or later (checked with postconf 3.7).",
        "#",
        *comment_lines("Roles of this host: " + (", ".join(host.roles) or "none") + "."),
    ]
    for role in host.roles:
        for why in reasons(host, role):
            lines += comment_lines(f"{role}: {why}", prefix="#   ")
    return lines


def postfix_files(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """Every file of one Postfix host, by file name."""
    return {
        "main.cf": main_cf(design, plan, host),
        "master.cf": master_cf(design, plan, host),
        **tables(design, plan, host),
    }


@register
class PostfixExporter(Exporter):
    """postfix/<host>/main.cf, master.cf and tables for each host running Postfix."""

    name = "postfix"

    def files(self, design: Design, plan: Plan) -> Iterable[tuple[str, str]]:
        for host in plan.hosts:
            if host.mta != "postfix":
                continue
            for name, text in postfix_files(design, plan, host).items():
                yield f"postfix/{host.name}/{name}", text
