"""Building a scene from a plan: every host and client in detail, or a summary by
network or zone when there are too many; a trace highlighted on top."""

from __future__ import annotations

from collections import Counter, defaultdict

from ..plan import ClientPlan, HostPlan, Plan
from ..trace import INTERNET, Trace
from .emit import _circled, _count
from .scene import (
    _client_place,
    _client_slot,
    _Edge,
    _flow_label,
    _host_badges,
    _host_slot,
    _lane_of_zone,
    _Mark,
    _marks,
    _mta_line,
    _mx_preferences,
    _Node,
    _Scene,
)
from .style import AGGREGATE_AT, MAX_DNS_LINES, PROVIDER_BADGE, ROLE_BADGE, ROLE_ORDER, SLOT


def _detailed(plan: Plan, link) -> _Scene:
    """Every host and client its own node, except null clients alike, which fold."""
    scene = _Scene(plan)
    marks = _marks(plan)
    prefs = _mx_preferences(plan)
    _outside(scene, plan, marks, prefs)
    groups, singles = _fold_groups(plan, marks)
    for key, members in groups.items():
        if len(members) <= AGGREGATE_AT:
            singles.extend(members)
        else:
            _folded_node(scene, key, members, link)
    for h in sorted(singles, key=lambda h: h.name):
        node = scene.add("host", _lane_of_zone(h.zone), h.network, _host_slot(h.zone), h.name)
        node.badges = _host_badges(h, prefs.get(h.name, []))
        node.details.append(_mta_line(h))
        node.idle = not h.roles
        node.tooltip.append(f"{h.name} ({h.zone} network {h.network})")
        node.tooltip += [f"{r.subject}: {r.why}" for r in h.reasons] or ["no mail role"]
        node.marks = marks.get(h.name, [])
        if link:
            node.url = link("host", h.name)
        scene.name(h.name, node)
    _add_stores(scene, plan)
    _add_clients(scene, plan, marks, link)
    _add_flows(scene, plan)
    _mark_networks(scene, marks)
    return scene


def _fold_groups(plan: Plan, marks) -> tuple[dict[tuple, list[HostPlan]], list[HostPlan]]:
    """Null clients alike (same network, software and outgoing flows), and the rest.

    Only hosts that say nothing on their own fold: plain null clients, and hosts
    with no mail role; a host with a finding or programs on it stays visible.
    """
    hosts_with_programs = set()
    for c in plan.clients:
        where, name = _client_place(plan, c)
        if where == "host":
            hosts_with_programs.add(name)
    outgoing: dict[str, list[tuple]] = defaultdict(list)
    for f in plan.flows:
        outgoing[f.source].append((f.stage, f.target, f.protocol, f.port))
    groups: dict[tuple, list[HostPlan]] = defaultdict(list)
    singles: list[HostPlan] = []
    apart = hosts_with_programs | set(marks)
    for h in plan.hosts:
        if set(h.roles) <= {"null-client"} and h.name not in apart:
            key = (h.network, h.zone, h.mta, tuple(h.roles), tuple(sorted(outgoing[h.name])))
            groups[key].append(h)
        else:
            singles.append(h)
    return groups, singles


def _folded_node(scene: _Scene, key: tuple, members: list[HostPlan], link) -> None:
    network, zone, _mta, roles, _sig = key
    what = "null clients" if roles else "hosts without a mail role"
    node = scene.add(
        "hosts",
        _lane_of_zone(zone),
        network,
        _host_slot(zone),
        f"{len(members):,} {what} on {network}",
    )
    if roles:
        node.badges.append(("null client", "transport"))
    node.idle = not roles
    node.details.append(_mta_line(members[0]).split(" · ")[0])
    shown = [m.name for m in members[:12]]
    more = len(members) - len(shown)
    why = (
        "receive nothing from the network and send all their mail through a hub"
        if roles
        else "have no part in the mail plan"
    )
    node.tooltip.append(
        f"{len(members):,} hosts that {why}: {', '.join(shown)}"
        + (f" and {more:,} more" if more else "")
    )
    for m in members:
        scene.name(m.name, node)
    if link:
        node.url = link("network", network)


def _add_stores(scene: _Scene, plan: Plan) -> None:
    """A host's own mailbox store: the delivery stage made visible as a hop."""
    for f in plan.flows:
        if f.stage == "delivery" and f.source == f.target and plan.has_host(f.source):
            if f.source in scene.stores:
                continue
            host = scene.nodes[scene.by_name[f.source]]
            store = scene.add("mailbox", host.lane, host.network, host.slot + 1, "mailboxes")
            store.beside = host.id
            store.details.append(_delivery_format(plan.host(f.source).delivery))
            store.tooltip.append(f"the mailbox store on {f.source}")
            scene.stores[f.source] = store.id


def _add_flows(scene: _Scene, plan: Plan) -> None:
    for f in plan.flows:
        source = scene.end(f.source)
        store = scene.stores.get(f.source)
        if f.stage == "delivery" and f.source == f.target and store:
            target = scene.nodes[store]
        elif f.stage == "access" and f.protocol == "local" and store:
            # Reading the mailbox files directly: drawn from the files themselves.
            source, target = scene.nodes[store], scene.end(f.target)
        else:
            target = scene.end(f.target)
        scene.edge(f, source, target, f.why)


def _outside(scene: _Scene, plan: Plan, marks, prefs: dict[str, list[int]]) -> None:
    """The internet end, the DNS note and the outside providers: the internet lane."""
    internet = scene.add("internet", "internet", None, SLOT["internet"], "Internet")
    internet.details.append("other mail servers")
    internet.tooltip.append("The rest of the internet: other domains' mail servers")
    scene.name(INTERNET, internet)
    _dns_node(scene, plan, marks)
    for p in plan.providers:
        text, stage = PROVIDER_BADGE.get(p.kind, (p.kind, "transport"))
        node = scene.add("provider", "internet", None, SLOT["provider"], p.name)
        node.badges.append((text, stage))
        if p.host in prefs and p.kind == "backup_mx":
            node.badges[0] = (f"backup MX {prefs[p.host][-1]}", "transport")
        elif p.host in prefs:
            node.badges.insert(0, (f"MX {prefs[p.host][0]}", "transport"))
        node.details.append(f"{p.host}:{p.port}")
        node.tooltip.append(f"{p.name}: outside provider ({text}) at {p.host}, port {p.port}")
        node.marks = marks.get(p.name, [])
        scene.name(p.name, node)


def _delivery_format(delivery: str | None) -> str:
    if not delivery:
        return ""
    if delivery.startswith("lmtp:"):
        return "LMTP into the IMAP server's store"
    return {"maildir": "Maildir", "mbox": "mbox"}.get(delivery, delivery)


def _add_clients(scene: _Scene, plan: Plan, marks, link) -> None:
    """Clients by kind with their count; programs on a host sit beside that host."""
    placed: dict[tuple, list[ClientPlan]] = defaultdict(list)
    for c in plan.clients:
        where, name = _client_place(plan, c)
        signature = (
            c.kind,
            c.send_via,
            c.send_protocol,
            c.send_port,
            c.read_via,
            c.read_protocol,
            c.read_port,
        )
        # Clients alike in every respect but their name fold into one node.
        key = (where, name, signature) if c.name not in marks else (where, name, c.name)
        placed[key].append(c)
    for (where, name, _sig), members in sorted(placed.items(), key=lambda kv: kv[1][0].name):
        if len(members) <= AGGREGATE_AT:
            batches = [[c] for c in members]
        else:
            batches = [members]
        for batch in batches:
            node = _client_node(scene, plan, where, name, batch)
            node.marks = [m for c in batch for m in marks.get(c.name, [])]
            if link and len(batch) == 1:
                node.url = link("client", batch[0].name)
            for c in batch:
                scene.name(c.name, node)


def _client_node(scene: _Scene, plan: Plan, where: str, name: str | None, batch) -> _Node:
    first = batch[0]
    total = sum(c.count for c in batch)
    if where == "host":
        host = scene.nodes[scene.by_name[name]]
        lane, network, slot, beside = host.lane, host.network, host.slot + 1, host.id
    else:
        lane, network, slot, beside = _lane_of_zone(where), name, _client_slot(where), None
    if len(batch) == 1:
        title = first.name + (f" × {first.count:,}" if first.count > 1 else "")
        kind = "client"
    else:
        title = f"{len(batch)} {first.kind} groups × {total:,}"
        kind = "clients"
    node = scene.add(kind, lane, network, slot, title)
    node.beside = beside
    on_host = f" on {name}" if where == "host" and kind == "client" else ""
    node.details.append(first.kind + on_host)
    for c in batch[:12]:
        if c.send_via:
            how = _flow_label(c.send_protocol, c.send_port, c.send_auth, "none")
            sends = f"sends via {c.send_via} ({how})"
        else:
            sends = "cannot send in this plan"
        reads = f"reads from {c.read_via} ({c.read_protocol})" if c.read_via else "reads no mail"
        node.tooltip.append(f"{c.name}: {c.count} {c.kind}; {sends}; {reads}")
    if len(batch) > 12:
        node.tooltip.append(f"… and {len(batch) - 12} more groups")
    return node


def _dns_node(scene: _Scene, plan: Plan, marks) -> None:
    if not plan.mx and not plan.domains:
        return
    lines = []
    for domain, records in plan.mx:
        if records and records[0].host == ".":
            lines.append(f"{domain}: null MX, receives no mail")
        elif records:
            lines.append(f"{domain}: " + ", ".join(f"MX {m.preference} {m.host}" for m in records))
        else:
            lines.append(f"{domain}: no MX")
    node = scene.add("dns", "internet", None, SLOT["internet"], "DNS: MX records")
    node.details = lines[:MAX_DNS_LINES]
    if len(lines) > MAX_DNS_LINES:
        node.details.append(f"… and {len(lines) - MAX_DNS_LINES} more domains")
    node.tooltip.append("Senders look up a domain's MX records to find where to deliver")
    node.tooltip += lines[:40]
    # Findings about a domain show on the DNS note, once each.
    domains = {d for d, _ in plan.mx} | {d.name for d in plan.domains}
    for d in sorted(domains):
        node.marks += [m for m in marks.get(d, []) if m not in node.marks]


def _mark_networks(scene: _Scene, marks) -> None:
    for network in scene.networks:
        if network in marks:
            scene.network_marks[network] = marks[network]


# -- summary of a large plan ---------------------------------------------------


def _summary(plan: Plan, *, by_zone: bool) -> _Scene:
    """One node per network (or per zone), the clients by kind, and the flows between them."""
    scene = _Scene(plan, summary="zone" if by_zone else "network")
    marks = _marks(plan)

    _outside(scene, plan, marks, _mx_preferences(plan))

    groups: dict[str, list[HostPlan]] = defaultdict(list)
    for h in plan.hosts:
        groups[h.zone if by_zone else h.network].append(h)
    for key, members in sorted(groups.items()):
        zone = members[0].zone
        title = (
            f"{len(members):,} {_zone_title(zone)}"
            if by_zone
            else f"{_count(len(members), 'host')} on {key}"
        )
        node = scene.add(
            "group",
            _lane_of_zone(zone),
            None if by_zone else key,
            _host_slot(zone),
            title,
        )
        roles = Counter(r for h in members for r in h.roles)
        idle = sum(1 for h in members if not h.roles)
        node.details = [
            ", ".join(
                f"{n:,} {ROLE_BADGE.get(r, r)}"
                for r, n in sorted(roles.items(), key=lambda kv: ROLE_ORDER.index(kv[0]))
            )
        ]
        if idle:
            node.details.append(f"{idle:,} without a mail role")
        node.tooltip.append(f"{len(members):,} hosts: " + ", ".join(h.name for h in members[:20]))
        found = [m for h in members for m in marks.get(h.name, [])]
        node.marks = _count_marks(found)
        for h in members:
            scene.name(h.name, node)

    clients: dict[tuple, list[ClientPlan]] = defaultdict(list)
    for c in plan.clients:
        where, name = _client_place(plan, c)
        if where == "host":
            clients[("host", scene.by_name[name], c.kind)].append(c)
        else:
            clients[(where, None, c.kind)].append(c)
    for (where, host_node, kind), members in sorted(clients.items(), key=lambda kv: kv[0][2]):
        total = sum(c.count for c in members)
        if where == "host":
            group = scene.nodes[host_node]
            lane, network, slot, beside = group.lane, group.network, group.slot + 1, group.id
        else:
            lane, network, slot, beside = _lane_of_zone(where), None, _client_slot(where), None
        node = scene.add("clients", lane, network, slot, f"{kind} × {total:,}")
        node.beside = beside
        node.details.append(f"{len(members):,} client groups")
        node.tooltip.append(", ".join(c.name for c in members[:20]))
        node.marks = _count_marks([m for c in members for m in marks.get(c.name, [])])
        for c in members:
            scene.name(c.name, node)

    for f in plan.flows:
        source, target = scene.end(f.source), scene.end(f.target)
        scene.edge(f, source, target, f.why)
    return scene


def _zone_title(zone: str) -> str:
    return {"internet": "public hosts", "dmz": "DMZ hosts", "internal": "internal hosts"}.get(
        zone, f"{zone} hosts"
    )


def _count_marks(found: list[_Mark]) -> list[_Mark]:
    counts = Counter(m.severity for m in found)
    out = []
    for severity in ("error", "warning"):
        if counts[severity]:
            codes = sorted({m.code for m in found if m.severity == severity})
            plural = "s" if counts[severity] > 1 else ""
            out.append(
                _Mark(severity, f"{counts[severity]} {severity}{plural}", ", ".join(codes[:6]))
            )
    return out


# -- trace ---------------------------------------------------------------------


def _apply_trace(scene: _Scene, trace: Trace) -> None:
    """Number the hops of one message on the edges they take; add hops that are no flow."""
    scene.trace = trace
    for step, hop in enumerate(trace.hops, 1):
        source = scene.end(hop.source)
        target = scene.end(hop.target)
        source.traced = target.traced = True
        if hop.source == hop.target and hop.action == "deliver" and hop.source in scene.stores:
            target = scene.nodes[scene.stores[hop.source]]
            target.traced = True
        edge = _find_edge(scene, source.id, target.id, hop.protocol)
        if edge is None and source.id == target.id:
            # Delivered, refused or bounced right here: said on the node, not as a loop.
            what = {
                "deliver": "delivered here",
                "reject": "✗ rejected here",
                "bounce": "✗ bounced here",
            }.get(hop.action, f"{hop.action}: within this group")
            source.notes.append(f"{_circled(step)} {what}")
            source.tooltip.insert(0, f"{step}. {hop.action}: {hop.why}")
            continue
        if edge is None:
            stage = "delivery" if hop.action == "deliver" else "transport"
            edge = _Edge(
                source.id, target.id, stage, hop.protocol, hop.port, False, "none", extra=True
            )
            scene.edges[("trace", step)] = edge
        edge.steps.append(step)
        edge.action = hop.action
        edge.why.insert(0, f"{step}. {hop.action}: {hop.why}")


def _find_edge(scene: _Scene, source: str, target: str, protocol: str) -> _Edge | None:
    candidates = [
        e for e in scene.edges.values() if e.source == source and e.target == target and not e.extra
    ]
    for e in candidates:
        if e.protocol == protocol:
            return e
    return candidates[0] if candidates else None


# -- emitting Graphviz ---------------------------------------------------------
