"""Stage 4: services for people: submission (MSA), IMAP/POP3, webmail, filtering.

The design says which services a person wants where; the planner adds a
service that clients need and refuses one that cannot work, saying why.
"""

from __future__ import annotations

from ..design import Client
from ..learn import learn
from .context import Context, HostState


def client_place(ctx: Context, c: Client) -> tuple[str, str | None]:
    """The zone and network a client connects from."""
    if c.host is not None:
        h = ctx.hosts[c.host]
        return h.zone, h.net.name
    net = ctx.design.network(c.network or "")
    return net.zone, net.name


def at_provider(ctx: Context, c: Client) -> bool:
    where = ctx.mailbox.get(c.domain)
    return where is not None and where[0] == "provider"


def needs_submission(ctx: Context, c: Client) -> bool:
    """Whether a client sends by authenticated submission to one of our hosts."""
    if c.kind == "device" and not c.can_authenticate:
        return False
    if at_provider(ctx, c):
        return False
    if c.host is not None and ctx.hosts[c.host].has_mta:
        return False  # the sendmail command on its own host
    return c.can_authenticate and c.can_tls


def plan_services(ctx: Context) -> None:
    for h in ctx.sorted_hosts():
        _requested(ctx, h)
    _add_submission(ctx)
    _add_reading(ctx)


def _requested(ctx: Context, h: HostState) -> None:
    services = h.host.services
    # A service the host cannot hold is left out; the rule service-refused
    # (core/rules/clients.py) says so.
    if "submission" in services and h.has_mta:
        _submission(h, "the design asks for submission here")
    for proto in ("imap", "pop3"):
        if proto in services and "mailbox" in h.roles:
            h.role(proto, f"the design asks for {proto.upper()} here", learn("reading", proto))
    if "webmail" in services:
        h.role("webmail", "the design asks for webmail here", learn("reading", "webmail"))
    if "filtering" in services and h.roles & {"mx", "gateway", "backup-mx"}:
        h.role(
            "filter",
            "filters spam and viruses as mail arrives from the internet",
            learn("topologies", "filtering-edge"),
        )


def _submission(h: HostState, why: str) -> None:
    h.role("submission", why, learn("injection", "submission"))


def _add_submission(ctx: Context) -> None:
    needing = [c for c in ctx.design.clients if needs_submission(ctx, c)]
    if not needing:
        return

    def reachable(h: HostState, c: Client) -> bool:
        zone, net = client_place(ctx, c)
        return ctx.can_connect(zone, net, h, 587)

    submission = ctx.with_role("submission")

    def served(c: Client) -> bool:
        return any(reachable(h, c) for h in submission)

    unserved = [c for c in needing if not served(c)]
    if not unserved:
        return
    candidates = [
        h
        for h in ctx.sorted_hosts()
        if h.has_mta and h.host.always_on and h.roles & {"mailbox", "hub", "mx", "gateway"}
    ]
    candidates.sort(key=lambda h: ("mailbox" not in h.roles, "hub" not in h.roles, h.name))
    best = max(candidates, key=lambda h: sum(reachable(h, c) for c in unserved), default=None)
    if best is None or not any(reachable(best, c) for c in unserved):
        return  # the client stage reports each client that cannot submit
    count = sum(c.count for c in unserved if reachable(best, c))
    _submission(
        best,
        f"added: {count} client{'s' if count != 1 else ''} need somewhere to submit mail with "
        "a password, and this host can be reached by them",
    )


def _add_reading(ctx: Context) -> None:
    wanted: dict[tuple[str, str], int] = {}
    for c in ctx.design.clients:
        if c.reads in ("imap", "pop3"):
            where = ctx.mailbox.get(c.domain)
            if where and where[0] == "host":
                wanted[(where[1], c.reads)] = wanted.get((where[1], c.reads), 0) + c.count
        if c.kind == "webmail" and c.host is not None:
            ctx.hosts[c.host].role(
                "webmail",
                f"{c.name} is a webmail program running here",
                learn("reading", "webmail"),
            )
    for (host, proto), count in sorted(wanted.items()):
        h = ctx.hosts[host]
        h.role(
            proto,
            f"added: {count} client{'s' if count != 1 else ''} read their mail over "
            f"{proto.upper()} from this mailbox host",
            learn("reading", proto),
        )
