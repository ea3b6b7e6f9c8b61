"""Stage 6: relay settings per host: final and relay domains, trusted
networks, delivery and listeners.

Anti-relay rules (Postfix SMTPD_ACCESS_README, RFC 5321 §3.6): a host relays
without authentication only for loopback and for networks the organisation
owns whose hosts or devices actually send through it; never for a remote
network, never for 0/0. Port 25 offers TLS but never requires it or AUTH;
submission on 587 (STARTTLS) and 465 (implicit TLS) always requires both.
"""

from __future__ import annotations

from ..learn import learn
from ..plan import ClientPlan, Listener
from .context import (
    LOOPBACK,
    Context,
    HostState,
    across_nat,
    too_broad,
    warn_trust_across_nat,
)
from .outbound import RECEIVING


def plan_relay(ctx: Context, clients: list[ClientPlan]) -> None:
    for domain, where in sorted(ctx.mailbox.items()):
        if where is None or where[0] != "host":
            continue
        h = ctx.hosts[where[1]]
        alias_of = ctx.design.domain(domain).alias_of
        if alias_of:
            h.alias_domains[domain] = alias_of
        h.final_domains.add(domain)

    # Who relays through whom, and who passes mail on to whom: built once, so each
    # host's turn below costs only its own senders, not a scan of every host.
    relaying: dict[str, list[HostState]] = {}
    passing: dict[str, set[str]] = {}
    for h in ctx.sorted_hosts():
        if h.relayhost_target and not h.relayhost_auth:
            relaying.setdefault(h.relayhost_target, []).append(h)
        for target in h.transport_target.values():
            passing.setdefault(target, set()).add(h.name)
    plain = {(c.read_via, c.read_protocol) for c in clients if c.read_security == "none"}
    devices: dict[str, list[str]] = {}
    for name, (target, protocol, *_rest) in sorted(ctx.injection.items()):
        if protocol == "smtp":
            devices.setdefault(target, []).append(name)

    for h in ctx.sorted_hosts():
        if h.has_mta:
            h.trusted.update(LOOPBACK)
        _trust_relaying_hosts(ctx, h, relaying.get(h.name, []))
        _delivery(h)
        senders = {o.name for o in relaying.get(h.name, [])}
        if h.has_mta:
            senders |= passing.get(h.name, set())
        _listeners(
            ctx, h, sorted(senders) + devices.get(h.name, []), passing.get(h.name, set()), plain
        )
        _null_client(ctx, h)
        if h.final_domains or h.relay_domains:
            h.because(
                "relay_domains",
                "accepts mail from the internet only for "
                + ", ".join(sorted(h.final_domains | h.relay_domains))
                + "; anything else is refused unless the client is trusted or authenticated",
                learn("relaying", "relay-domains"),
            )


def _host_blocks(h: HostState) -> tuple[str, ...]:
    """The host's own addresses as single-address blocks (/32, /128)."""
    return tuple(f"{a}/32" if ":" not in a else f"{a}/128" for a in h.host.addresses)


def _trust_relaying_hosts(ctx: Context, hub: HostState, relaying: list[HostState]) -> None:
    """Trust the hosts that relay through this one by their own addresses.

    An internet or DMZ block is shared with whatever else sits on it (a cloud
    provider's /24 holds other tenants), so trusting it would let all of them
    relay. Only an internal network with no address given for the host falls
    back to the network's blocks: the organisation owns that LAN. Devices
    that need the whole LAN trusted are trusted by the client stage, which
    says so.
    """
    for h in relaying:
        if h.zone == "remote":
            continue  # never trusted; the host should authenticate
        blocks = _host_blocks(h)
        whole_network = not blocks and h.zone == "internal"
        if whole_network:
            blocks = h.net.cidrs
        if not blocks:
            ctx.find(
                "error",
                "relay-client-without-address",
                f"{h.name} relays through {hub.name}, but the design gives it no address to "
                "trust"
                + (
                    f", and its network {h.net.name} lists no CIDR blocks"
                    if h.zone == "internal"
                    else f"; on the {h.zone} network {h.net.name} only its own address may "
                    "be trusted, since others share that network"
                )
                + ". Add its address.",
                [h.name, hub.name],
                learn("relaying", "trusted-networks"),
            )
            continue
        # A host's own /32 or /128 is never too broad; only a network's blocks can be.
        broad = [b for b in blocks if too_broad(b)] if whole_network else []
        if broad:
            ctx.find(
                "error",
                "trusted-network-too-broad",
                f"{hub.name} would have to trust {', '.join(broad)} for {h.name}; a block that "
                "large is not a network the organisation controls, so it is not trusted.",
                [hub.name, h.net.name],
                learn("relaying", "open-relay"),
            )
            blocks = tuple(b for b in blocks if b not in broad)
        if not blocks:
            continue
        hub.trusted.update(blocks)
        if across_nat(ctx, h.zone, h.net.name, hub):
            warn_trust_across_nat(ctx, hub, h.net.name, h.name)
        if whole_network:
            why = (
                f"trusts {', '.join(blocks)}, the internal network {h.net.name}, so that "
                f"{h.name} can relay through it without a password: the design gives "
                f"{h.name} no address of its own (list it to trust only that address)"
            )
        else:
            why = (
                f"trusts {', '.join(blocks)}, the address of {h.name} and not its whole "
                f"network {h.net.name}, so that {h.name} alone can relay through it without a "
                "password; anything else on that network must log in"
            )
        hub.because("trusted_networks", why, learn("relaying", "trusted-networks"))


def _null_client(ctx: Context, h: HostState) -> None:
    """The one place the null-client role is given: to an MTA that relays all its mail
    and, now that every listener is known, listens on nothing (Postfix
    STANDARD_CONFIGURATION_README: ``inet_interfaces = loopback-only``). A host that
    takes submission, devices' or other hosts' mail listens, so it is never one."""
    if not h.has_mta or h.relayhost_target is None or h.listens:
        return
    if h.roles & {*RECEIVING, "hub", "submission", "imap", "pop3", "webmail", "filter"}:
        return
    target = h.relayhost_target
    via = target if target in ctx.hosts else ctx.design.provider(target).host
    h.role(
        "null-client",
        f"receives nothing from the network and sends all its mail through {via}",
        learn("topologies", "null-client"),
    )


def _behind_filters(ctx: Context, h: HostState) -> tuple[str, ...]:
    """The inbound-filter providers that alone may reach port 25, or () when the internet may.

    A host that is no MX itself and takes only filtered domains must refuse
    everyone but the filter: spammers ignore MX records and connect to the
    host's address directly, bypassing the filter. The design cannot know the
    filter's addresses, so a finding asks the person to fill them in.
    """
    if h.roles & {"mx", "backup-mx"}:
        return ()
    domains = h.final_domains | h.relay_domains
    if not domains or not all(d in ctx.filtered for d in domains):
        return ()
    names = tuple(sorted({p for d in domains for p in ctx.filtered[d]}))
    hosts = ", ".join(ctx.design.provider(p).host for p in names)
    h.because(
        "inbound_filter",
        f"port 25 is for {', '.join(names)} ({hosts}) only: mail for "
        f"{', '.join(sorted(domains))} is filtered there first, and a sender that connects "
        "straight to this host would bypass the filter; allow only the filter's published "
        "addresses (firewall, or a check_client_access cidr table)",
        learn("topologies", "filtering-edge"),
    )
    ctx.find(
        "warning",
        "inbound-filter-addresses",
        f"{h.name} must take SMTP on port 25 only from {', '.join(names)}, or spam sent "
        "straight to its address bypasses the filter (spammers ignore MX records). The "
        "design cannot know the filter's addresses: take the list the provider publishes "
        "and allow only those on port 25, in the firewall, or in Postfix on the port 25 "
        "smtpd with smtpd_client_restrictions = permit_mynetworks, check_client_access "
        "cidr:/etc/postfix/inbound_filter_clients, reject (one line per block, "
        '"203.0.113.0/24 OK"). Keep the list current: the provider changes it.',
        [h.name, *names],
        learn("topologies", "filtering-edge"),
    )
    return names


def _delivery(h: HostState) -> None:
    if "mailbox" not in h.roles:
        return
    if not h.has_mta:
        h.delivery = "maildir"
        h.because(
            "delivery",
            "runs no MTA: its IMAP server takes mail over LMTP and writes Maildir folders",
            learn("delivery", "lmtp"),
        )
    elif h.host.shell_users:
        h.delivery = "mbox"
        h.because(
            "delivery",
            "users log in here: mail goes to /var/mail/<user> where their mail readers look",
            learn("delivery", "mbox-maildir"),
        )
    elif h.roles & {"imap", "pop3"}:
        h.delivery = f"lmtp:{h.name}"
        h.because(
            "delivery",
            "the MTA hands mail to the IMAP server's LMTP service on the same host, which "
            "files it and keeps its index current",
            learn("delivery", "lmtp"),
        )
    else:
        h.delivery = "maildir"
        h.because(
            "delivery",
            "mail is filed in Maildir folders, one file per message",
            learn("delivery", "mbox-maildir"),
        )


def _listeners(
    ctx: Context,
    h: HostState,
    senders: list[str],
    passing: set[str],
    plain: set[tuple[str | None, str | None]],
) -> None:
    if h.roles & {"mx", "backup-mx", "gateway"} or (
        h.host.accepts_internet_smtp and ctx.can_receive_from_internet(h) and h.final_domains
    ):
        filters = _behind_filters(ctx, h)
        h.listen(Listener(25, "inbound", False, "offered", "smtp", filters or ("internet",)))
    # Relayed or passed-on mail from other hosts of ours, and from trusted devices.
    if senders:
        h.listen(Listener(25, "relay", False, "offered", "smtp", tuple(senders)))
    if not h.has_mta:
        gateways = sorted(passing)
        if gateways:
            h.listen(Listener(24, "lmtp", False, "none", "lmtp", tuple(gateways)))
            h.because(
                "lmtp",
                "listens for LMTP on port 24 only for "
                + ", ".join(gateways)
                + "; LMTP is for trusted hops and must be firewalled from everyone else",
                learn("delivery", "lmtp"),
            )
    if "submission" in h.roles:
        h.listen(Listener(587, "submission", True, "required", "submission", ("clients",)))
        h.listen(Listener(465, "submissions", True, "required", "submissions", ("clients",)))
    if "imap" in h.roles:
        h.listen(Listener(993, "imap", True, "required", "imap", ("clients",)))
        if (h.name, "imap") in plain:
            h.listen(Listener(143, "imap", True, "none", "imap", ("clients",)))
    if "pop3" in h.roles:
        h.listen(Listener(995, "pop3", True, "required", "pop3", ("clients",)))
        if (h.name, "pop3") in plain:
            h.listen(Listener(110, "pop3", True, "none", "pop3", ("clients",)))
    if "webmail" in h.roles:
        h.listen(Listener(443, "webmail", True, "required", "https", ("clients",)))
    # An MTA with nothing to listen for listens on loopback only (T2, T10).
    h.loopback_only = h.has_mta and not h.listens
