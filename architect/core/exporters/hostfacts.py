"""What the plan says about a host and its users, in the terms every MTA export needs:
address classes, trust through a hub, the one list of users, next hops as IP literals,
certificate paths. Shared by the Postfix, sendmail, Exim, OpenSMTPD and Dovecot exports."""

from __future__ import annotations

import bisect
import ipaddress
import socket

from ..design import Design
from ..design import network as parse_network
from ..plan import HostPlan, Plan, relayhost_name

# Where certbot keeps a host's key and chain; Dovecot reads the same files.
LETSENCRYPT_LIVE = "/etc/letsencrypt/live"
# Verifying a smarthost's certificate needs the public CAs: Debian's ca-certificates.
CA_FILE = "/etc/ssl/certs/ca-certificates.crt"


# Every domain has a postmaster (RFC 5321 §4.5.1): a real mailbox, postmaster@domain.
POSTMASTER = "postmaster"
# root (cron and system mail, sent as root@$mydomain) and abuse (RFC 2142) land in the
# postmaster's mailbox unless the design lists them as users of their own.
SYSTEM_ALIASES = ("root", "abuse")


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
