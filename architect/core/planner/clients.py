"""Stage 5: how each kind of client sends and reads (the client settings matrix).

Injection is the sendmail command on the client's own host when that host
runs an MTA; otherwise authenticated submission (RFC 6409) with TLS. Only a
device on a trusted internal network may hand mail over on port 25 without
authentication, and its network is then trusted by the host it talks to.
"""

from __future__ import annotations

from ..design import Client
from ..learn import learn
from ..plan import ClientPlan
from .context import Context, HostState, across_nat, too_broad, warn_trust_across_nat
from .services import at_provider, client_place, needs_submission


def plan_clients(ctx: Context) -> list[ClientPlan]:
    ctx.submission_hosts = ctx.with_role("submission")
    plans = []
    for c in sorted(ctx.design.clients, key=lambda c: c.name):
        send = _sending(ctx, c)
        read = _reading(ctx, c)
        zone, network = client_place(ctx, c)
        plans.append(
            ClientPlan(
                c.name,
                c.kind,
                c.count,
                c.domain,
                *send,
                *read,
                network=network,
                zone=zone,
                host=c.host,
                can_authenticate=c.can_authenticate,
                can_tls=c.can_tls,
            )
        )
    return plans


def _sending(ctx: Context, c: Client):
    zone, net = client_place(ctx, c)
    if c.host is not None and ctx.hosts[c.host].has_mta:
        ctx.injection[c.name] = (c.host, "sendmail-command", None, False, "none")
        return c.host, "sendmail-command", None, None, False
    # What the client can do comes first: a provider's submission port needs a
    # password and TLS, so a device that has neither falls through to an
    # on-site relay below even when the mailboxes are hosted.
    if at_provider(ctx, c) and c.can_authenticate and c.can_tls:
        p = ctx.design.provider(ctx.mailbox[c.domain][1])
        ctx.injection[c.name] = (p.name, "submission", 587, True, "required")
        return p.name, "submission", 587, "STARTTLS", True
    if needs_submission(ctx, c):
        target = _first_reachable(ctx, c, zone, net, "submission", 587)
        if target is None:
            ctx.find(
                "error",
                "client-cannot-submit",
                f"{c.name} ({c.count} {c.kind}) cannot reach any submission service from "
                f"the {zone} network {net}: add submission on a host it can reach.",
                [c.name],
                learn("injection", "submission"),
            )
            return None, None, None, None, False
        ctx.injection[c.name] = (target.name, "submission", 587, True, "required")
        return target.name, "submission", 587, "STARTTLS", True
    # Cannot authenticate or cannot do TLS: port 25 from a trusted network only.
    problem = "cannot authenticate" if not c.can_authenticate else "cannot do TLS"
    if c.kind in ("desktop", "mobile", "device") and zone == "internal":
        target = _relay_for_device(ctx, c, zone, net)
        cidrs = ctx.network_cidrs(net) if net else ()
        if target is not None and cidrs and not any(too_broad(b) for b in cidrs):
            target.trusted.update(cidrs)
            if across_nat(ctx, zone, net, target):
                warn_trust_across_nat(ctx, target, net, c.name)
            target.because(
                "trusted_networks",
                f"trusts {net} ({', '.join(cidrs)}) because {c.name} {problem} and hands mail "
                "over on port 25 from that internal network",
                learn("injection", "devices"),
            )
            target.role(
                "hub",
                "devices on the internal network hand their mail to it",
                learn("topologies", "hub"),
            )
            tls = "offered" if c.can_tls else "none"
            ctx.injection[c.name] = (target.name, "smtp", 25, False, tls)
            if not c.can_tls:
                ctx.find(
                    "warning",
                    "client-without-tls",
                    f"{c.name} cannot do TLS, so its mail crosses {net} unencrypted to "
                    f"{target.name}; it is trusted by its network instead of a password, since "
                    "a password without TLS would cross the network in clear.",
                    [c.name],
                    learn("trust", "starttls"),
                )
            return target.name, "smtp", 25, "STARTTLS" if c.can_tls else "none", False
        if target is not None and not cidrs:
            ctx.find(
                "error",
                "device-network-without-cidrs",
                f"{c.name} {problem}, so it must be trusted by address, but network {net} "
                "lists no CIDR blocks to trust.",
                [c.name, net],
                learn("relaying", "trusted-networks"),
            )
            return None, None, None, None, False
    ctx.find(
        "error",
        "device-cannot-authenticate",
        f"{c.name} {problem} and sits on the {zone} network {net}, which is not a trusted "
        "internal network: no host may accept its mail without authentication (that would "
        "be an open relay). Move it to an internal network or use a client that can "
        "authenticate over TLS.",
        [c.name],
        learn("injection", "devices"),
    )
    return None, None, None, None, False


def _relay_for_device(ctx: Context, c: Client, zone: str, net: str | None) -> HostState | None:
    order = []
    if ctx.hub:
        order.append(ctx.hosts[ctx.hub])
    order += [h for h in ctx.sorted_hosts() if "submission" in h.roles]
    order += [h for h in ctx.sorted_hosts() if "mailbox" in h.roles and h.has_mta]
    for h in order:
        if h.has_mta and h.host.always_on and ctx.can_connect(zone, net, h, 25):
            return h
    return None


def _first_reachable(ctx: Context, c: Client, zone, net, role, port) -> HostState | None:
    hosts = ctx.submission_hosts if role == "submission" else ctx.with_role(role)
    # Prefer a host on the client's own network, then inside hosts, then public ones.
    hosts = sorted(hosts, key=lambda h: (h.net.name != net, h.zone != "internal", h.name))
    return next((h for h in hosts if ctx.can_connect(zone, net, h, port)), None)


def _reading(ctx: Context, c: Client):
    if c.reads == "none":
        return None, None, None, None, None
    zone, net = client_place(ctx, c)
    where = ctx.mailbox.get(c.domain)
    if where is None:
        return None, None, None, None, None  # the domain's own finding says why
    if c.reads == "local":
        if where == ("host", c.host):
            return c.host, "local", None, None, "login name"
        ctx.find(
            "warning",
            "local-reading-without-mailbox",
            f"{c.name} reads mail locally on {c.host}, but mail for {c.domain} is delivered "
            f"to {where[1]}; read it over IMAP instead, or keep the mailboxes on {c.host}.",
            [c.name, c.host or ""],
            learn("delivery", "local-delivery"),
        )
        return None, None, None, None, None
    port = {"imap": 993, "pop3": 995}[c.reads] if c.can_tls else {"imap": 143, "pop3": 110}[c.reads]
    security = "TLS" if c.can_tls else "none"
    if where[0] == "provider":
        p = ctx.design.provider(where[1])
        return p.name, c.reads, port, security, "full address"
    store = ctx.hosts[where[1]]
    if not ctx.can_connect(zone, net, store, port):
        ctx.find(
            "error",
            "client-cannot-reach-mailbox",
            f"{c.name} reads {c.domain} over {c.reads.upper()} from the {zone} network {net}, "
            f"but the mailbox host {store.name} sits on the {store.zone} network "
            f"{store.net.name}, out of its reach. Offer webmail or a VPN, or put the "
            "mailboxes on a reachable host.",
            [c.name, store.name],
            learn("reading", c.reads),
        )
        return None, None, None, None, None
    if not c.can_tls:
        ctx.find(
            "warning",
            "client-without-tls",
            f"{c.name} cannot do TLS, so its password and mail cross the network in clear.",
            [c.name],
            learn("trust", "starttls"),
        )
    return store.name, c.reads, port, security, "full address"
