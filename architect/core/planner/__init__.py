"""The planner: a design goes in, a plan comes out.

Stages run in order, each in its own module, each recording its decisions
with a reason on a shared ``Context``; ``plan`` freezes the result into a
``Plan`` whose JSON form is byte-for-byte deterministic.
"""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from ..design import Design
from ..design import network as parse_network
from ..plan import (
    SEVERITIES,
    STAGES,
    DomainPlan,
    HostPlan,
    Mx,
    Plan,
    ProviderPlan,
)
from .clients import plan_clients
from .context import Context, HostState
from .dns import plan_dns
from .findings import plan_findings
from .flows import plan_flows
from .mailboxes import plan_mailboxes
from .mx import plan_mx
from .outbound import plan_outbound
from .relay import plan_relay
from .services import plan_services
from .signing import plan_signing
from .web import plan_web

__all__ = ["plan"]


def plan(design: Design) -> Plan:
    """Derive the whole plan for a validated design."""
    with _collector_paused():
        return _plan(design)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off Python's cycle collector while a plan is built.

    A plan allocates a few objects per host and keeps them all, so the collector's
    passes over every live object (the design's too) are wasted work: at 10,000 hosts
    they were a third of the plan's time. Nothing here builds a reference cycle that
    needs collecting; any the caller made is collected once the collector runs again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plan(design: Design) -> Plan:
    ctx = Context(design)
    plan_mailboxes(ctx)
    plan_mx(ctx)
    plan_outbound(ctx)
    plan_services(ctx)
    clients = plan_clients(ctx)
    plan_relay(ctx, clients)
    flows = plan_flows(ctx, clients)
    web = plan_web(ctx)
    dns = plan_dns(ctx, web)
    plan_findings(ctx)
    return plan_signing(design, _freeze(ctx, clients, flows, dns, web))


def _freeze(ctx: Context, clients, flows, dns, web=None) -> Plan:
    stage_rank = {s: i for i, s in enumerate(STAGES)}
    severity_rank = {s: i for i, s in enumerate(SEVERITIES)}
    return Plan(
        design=ctx.design.name,
        hosts=tuple(_host(h) for h in ctx.sorted_hosts()),
        mx=tuple(
            (domain, tuple(Mx(p, t, why) for p, t, why in sorted(records, key=lambda r: r[:2])))
            for domain, records in sorted(ctx.mx.items())
        ),
        flows=tuple(
            sorted(
                flows,
                key=lambda f: (stage_rank[f.stage], f.source, f.target, f.protocol, f.port or 0),
            )
        ),
        dns=tuple(sorted(dns, key=lambda r: (r.zone or "~", r.name, r.type, r.value))),
        findings=tuple(
            sorted(ctx.findings, key=lambda f: (severity_rank[f.severity], f.code, f.subjects))
        ),
        domains=tuple(
            _domain(ctx, d.name) for d in sorted(ctx.design.domains, key=lambda d: d.name)
        ),
        clients=tuple(clients),
        providers=tuple(
            ProviderPlan(p.name, p.kind, p.host, p.port, p.auth, tuple(sorted(p.domains)))
            for p in sorted(ctx.design.providers, key=lambda p: p.name)
        ),
        web=web,
    )


def _host(h: HostState) -> HostPlan:
    return HostPlan(
        name=h.name,
        mta=h.host.mta,
        network=h.net.name,
        zone=h.zone,
        addresses=h.host.addresses,
        roles=tuple(sorted(h.roles)),
        listens=tuple(h.listens[p] for p in sorted(h.listens)),
        final_domains=tuple(sorted(h.final_domains)),
        relay_domains=tuple(sorted(h.relay_domains)),
        trusted_networks=tuple(sorted(h.trusted, key=_cidr_key)),
        relayhost=h.relayhost,
        delivery=h.delivery,
        transport=tuple(sorted(h.transport.items())),
        alias_domains=tuple(sorted(h.alias_domains.items())),
        recipient_validation=h.recipient_validation,
        origin=h.origin,
        relayhost_auth=h.relayhost_auth,
        loopback_only=h.loopback_only,
        reasons=tuple(h.reasons),
    )


def _cidr_key(block: str) -> tuple:
    # Blocks are strict (the address is the network's own), so the address part packed
    # by inet_pton, in C, is the network address: no ipaddress object for each of the
    # tens of thousands of /32s a hub can trust.
    address, _, length = block.partition("/")
    family, version = (socket.AF_INET6, 6) if ":" in address else (socket.AF_INET, 4)
    try:
        return (version, socket.inet_pton(family, address), int(length))
    except (OSError, ValueError):
        net = parse_network(block)
        return (net.version, net.network_address.packed, net.prefixlen)


def _domain(ctx: Context, name: str) -> DomainPlan:
    design = ctx.design
    domain = design.domain(name)
    where = ctx.mailbox.get(name)
    sends = domain.receives_mail or any(c.domain == name for c in design.clients)
    return DomainPlan(
        name=name,
        receives_mail=domain.receives_mail,
        mailbox_host=where[1] if where else None,
        mailbox_at_provider=bool(where and where[0] == "provider"),
        alias_of=domain.alias_of,
        sends=sends,
        why=ctx.mailbox_why.get(name, ""),
    )
