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

import bisect
import functools
import ipaddress
import socket
import textwrap
import unicodedata
from collections.abc import Iterable

from ..design import Design
from ..design import network as parse_network
from ..explain import sentence
from ..plan import HostPlan, Plan, relayhost_name
from ..planner.context import is_public_address
from . import Exporter, register
from .opendkim import OPENDKIM_MILTER

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
# Debian packages the Postfix files need beyond postfix itself, for the install steps
# (deploy.py): Postfix's SMTP client logs in to a smarthost through Cyrus SASL, whose
# PLAIN and LOGIN mechanisms are in libsasl2-modules, only Suggested by postfix.
DEBIAN_PACKAGES_SASL_CLIENT = ("libsasl2-modules",)
# Verifying the smarthost's certificate needs the public CAs: Debian's ca-certificates.
CA_FILE = "/etc/ssl/certs/ca-certificates.crt"
# Where certbot keeps a host's key and chain; Dovecot reads the same files.
LETSENCRYPT_LIVE = "/etc/letsencrypt/live"
TLS_PROTOCOLS = ">=TLSv1.2"
# Mail filed by local(8) into /var/mail is also the IMAP INBOX: it grows without bound.
MAILBOX_SIZE_LIMIT = "0"
# Every domain has a postmaster (RFC 5321 §4.5.1): a real mailbox, postmaster@domain.
POSTMASTER = "postmaster"
# root (cron and system mail, sent as root@$mydomain) and abuse (RFC 2142) land in the
# postmaster's mailbox unless the design lists them as users of their own.
SYSTEM_ALIASES = ("root", "abuse")
# The map that says which login may send as which address (submission, item D).
SENDER_LOGINS = "sender_logins"


# --------------------------------------------------------------------------
# Text helpers shared by the three MTA/IMAP exporters


def one_line(text: str, limit: int = 300) -> str:
    """``text`` made safe for a comment line: no line breaks or control characters.

    Design names and descriptions are free text. Inside a comment they are
    harmless as long as they cannot start a new line, so every control,
    format and separator character (newline, carriage return, U+2028 ...)
    becomes a space; the result is also bounded in length.
    """
    if text.isascii() and text.isprintable():
        # Printable ASCII has no control or separator character but the space: the
        # common case, without a look-up per character.
        cleaned = text
    else:
        cleaned = "".join(
            " " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in text
        )
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 3] + "..."
    return cleaned


def comment_lines(text: str, prefix: str = "# ", width: int = 78) -> list[str]:
    """``text`` as wrapped comment lines, each starting with ``prefix``."""
    return list(_comment_lines(text, prefix, width))


@functools.lru_cache(maxsize=4096)
def _comment_lines(text: str, prefix: str, width: int) -> tuple[str, ...]:
    # Remembered: thousands of hosts of one design carry the same explanations, and
    # wrapping them again for each host was most of the time of writing their files.
    body = one_line(text, limit=2000)
    if not body:
        return (prefix.rstrip(),)
    # Names and paths stay whole: no break at a hyphen or inside a long word.
    lines = textwrap.wrap(body, width - len(prefix), break_on_hyphens=False, break_long_words=False)
    return tuple(prefix + line for line in lines)


def reasons(host: HostPlan, subject: str) -> list[str]:
    """The plan's reasons for ``subject`` on this host (a role, "relayhost" ...), as sentences."""
    return [sentence(r.why) for r in host.reasons if r.subject == subject]


def postfix_network(block: str) -> str:
    """A CIDR block as Postfix writes it in mynetworks: IPv6 inside brackets."""
    if _canonical_ipv4_block(block):
        return block  # already as ipaddress would write it (a hub may trust 80,000)
    try:
        net = parse_network(block)
    except ValueError:  # host bits set: not from a plan, but written as before
        net = ipaddress.ip_network(block, strict=False)
    if net.version == 6:
        return f"[{net.network_address}]/{net.prefixlen}"
    return str(net)


def _canonical_ipv4_block(block: str) -> bool:
    """Whether ``block`` is an IPv4 network written exactly as ``str(ip_network(block))``."""
    address, slash, length = block.partition("/")
    if not slash or ":" in address or not length.isdigit() or str(int(length)) != length:
        return False
    if int(length) > 32:
        return False
    try:
        packed = socket.inet_pton(socket.AF_INET, address)
    except OSError:
        return False
    size = 1 << (32 - int(length))
    return socket.inet_ntop(socket.AF_INET, packed) == address and (
        int.from_bytes(packed, "big") % size == 0
    )


def tls_chain_files(name: str) -> tuple[str, str]:
    """certbot's private key and full chain for host ``name``, in that order."""
    return (f"{LETSENCRYPT_LIVE}/{name}/privkey.pem", f"{LETSENCRYPT_LIVE}/{name}/fullchain.pem")


def relayhost_port(relayhost: str | None) -> int | None:
    """The port of a ``[host]:port`` next hop, or None when it has none."""
    if relayhost and relayhost.rfind(":") > relayhost.rfind("]"):
        return int(relayhost.rsplit(":", 1)[1])
    return None


# Ranges of the last hubs asked about, by the identity of their tuple of blocks (kept
# here, so the identity stays theirs): hashing a 64,000-block tuple for every host that
# relays through the hub cost as much as parsing it.
_RANGES: dict[int, tuple[tuple[str, ...], dict[int, tuple[list[int], list[int]]]]] = {}


def _trusted_ranges(blocks: tuple[str, ...]) -> dict[int, tuple[list[int], list[int]]]:
    """``_parse_ranges(blocks)``, remembered for up to 64 tuples of blocks at a time."""
    hit = _RANGES.get(id(blocks))
    if hit is not None and hit[0] is blocks:
        return hit[1]
    ranges = _parse_ranges(blocks)
    if len(_RANGES) >= 64:
        _RANGES.clear()
    _RANGES[id(blocks)] = (blocks, ranges)
    return ranges


def _parse_ranges(blocks: tuple[str, ...]) -> dict[int, tuple[list[int], list[int]]]:
    """The blocks as sorted, merged integer ranges per IP version: (starts, ends).

    Every host that relays through a hub asks whether the hub trusts its addresses;
    parsed once per hub and searched by bisection, that stays linear in the design
    (a hub may trust every block of a thousand networks).
    """
    spans: dict[int, list[tuple[int, int]]] = {}
    for block in blocks:
        version, first, last = _block_span(block)
        spans.setdefault(version, []).append((first, last))
    out = {}
    for version, pairs in spans.items():
        starts: list[int] = []
        ends: list[int] = []
        for first, last in sorted(pairs):
            if ends and first <= ends[-1] + 1:
                ends[-1] = max(ends[-1], last)
            else:
                starts.append(first)
                ends.append(last)
        out[version] = (starts, ends)
    return out


def _block_span(block: str) -> tuple[int, int, int]:
    """IP version, first and last address of a block, as integers.

    inet_pton packs the address in C: a hub's tens of thousands of /32s are not each
    made into an ipaddress object. Anything it cannot read goes through ipaddress.
    """
    address, _, length = block.partition("/")
    family, version, bits = (socket.AF_INET6, 6, 128) if ":" in address else (socket.AF_INET, 4, 32)
    try:
        size = 1 << (bits - int(length or bits))
        first = int.from_bytes(socket.inet_pton(family, address), "big") & ~(size - 1)
    except (OSError, ValueError):
        net = parse_network(block)
        return net.version, int(net.network_address), int(net.broadcast_address)
    return version, first, first + size - 1


def _in_ranges(ranges: dict[int, tuple[list[int], list[int]]], address: str) -> bool:
    ip = ipaddress.ip_address(address)
    starts, ends = ranges.get(ip.version, ((), ()))
    i = bisect.bisect_right(starts, int(ip)) - 1
    return i >= 0 and int(ip) <= ends[i]


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
    trusted = _trusted_ranges(plan.host(hub).trusted_networks)
    outside = [a for a in host.addresses if not _in_ranges(trusted, a)]
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
# The one list of users (design domains[].users), for every table that needs it


def mailbox_users(design: Design, domain: str) -> tuple[str, ...]:
    """The local parts with a mailbox at ``domain``: postmaster first, then the design's users.

    An alias domain has the users of its target. postmaster is always a real
    mailbox (RFC 5321 §4.5.1), so it exists on every kind of store, including one
    that runs Dovecot alone and cannot alias anything.
    """
    try:
        d = design.domain(domain)
    except KeyError:
        return (POSTMASTER,)
    if d.alias_of:
        d = design.domain(d.alias_of)
    return (POSTMASTER, *[u for u in d.users if u != POSTMASTER])


def has_users(design: Design, domain: str) -> bool:
    """Whether the design lists the mailbox users of ``domain`` (or of its target)."""
    return len(mailbox_users(design, domain)) > 1


def accepted_addresses(design: Design, domain: str) -> list[tuple[str, str]]:
    """(address, the mailbox it reaches) for every address of ``domain`` that exists.

    The users and postmaster reach their own mailbox (at the target domain for
    an alias domain); root and abuse, unless they are users, reach postmaster's.
    """
    try:
        target = design.domain(domain).alias_of or domain
    except KeyError:
        target = domain
    users = mailbox_users(design, domain)
    out = [(f"{u}@{domain}", f"{u}@{target}") for u in users]
    out += [(f"{a}@{domain}", f"{POSTMASTER}@{target}") for a in SYSTEM_ALIASES if a not in users]
    return out


def last_mta_domains(host: HostPlan) -> list[str]:
    """Domains for which this host is the last MTA before the mailbox.

    Its own mailbox domains, and the domains it hands over LMTP to a store that
    runs Dovecot alone: after this hop nothing can rewrite an address, so the
    aliases (alias domains, root, abuse) are resolved here.
    """
    classes = address_classes(host)
    lmtp_out = [d for d, hop in host.transport if hop.startswith("lmtp:")]
    return sorted(set(classes["virtual_mailbox"]) | set(classes["virtual_alias"]) | set(lmtp_out))


def sender_domains(design: Design, plan: Plan) -> list[str]:
    """The design's domains whose users log in to send: they receive mail and live with us."""
    at_provider = {d.name for d in plan.domains if d.mailbox_at_provider}
    return sorted(d.name for d in design.domains if d.receives_mail and d.name not in at_provider)


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
            if all(parse_network(b).is_loopback for b in host.trusted_networks)
            else "programs on this host and the networks below. Never a network the "
            "organisation does not control."
        ),
        *reasons(host, "trusted_networks"),
    )

    cf.section("Which domains this host accepts, and what it does with them")
    _address_class_settings(cf, design, plan, host, classes, no_local)

    cf.section("Relay control")
    cf.set(
        "smtpd_relay_restrictions",
        RELAY_RESTRICTIONS,
        "Who may send mail to other domains through this host: trusted networks, "
        "authenticated users, and nobody else. Mail for the domains above is accepted "
        "from anyone; everything else is refused (not an open relay).",
    )
    cf.set(
        "disable_vrfy_command",
        "yes",
        "VRFY would tell anyone which addresses exist here, a gift to spammers "
        "harvesting addresses; nothing legitimate needs it.",
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
            list(tls_chain_files(host.name)),
            f"PLACEHOLDER: the key and certificate chain for {host.name}, at the paths "
            "certbot writes (certbot certonly -d " + host.name + "). Two files, key first: "
            "a combined key+chain PEM would have to be rebuilt at every renewal, and until "
            "it was, Postfix would serve the expired certificate. Until they exist Postfix "
            "offers no STARTTLS (and submission refuses logins).",
        )
        if "submission" in host.roles:
            cf.set(
                "smtpd_tls_mandatory_protocols",
                TLS_PROTOCOLS,
                "Where TLS is required (the submission services), only TLS 1.2 and later: "
                "older versions have known weaknesses (RFC 8996).",
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
        cf.set(
            "smtpd_sender_login_maps",
            f"hash:{MAP_DIR}/{SENDER_LOGINS}",
            "Which login owns which sender address, from the design's user list (the "
            f"{SENDER_LOGINS} table, the same users as the mailboxes).",
        )
        cf.set(
            "mua_sender_restrictions",
            "reject_sender_login_mismatch",
            "Used by the submission services in master.cf: a logged-in user may send only "
            "as an address the sender_logins table gives to that login, so one leaked "
            "password cannot send as anyone else in the organisation.",
        )

    if host.dkim_signs:
        cf.section("DKIM signing (OpenDKIM, see dkim/ in this bundle)")
        cf.note(*reasons(host, "dkim"))
        cf.set(
            "smtpd_milters",
            OPENDKIM_MILTER,
            "Mail that arrives over SMTP (submission, and hosts that relay through this "
            "one) passes OpenDKIM, which signs what comes from trusted hosts or "
            "logged-in users; over TCP on loopback, so the chrooted smtpd reaches it.",
        )
        cf.set(
            "non_smtpd_milters",
            "$smtpd_milters",
            "Mail from the sendmail command on this host (cron, scripts) is signed too.",
        )
        cf.set(
            "milter_default_action",
            "accept",
            "Should OpenDKIM be down, mail still flows, unsigned, rather than being "
            "refused; DMARC then rests on SPF alone until it is back.",
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
    cf: _MainCf,
    design: Design,
    plan: Plan,
    host: HostPlan,
    classes: dict[str, list[str]],
    no_local: bool,
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
                cf.set(
                    "mailbox_size_limit",
                    MAILBOX_SIZE_LIMIT,
                    "No limit on a whole mbox: /var/mail/<user> is also the user's inbox, "
                    "and the default (51200000 bytes) bounces every message once it holds "
                    "51 MB (5.2.2 File too large). Disk quotas are the place to limit it.",
                )
                cf.set(
                    "message_size_limit",
                    "10240000",
                    "One message may still be at most 10 MB (the default, written out "
                    "beside mailbox_size_limit, which may not be smaller unless it is 0).",
                )
            else:
                cf.set(
                    "home_mailbox",
                    "Maildir/",
                    "Each user's mail is filed in ~/Maildir/, one file per message.",
                )

    virtual_needed = bool(_virtual_entries(design, host))
    if classes["virtual_alias"]:
        cf.set(
            "virtual_alias_domains",
            classes["virtual_alias"],
            "Alias domains: user@alias is rewritten to user@target, one line per user in "
            "the virtual table, so unknown addresses are refused at RCPT; no mailbox lives "
            "under these names.",
            *[f"{a} is an alias of {t}." for a, t in host.alias_domains],
        )
    else:
        cf.set("virtual_alias_domains", [], "No alias domains on this host.")
    if virtual_needed:
        cf.set(
            "virtual_alias_maps",
            f"hash:{MAP_DIR}/virtual",
            "This host is the last MTA before the mailboxes, so it resolves the aliases: "
            "each user of an alias domain to the same user at its target, and root@ and "
            "abuse@ of each domain to postmaster@, a real mailbox (RFC 5321 §4.5.1). Cron "
            "and system mail leaves every host as root@$mydomain and lands there too.",
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
            _virtual_transport(plan, host),
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


def _virtual_transport(plan: Plan, host: HostPlan) -> str:
    store = (host.delivery or "").removeprefix("lmtp:")
    if not store or store == host.name:
        return LMTP_SOCKET
    return literal_hop(plan, f"lmtp:[{store}]:24")


def _virtual_entries(design: Design, host: HostPlan) -> list[str]:
    """Lines of the virtual table: every alias this host, as the last MTA hop, resolves.

    One entry per address, never a domain catch-all (``@alias @target``): the
    catch-all accepts every address at RCPT and bounces the unknown ones after
    DATA, to forged senders (backscatter, BACKSCATTER_README).
    """
    lines = []
    for domain in last_mta_domains(host):
        for address, mailbox in accepted_addresses(design, domain):
            if address != mailbox:
                lines.append(f"{address}\t{mailbox}")
    return lines


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
    _host_lookup(cf, plan, host)
    if host.relayhost_auth:
        _smarthost_settings(cf, host)
    else:
        cf.set(
            "smtp_tls_security_level",
            "may",
            "Use TLS whenever the receiving server offers it; Postfix 3.7 does not by default.",
        )


def _smarthost_settings(cf: _MainCf, host: HostPlan) -> None:
    """The authenticated relay: a verified TLS link, then a login (T6, TLS_README)."""
    port = relayhost_port(host.relayhost)
    name = relayhost_name(host.relayhost or "")
    cf.set(
        "smtp_tls_security_level",
        "secure",
        f"The relay is reached with TLS or not at all, and only once its certificate "
        f"proves it is {name}: with encrypt alone, anyone between here and there could "
        "pose as the relay and take the password (TLS_README, secure level).",
    )
    cf.set(
        "smtp_tls_secure_cert_match",
        "nexthop",
        f"The certificate must name {name} itself, the host in relayhost.",
    )
    cf.set(
        "smtp_tls_CAfile",
        CA_FILE,
        "The public certificate authorities that vouch for it (Debian's ca-certificates "
        "package); Postfix reads none unless told.",
    )
    cf.set(
        "smtp_tls_mandatory_protocols",
        TLS_PROTOCOLS,
        "TLS 1.2 or later on this mandatory-TLS link; older versions have known "
        "weaknesses (RFC 8996).",
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
        "customers. Postfix logs in through Cyrus SASL, whose PLAIN and LOGIN "
        "mechanisms come in Debian's "
        + ", ".join(DEBIAN_PACKAGES_SASL_CLIENT)
        + " package (only Suggested by postfix): install it, or every login fails "
        "with 'no mechanism available'.",
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


def literal_hop(plan: Plan, hop: str) -> str:
    """A ``relay:[host]`` or ``lmtp:[host]:24`` next hop with the host's address, when known.

    The design knows the addresses of its own hosts; an IP literal needs no DNS
    record that only the internal DNS has, and no /etc/hosts entry, which
    Postfix's SMTP and LMTP clients do not read by default (smtp_host_lookup = dns).
    """
    kind, sep, rest = hop.partition(":[")
    if not sep:
        return hop
    name, _, port = rest.partition("]")
    if not plan.has_host(name) or not plan.host(name).addresses:
        return hop
    addresses = plan.host(name).addresses
    address = next((a for a in addresses if ":" not in a), addresses[0])
    return f"{kind}:[{address}]{port}"


def _named_hops(plan: Plan, host: HostPlan) -> list[str]:
    """Hosts of the design this host still reaches by name (no address in the design)."""
    hops = [hop for _, hop in host.transport] + [_virtual_transport(plan, host)]
    names = [relayhost_name(host.relayhost)] if host.relayhost else []
    names += [
        hop.partition(":[")[2].partition("]")[0]
        for hop in hops
        if ":[" in hop and literal_hop(plan, hop) == hop
    ]
    return sorted({n for n in names if n and plan.has_host(n)})


def _host_lookup(cf: _MainCf, plan: Plan, host: HostPlan) -> None:
    named = _named_hops(plan, host)
    if not named:
        return
    why = (
        "Also read /etc/hosts (native lookups, after DNS) for "
        + ", ".join(named)
        + ": the internal DNS or /etc/hosts must know "
        + ("this name" if len(named) == 1 else "these names")
        + ", and Postfix's SMTP and LMTP clients ask only DNS unless told."
    )
    cf.set("smtp_host_lookup", "dns, native", why)
    cf.set("lmtp_host_lookup", "dns, native", "The same for LMTP to a mailbox store.")


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
    ("smtpd_sender_restrictions=$mua_sender_restrictions", "as their own addresses only"),
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
        options = list(_SUBMISSION_OPTIONS)
        if port == 465:
            # The encrypt level stays too: it makes smtpd_tls_mandatory_protocols apply.
            options.insert(0, ("smtpd_tls_wrappermode=yes", "TLS from the first byte"))
        for option, why in options:
            out.append(f"#   -o {option}: {why}")
        out.append(f"{service} inet n       -       y       -       -       smtpd")
        out.append(f"  -o syslog_name=postfix/{service}")
        for option, _ in options:
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
        for domain, hop in host.transport:
            literal = literal_hop(plan, hop)
            if literal != hop:
                name = hop.partition(":[")[2].partition("]")[0]
                lines.append(f"# {name} by its address in the design: no name lookup needed.")
            lines.append(f"{domain}\t{literal}")
        out["transport"] = "\n".join(lines) + "\n"
    if classes["relay"] and host.recipient_validation:
        out["relay_recipients"] = _relay_recipients(design, classes["relay"], build)
    virtual = _virtual_entries(design, host)
    if virtual:
        out["virtual"] = _virtual_table(design, host, virtual, build)
    if classes["virtual_mailbox"]:
        out["vmailbox"] = _vmailbox(design, classes["virtual_mailbox"], build)
    if "submission" in host.roles:
        out[SENDER_LOGINS] = _sender_logins(design, plan, build)
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


def placeholder_users(design: Design, domains: list[str], line: str) -> list[str]:
    """The PLACEHOLDER note for domains whose users the design does not list yet."""
    missing = [d for d in domains if not has_users(design, d)]
    if not missing:
        return []
    return [
        "",
        "# PLACEHOLDER: the design lists no mailbox users for " + ", ".join(missing) + ", so only",
        "# postmaster (and root, abuse) exist there. Add them to the design (domains[].users,",
        "# or Mailbox users in the designer) and export again: every table gets the same list.",
        *[f"#{line.format(domain=d)}" for d in missing],
    ]


def _relay_recipients(design: Design, domains: list[str], build: str) -> str:
    lines = [
        "# relay_recipients: the addresses this host accepts for the domains it passes",
        "# on. Any other address is refused during SMTP, so nothing bounces later to a",
        "# forged sender (backscatter). The value is ignored; OK is customary.",
        "# Written from the design's user list (domains[].users), the same list as the",
        "# store's mailboxes; postmaster, root and abuse exist in every domain (RFC 5321",
        "# §4.5.1, RFC 2142) and reach postmaster's mailbox.",
        build.format(path=f"{MAP_DIR}/relay_recipients"),
        "",
    ]
    for domain in domains:
        lines += [f"{address}\tOK" for address, _ in accepted_addresses(design, domain)]
    lines += placeholder_users(design, domains, "someone@{domain}\tOK")
    return "\n".join(lines) + "\n"


def _virtual_table(design: Design, host: HostPlan, virtual: list[str], build: str) -> str:
    lines = [
        "# virtual(5): address rewriting, on the last MTA hop before the mailboxes.",
        "# One line per address, never @alias @target: a catch-all would accept every",
        "# address and bounce the unknown ones later (backscatter). root@ and abuse@",
        "# reach postmaster@, a real mailbox in every domain.",
        build.format(path=f"{MAP_DIR}/virtual"),
        "",
        *virtual,
    ]
    aliases = [a for a, _ in host.alias_domains]
    lines += placeholder_users(design, aliases, "someone@{domain}\tsomeone@<target>")
    return "\n".join(lines) + "\n"


def _vmailbox(design: Design, domains: list[str], build: str) -> str:
    lines = [
        "# vmailbox: the addresses that have a mailbox. Dovecot files the mail; this",
        "# list lets Postfix refuse unknown addresses during SMTP. The value is ignored;",
        "# OK is customary. The same users as Dovecot's passwd-file, from the design.",
        build.format(path=f"{MAP_DIR}/vmailbox"),
        "",
    ]
    for domain in domains:
        lines += [f"{u}@{domain}\tOK" for u in mailbox_users(design, domain)]
    lines += placeholder_users(design, domains, "someone@{domain}\tOK")
    return "\n".join(lines) + "\n"


def _sender_logins(design: Design, plan: Plan, build: str) -> str:
    domains = sender_domains(design, plan)
    lines = [
        "# sender_logins: which login may send as which address (smtpd_sender_login_maps).",
        "# Submission refuses a logged-in user who sends as an address not listed here for",
        "# that login (reject_sender_login_mismatch), so a stolen or shared password cannot",
        "# forge the boss's address. Logins are full addresses, as Dovecot checks them.",
        "# root@ and abuse@ belong to the postmaster's login; an alias address to the",
        "# same user at the target domain.",
        build.format(path=f"{MAP_DIR}/{SENDER_LOGINS}"),
        "",
    ]
    for domain in domains:
        lines += [f"{address}\t{login}" for address, login in accepted_addresses(design, domain)]
    lines += placeholder_users(design, domains, "someone@{domain}\tsomeone@{domain}")
    return "\n".join(lines) + "\n"


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
