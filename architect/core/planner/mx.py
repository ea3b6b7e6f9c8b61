"""Stage 2: which hosts receive each domain's mail from the internet (MX).

Rules (RFC 5321 §5.1, RFC 7505): preferences lowest first; distinct
preferences for primary and backup, equal ones only for hosts that share the
load on purpose (a pool of filtering gateways in front of one store); a null
MX for a domain that receives nothing. An MX is always an always-on MTA that
the internet reaches on port 25: never internal, remote, often off, or
closed.
"""

from __future__ import annotations

from ..learn import learn
from .context import Context, HostState


def plan_mx(ctx: Context) -> None:
    """The MX records of every domain; alias domains share their target's."""
    receivers = ctx.receivers()
    providers = sorted(ctx.design.providers, key=lambda p: p.name)
    for domain in ctx.design.domains:
        _domain_mx(ctx, domain, receivers, providers)
    for domain in ctx.design.domains:
        if domain.alias_of:
            _alias_mx(ctx, domain)


def _domain_mx(ctx: Context, domain, receivers, providers) -> None:
    name = domain.name
    if not domain.receives_mail:
        ctx.mx[name] = [(0, ".", "receives no mail: a null MX (RFC 7505) says so at once")]
        return
    if domain.alias_of:
        return  # same MX as its target, afterwards
    where = ctx.mailbox.get(name)
    if where is None:
        ctx.mx[name] = []
        return
    filters = [p for p in providers if p.kind == "inbound_filter" and name in p.domains]
    backups = [p for p in providers if p.kind == "backup_mx" and name in p.domains]
    records: list[tuple[int, str, str]] = []
    if where[0] == "provider":
        host = ctx.design.provider(where[1]).host
        records.append((10, host, f"{where[1]} hosts the mailboxes of {name}"))
        ctx.first_hop[name] = []
    elif not _own_records(ctx, name, ctx.hosts[where[1]], receivers, filters, records):
        return
    if not filters and records:
        pref = max(p for p, _, _ in records) + 10
        for p in backups:
            records.append((pref, p.host, f"{p.name} is a backup MX for {name}"))
            pref += 10
    if filters and where[0] == "host":
        _behind_filters(ctx, name, where[1], filters)
    ctx.mx[name] = records


def _own_records(ctx: Context, name: str, store: HostState, receivers, filters, records) -> bool:
    """Records for a domain whose mailboxes are ours; False when no host can receive it."""
    hop = _first_hop(ctx, name, store, receivers)
    ctx.first_hop[name] = [h.name for h in hop]
    if not hop:
        ctx.mx[name] = []
        ctx.find(
            "error",
            "no-inbound-path",
            f"No host can receive mail for {name} from the internet: an MX must be an "
            "always-on host running an MTA, on an internet or DMZ network, that accepts "
            f"internet SMTP and can pass mail on to {store.name}.",
            [name],
            learn("transport", "mx-records"),
        )
        _behind_nat(ctx, store, name)
        return False
    if filters:
        for p in filters:
            records.append(
                (10, p.host, f"{p.name} filters inbound mail for {name} before it reaches us")
            )
        return True
    primaries, own_backups = _split_backup(ctx, hop)
    for h in primaries:
        why = (
            f"the primary MX for {name}"
            if len(primaries) == 1
            else f"one of {len(primaries)} MX hosts of equal preference sharing the load for {name}"
        )
        records.append((10, h.name, why))
        _mark_receiver(ctx, h, store, name)
    pref = 20
    for h in own_backups:
        records.append((pref, h.name, f"backup MX for {name}: queues while the primary is down"))
        _mark_backup(h, name)
        pref += 10
    return True


def _behind_filters(ctx: Context, name: str, store: str, filters) -> None:
    """Filtered mail arrives from the provider at our first hop, which is not in MX."""
    ctx.filtered[name] = [p.name for p in filters]
    ctx.first_hop[name] = ctx.first_hop[name][:1]
    for h in (ctx.hosts[n] for n in ctx.first_hop[name]):
        if h.name != store:
            h.role(
                "gateway",
                f"takes mail for {name} from the inbound filter provider and passes "
                f"it on to {store}",
                learn("topologies", "filtering-edge"),
            )
            _gateway_route(h, store=ctx.hosts[store], domain=name)


def _alias_mx(ctx: Context, domain) -> None:
    ctx.mx[domain.name] = [
        (p, t, f"same MX as {domain.alias_of}, of which it is an alias")
        for p, t, _ in ctx.mx.get(domain.alias_of, [])
    ]
    ctx.first_hop[domain.name] = ctx.first_hop.get(domain.alias_of, [])
    if domain.alias_of in ctx.filtered:
        ctx.filtered[domain.name] = ctx.filtered[domain.alias_of]
    # Hosts that pass the target on pass the alias on the same way.
    for h in ctx.sorted_hosts():
        if domain.alias_of in h.relay_domains:
            h.relay_domains.add(domain.name)
            if domain.alias_of in h.transport:
                h.transport[domain.name] = h.transport[domain.alias_of]
                h.transport_target[domain.name] = h.transport_target[domain.alias_of]


def _behind_nat(ctx: Context, store: HostState, domain: str) -> None:
    """A home server behind NAT described as internal but meant to take internet mail."""
    if store.zone != "internal" or not store.host.accepts_internet_smtp:
        return
    ctx.find(
        "error",
        "mx-behind-nat",
        f"{store.name} should receive mail for {domain} from the internet, but it sits on the "
        f"internal network {store.net.name}, which the internet cannot reach. If your router "
        "forwards port 25 to it, that network is in effect a DMZ: set its zone to dmz and "
        "give the host the public address the router forwards from, so it can be the MX.",
        [store.name, domain],
        learn("transport", "mx-records"),
    )


def _first_hop(ctx: Context, domain: str, store: HostState, receivers: list[HostState]):
    """Our hosts that take the domain's mail from outside: the store itself, or gateways."""
    if store in receivers:
        return [store]
    port = 25 if store.has_mta else 24
    gateways = [
        h for h in receivers if ctx.can_connect(h.zone, h.net.name, store, port) and h is not store
    ]
    filtering = [h for h in gateways if "filtering" in h.host.services]
    return filtering or gateways


def _split_backup(ctx: Context, hop: list[HostState]):
    """Primary and backup hosts among the first hop, by the backup policy."""
    receivers = ctx.receivers()
    if not ctx.design.policy.backup_mx:
        return hop, []
    if len(hop) > 1:
        return hop[:1], hop[1:]
    spare = [h for h in receivers if h not in hop]
    # Prefer a backup on another network: one outage should not take both.
    spare.sort(key=lambda h: (h.net.name == hop[0].net.name, h.name))
    if spare:
        if spare[0].net.name == hop[0].net.name:
            ctx.find(
                "warning",
                "backup-mx-same-network",
                f"The backup MX {spare[0].name} sits on the same network as {hop[0].name}; "
                "an outage of that network takes both down.",
                [spare[0].name, hop[0].name],
                learn("topologies", "backup-mx"),
            )
        return hop, spare[:1]
    return hop, []


def _mark_receiver(ctx: Context, h: HostState, store: HostState, domain: str) -> None:
    h.role("mx", f"listed in the MX records of {domain}", learn("transport", "mx-records"))
    if h is not store:
        h.role(
            "gateway",
            f"receives mail for {domain} from the internet and passes it on to {store.name}",
            learn("topologies", "dmz-gateway"),
        )
        _gateway_route(h, store, domain)


def _gateway_route(h: HostState, store: HostState, domain: str) -> None:
    h.relay_domains.add(domain)
    h.recipient_validation = True
    if store.has_mta:
        h.transport[domain] = f"relay:[{store.name}]"
    else:
        h.transport[domain] = f"lmtp:[{store.name}]:24"
    h.transport_target[domain] = store.name


def _mark_backup(h: HostState, domain: str) -> None:
    h.role(
        "backup-mx",
        f"a backup MX for {domain}: it queues mail while the primary is unreachable",
        learn("topologies", "backup-mx"),
    )
    h.relay_domains.add(domain)
    h.recipient_validation = True
