"""Stage 1: where each domain's mailboxes live.

Everything else follows from this: the MX hosts pass mail towards the
mailbox host, and clients read from it.
"""

from __future__ import annotations

from ..learn import learn
from .context import Context


def plan_mailboxes(ctx: Context) -> None:
    design = ctx.design
    stores = [h for h in ctx.sorted_hosts() if h.host.stores_mailboxes]
    shell_hosts = [h for h in ctx.sorted_hosts() if h.host.shell_users and h.has_mta]
    hosting = sorted(
        (p for p in design.providers if p.kind == "mailbox_hosting"), key=lambda p: p.name
    )

    for domain in design.domains:
        name = domain.name
        if not domain.receives_mail:
            ctx.mailbox[name] = None
            ctx.mailbox_why[name] = "receives no mail, so it has no mailboxes"
            continue
        if domain.alias_of:
            continue  # resolved below, once the target is known
        if domain.mailbox_host:
            _explicit(ctx, name, domain.mailbox_host)
            continue
        provider = next((p for p in hosting if name in p.domains), None)
        if provider is not None:
            ctx.mailbox[name] = ("provider", provider.name)
            ctx.mailbox_why[name] = f"its mailboxes are hosted by {provider.name}"
            continue
        if stores:
            chosen = stores[0]
            ctx.mailbox[name] = ("host", chosen.name)
            if len(stores) == 1:
                ctx.mailbox_why[name] = f"{chosen.name} is the host that stores mailboxes"
            else:
                ctx.mailbox_why[name] = (
                    f"{chosen.name} is the first of {len(stores)} hosts that store mailboxes; "
                    "set the domain's mailbox host to choose another"
                )
            continue
        if shell_hosts:
            chosen = shell_hosts[0]
            ctx.mailbox[name] = ("host", chosen.name)
            ctx.mailbox_why[name] = f"users log in on {chosen.name} and read their mail there"
            continue
        ctx.mailbox[name] = None
        ctx.mailbox_why[name] = "no host stores mailboxes and no provider hosts them"
        ctx.find(
            "error",
            "no-mailbox-host",
            f"No host stores mailboxes for {name}, and no provider hosts them: mail for it "
            "has nowhere to be delivered. Mark a host as storing mailboxes, or add a "
            "mailbox-hosting provider.",
            [name],
            learn("delivery", "mbox-maildir"),
        )

    for domain in design.domains:
        if domain.alias_of:
            ctx.mailbox[domain.name] = ctx.mailbox.get(domain.alias_of)
            ctx.mailbox_why[domain.name] = (
                f"an alias of {domain.alias_of}: user@{domain.name} is delivered as "
                f"user@{domain.alias_of}"
            )

    for name, where in ctx.mailbox.items():
        if where is None or where[0] != "host":
            continue
        h = ctx.hosts[where[1]]
        h.role(
            "mailbox",
            f"mailboxes of {name} live here: {ctx.mailbox_why[name]}",
            learn("delivery", "mbox-maildir"),
        )
        if h.host.shell_users:
            h.role(
                "local-delivery",
                "people log in here, so mail is delivered to them on this host",
                learn("delivery", "local-delivery"),
            )


def _explicit(ctx: Context, domain: str, target: str) -> None:
    design = ctx.design
    if "." in target:
        ctx.mailbox[domain] = ("host", target)
        ctx.mailbox_why[domain] = f"the design puts its mailboxes on {target}"
        return
    provider = design.provider(target)
    if provider.kind != "mailbox_hosting":
        ctx.mailbox[domain] = None
        ctx.mailbox_why[domain] = f"{target} is a {provider.kind} provider, not a mailbox host"
        ctx.find(
            "error",
            "mailbox-provider-wrong-kind",
            f"{domain} names provider {target} as its mailbox host, but {target} is a "
            f"{provider.kind.replace('_', ' ')} provider; only a mailbox-hosting provider "
            "can hold mailboxes.",
            [domain, target],
            learn("delivery", "mbox-maildir"),
        )
        return
    ctx.mailbox[domain] = ("provider", target)
    ctx.mailbox_why[domain] = f"the design puts its mailboxes at {target}"
