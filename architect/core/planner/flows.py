"""Stage 7: the flows: injection, transport, delivery and access.

Flows are drawn only from decisions already taken (MX, relayhost,
transport, delivery, client settings), so the diagram and the trace can
never show a hop that the configs do not make.
"""

from __future__ import annotations

from ..learn import learn
from ..plan import ClientPlan, Flow
from .context import Context, HostState


class _Flows:
    def __init__(self) -> None:
        self.items: dict[tuple, dict] = {}

    def add(self, stage, source, target, protocol, port, auth, tls, why, link, domains=()):
        key = (stage, source, target, protocol, port)
        item = self.items.get(key)
        if item is None:
            self.items[key] = {
                "args": (stage, source, target, protocol, port, auth, tls),
                "why": why,
                "learn": link,
                "domains": set(domains),
            }
        else:
            item["domains"].update(domains)

    def frozen(self) -> list[Flow]:
        out = []
        for item in self.items.values():
            stage, source, target, protocol, port, auth, tls = item["args"]
            out.append(
                Flow(
                    stage,
                    source,
                    target,
                    protocol,
                    port,
                    auth,
                    tls,
                    item["why"],
                    item["learn"],
                    tuple(sorted(item["domains"])),
                )
            )
        return out


def plan_flows(ctx: Context, clients: list[ClientPlan]) -> list[Flow]:
    """Every flow, stage by stage, in the order the plan lists them."""
    f = _Flows()
    _injection(f, ctx, clients)
    _inbound(f, ctx)
    for h in ctx.sorted_hosts():
        _inward(f, h)
        if "backup-mx" in h.roles:
            _backup_forward(f, ctx, h)
        if h.relayhost_target:
            _via_relayhost(f, ctx, h)
        elif h.sends_direct:
            f.add(
                "transport",
                h.name,
                "internet",
                "smtp",
                25,
                False,
                "offered",
                f"{h.name} looks up each recipient domain's MX and delivers there on port 25",
                learn("transport", "relaying"),
            )
        if h.delivery and h.has_mta:
            _own_delivery(f, h)
    _access(f, clients)
    return f.frozen()


def _injection(f: _Flows, ctx: Context, clients: list[ClientPlan]) -> None:
    """How each client hands its mail to the first MTA."""
    for c in clients:
        inj = ctx.injection.get(c.name)
        if inj is None:
            continue
        target, protocol, port, auth, tls = inj
        if protocol == "sendmail-command":
            why = f"{c.name} hands mail to the local MTA with the sendmail command: no network"
            link = learn("injection", "sendmail-command")
        elif protocol == "submission":
            why = f"{c.name} submits mail on port 587 with STARTTLS and a password"
            link = learn("injection", "submission")
        else:
            why = (
                f"{c.name} cannot authenticate, so it hands mail over on port 25 from a "
                "trusted internal network"
            )
            link = learn("injection", "devices")
        f.add("injection", c.name, target, protocol, port, auth, tls, why, link, [c.domain])


def _inbound(f: _Flows, ctx: Context) -> None:
    """Mail from the internet to each MX, and from an inbound filter to its first hop."""
    design = ctx.design
    for domain, records in sorted(ctx.mx.items()):
        for pref, target, _why in records:
            if target == ".":
                continue
            f.add(
                "transport",
                "internet",
                _end(ctx, target),
                "smtp",
                25,
                False,
                "offered",
                f"senders look up the MX records and connect to the lowest preference first "
                f"({target}, preference {pref})",
                learn("transport", "mx-records"),
                [domain],
            )
        filters = [
            p
            for p in design.providers
            if p.kind == "inbound_filter" and domain in p.domains and ctx.first_hop.get(domain)
        ]
        for p in filters:
            for hop in ctx.first_hop[domain]:
                f.add(
                    "transport",
                    p.name,
                    hop,
                    "smtp",
                    25,
                    False,
                    "offered",
                    f"{p.name} passes filtered mail on to {hop}",
                    learn("topologies", "filtering-edge"),
                    [domain],
                )


def _inward(f: _Flows, h: HostState) -> None:
    """Passed inward: gateway to store, backup MX to primary, by the transport table."""
    for domain, next_hop in sorted(h.transport.items()):
        target = h.transport_target[domain]
        if next_hop.startswith("lmtp:"):
            f.add(
                "delivery",
                h.name,
                target,
                "lmtp",
                24,
                False,
                "none",
                f"{h.name} delivers into the mailbox store {target} over LMTP",
                learn("delivery", "lmtp"),
                [domain],
            )
        else:
            f.add(
                "transport",
                h.name,
                target,
                "smtp",
                25,
                False,
                "offered",
                f"{h.name} passes mail for {domain} on to {target}",
                learn("topologies", "dmz-gateway"),
                [domain],
            )


def _backup_forward(f: _Flows, ctx: Context, h: HostState) -> None:
    for domain in sorted(h.relay_domains - set(h.transport)):
        primary = next(
            (t for p, t, _ in ctx.mx.get(domain, []) if p == 10 and t in ctx.hosts), None
        )
        if primary:
            f.add(
                "transport",
                h.name,
                primary,
                "smtp",
                25,
                False,
                "offered",
                f"the backup MX {h.name} forwards queued mail to the primary once it is back",
                learn("topologies", "backup-mx"),
                [domain],
            )


def _via_relayhost(f: _Flows, ctx: Context, h: HostState) -> None:
    """Outbound through the relayhost: one of our hosts (with or without a login) or a
    smarthost, which then delivers to the internet."""
    design = ctx.design
    target = h.relayhost_target
    if target in ctx.hosts and h.relayhost_auth:
        f.add(
            "transport",
            h.name,
            target,
            "submission",
            587,
            True,
            "required",
            f"{h.name} relays mail for other domains through {target}, logging in on "
            "the submission port",
            learn("injection", "submission"),
        )
    elif target in ctx.hosts:
        f.add(
            "transport",
            h.name,
            target,
            "smtp",
            25,
            False,
            "offered",
            f"{h.name} relays mail for other domains through {target}",
            learn("topologies", "hub" if "null-client" not in h.roles else "null-client"),
        )
    else:
        p = design.provider(target)
        proto = "submissions" if p.port == 465 else "submission"
        f.add(
            "transport",
            h.name,
            p.name,
            proto,
            p.port,
            p.auth,
            "required",
            f"{h.name} relays through the smarthost {p.host} on port {p.port}",
            learn("transport", "smarthost"),
        )
        f.add(
            "transport",
            p.name,
            "internet",
            "smtp",
            25,
            False,
            "offered",
            f"{p.name} delivers to the recipients' MX hosts",
            learn("transport", "smarthost"),
        )


def _own_delivery(f: _Flows, h: HostState) -> None:
    """Delivery on the mailbox host itself."""
    proto = "lmtp" if h.delivery.startswith("lmtp:") else "local"
    f.add(
        "delivery",
        h.name,
        h.name,
        proto,
        None,
        False,
        "none",
        f"{h.name} delivers into its mailboxes ({h.delivery})",
        learn("delivery", "lmtp" if proto == "lmtp" else "mbox-maildir"),
        sorted(h.final_domains),
    )


def _access(f: _Flows, clients: list[ClientPlan]) -> None:
    """How each client reads its mail."""
    for c in clients:
        if c.read_via is None:
            continue
        if c.read_protocol == "local":
            why = f"{c.name} reads the mailbox files on {c.read_via} directly"
            link = learn("delivery", "local-delivery")
            f.add("access", c.read_via, c.name, "local", None, False, "none", why, link, [c.domain])
            continue
        tls = "required" if c.read_security == "TLS" else "none"
        why = (
            f"{c.name} reads mail from {c.read_via} over {c.read_protocol.upper()} "
            f"on port {c.read_port}"
        )
        f.add(
            "access",
            c.read_via,
            c.name,
            c.read_protocol,
            c.read_port,
            True,
            tls,
            why,
            learn("reading", c.read_protocol),
            [c.domain],
        )


def _end(ctx: Context, target: str) -> str:
    """A flow end for an MX target: our host's name, or the provider that runs it."""
    if target in ctx.hosts:
        return target
    for p in ctx.design.providers:
        if p.host == target:
            return p.name
    return target
