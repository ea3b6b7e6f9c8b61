"""Stage 3: how mail leaves, and which host the others send through.

A host hands mail to other domains' MX hosts only when it can: an always-on
MTA on a public network whose provider lets port 25 out. Receiving hosts on
public networks send their own mail directly; every other MTA host relays
through one hub (the relay stage makes it a null client when it ends up
listening on nothing). When a
smarthost provider is in the design, the hub sends through it instead
(RFC 6409 submission with authentication, the usual answer to a blocked
port 25).
"""

from __future__ import annotations

from ..learn import learn
from .context import Context, HostState

RECEIVING = ("mx", "backup-mx", "gateway", "mailbox", "local-delivery")


def plan_outbound(ctx: Context) -> None:
    mta_hosts = [h for h in ctx.sorted_hosts() if h.has_mta]
    if not mta_hosts:
        return
    for h in mta_hosts:
        h.origin = ctx.domain_of(h.name) or ctx.domain_names[0]

    hub = _choose_hub(ctx, mta_hosts)
    ctx.hub = hub.name if hub else None
    sh = ctx.smarthost

    if hub is not None:
        if sh is not None:
            _via_smarthost(
                hub, sh, f"{hub.name} hands all outgoing mail to the smarthost {sh.name}"
            )
        else:
            _direct(hub)

    for h in mta_hosts:
        if h is hub:
            continue
        receives = bool(h.roles & set(RECEIVING))
        if sh is None and receives and ctx.can_send_direct(h):
            _direct(h)
            continue
        # A host out on a remote network is never trusted by address: it logs in on
        # the hub's submission port instead, like any roaming mail program.
        remote = h.zone == "remote" and h.net.name != (hub.net.name if hub else None)
        port = 587 if remote else 25
        if hub is not None and ctx.can_connect(h.zone, h.net.name, hub, port):
            h.relayhost = f"[{hub.name}]:587" if remote else f"[{hub.name}]"
            h.relayhost_target = hub.name
            h.relayhost_auth = remote
            h.because(
                "relayhost",
                f"sends everything for other domains through the hub {hub.name}; the brackets "
                "skip the MX lookup because the hub is named directly"
                + (
                    "; from a remote network it logs in on the submission port, since no "
                    "address there can be trusted"
                    if remote
                    else ""
                ),
                learn("topologies", "hub"),
            )
            if remote:
                hub.role(
                    "submission",
                    f"{h.name} on a remote network relays through it with a password",
                    learn("injection", "submission"),
                )
            hub.role(
                "hub",
                "other hosts of the organisation send their mail through it",
                learn("topologies", "hub"),
            )
            continue
        if sh is not None and h.zone != "remote":
            _via_smarthost(
                h, sh, f"cannot reach a hub, so it sends through the smarthost {sh.name}"
            )
            continue
        ctx.find(
            "error",
            "port25-blocked-no-relay",
            f"{h.name} has no way to send mail out: it cannot deliver directly (it needs an "
            "always-on host on an internet or DMZ network with port 25 open outbound) and has "
            "no reachable hub or smarthost to relay through.",
            [h.name],
            learn("transport", "port-25-blocked"),
        )


def _choose_hub(ctx: Context, mta_hosts: list[HostState]) -> HostState | None:
    """The host that sends for the rest: public receivers first, then mailbox hosts."""

    def rank(h: HostState) -> tuple:
        return (
            not bool(h.roles & {"mx", "gateway"}),
            "mailbox" not in h.roles,
            h.zone != "dmz",
            h.name,
        )

    if ctx.smarthost is not None:
        candidates = [h for h in mta_hosts if h.host.always_on and h.zone != "remote"]
    else:
        candidates = [h for h in mta_hosts if ctx.can_send_direct(h)]
    if not candidates:
        return None
    return min(candidates, key=rank)


def _direct(h: HostState) -> None:
    h.sends_direct = True
    h.role(
        "outbound",
        "hands mail for other domains straight to their MX hosts on port 25",
        learn("transport", "relaying"),
    )


def _via_smarthost(h: HostState, sh, why: str) -> None:
    h.relayhost = f"[{sh.host}]:{sh.port}"
    h.relayhost_target = sh.name
    h.relayhost_auth = sh.auth
    h.role("outbound", why, learn("transport", "smarthost"))
    h.because(
        "relayhost",
        f"relays through {sh.host} on port {sh.port}"
        + (" with authentication" if sh.auth else "")
        + "; the brackets skip the MX lookup so mail goes to that exact host",
        learn("transport", "smarthost"),
    )
