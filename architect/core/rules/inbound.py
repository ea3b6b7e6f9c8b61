"""Rules about where mail is received and stored: MX records and mailbox hosts.

Most are checks on the finished plan; those the MX and mailbox stages meet inside a decision
(no inbound path, a provider that holds no mailboxes) are recorded there.
"""

from __future__ import annotations

from ..planner.context import PUBLIC, Context
from . import check, recorded
from .designs import DOMAIN, HOSTING, OFFICE, ROAMING, design, server, solo, two_mx

MX = "planner/mx.py"
MAILBOXES = "planner/mailboxes.py"
RFC5321_MX = (
    "RFC 5321 §5.1 (locating the target host)",
    "https://www.rfc-editor.org/rfc/rfc5321#section-5.1",
)
BACKSCATTER = ("Postfix BACKSCATTER_README", "https://www.postfix.org/BACKSCATTER_README.html")
RFC5321_QUEUE = (
    "RFC 5321 §4.5.4.1 (retrying delivery)",
    "https://www.rfc-editor.org/rfc/rfc5321#section-4.5.4.1",
)
POSTFIX_VIRTUAL = ("Postfix VIRTUAL_README", "https://www.postfix.org/VIRTUAL_README.html")


def _receiving(ctx: Context) -> list[str]:
    """Domains the MX stage gave records of their own: not null MX, not aliases."""
    return [
        d.name
        for d in ctx.design.domains
        if d.receives_mail and not d.alias_of and ctx.mx.get(d.name)
    ]


def _filters(ctx: Context, name: str) -> list:
    return [p for p in ctx.design.providers if p.kind == "inbound_filter" and name in p.domains]


def _backup_providers(ctx: Context, name: str) -> list:
    providers = sorted(ctx.design.providers, key=lambda p: p.name)
    return [p for p in providers if p.kind == "backup_mx" and name in p.domains]


INSIDE = design(
    "Server on the office network",
    networks=[OFFICE, ROAMING],
    hosts=[server(network="office", addresses=["10.0.0.10"], accepts_internet_smtp=False)],
)
BACKUP_PROVIDER = {"name": "backupco", "kind": "backup_mx", "host": "mx2.backup.example.net"}

recorded(
    "no-inbound-path",
    "error",
    ("transport", "mx-records"),
    MX,
    title="No host can receive a domain's mail from the internet",
    explanation="Catches a domain whose mailboxes live on a host of the design while no host "
    "can be its MX: an always-on MTA on an internet or DMZ network that accepts internet "
    "SMTP and can pass mail on to the store. Senders look up the domain's MX records (RFC "
    "5321 §5.1) and connect there; with none that works, the domain receives nothing.",
    fix="Put the mailbox host, or a gateway in front of it, on an internet or DMZ network "
    "and let it accept internet SMTP; or have a provider host the mailboxes.",
    sources=(RFC5321_MX,),
    example=INSIDE,
    counter_example=solo(),
)
recorded(
    "mx-behind-nat",
    "error",
    ("transport", "mx-records"),
    MX,
    title="A server meant to receive internet mail sits on an internal network",
    explanation="Catches the home-server case: the mailbox host accepts internet SMTP but "
    "sits on an internal network, which the internet cannot reach by definition. If the "
    "router forwards port 25 to it, that network is in effect a DMZ, and the host must be "
    "published under the router's public address to be an MX (RFC 5321 §5.1).",
    fix="Set the network's zone to dmz and give the host the public address the router "
    "forwards from.",
    sources=(RFC5321_MX,),
    example=design(
        "Home server behind NAT",
        networks=[OFFICE, ROAMING],
        hosts=[server(network="office", addresses=["10.0.0.10"], accepts_internet_smtp=True)],
    ),
    counter_example=INSIDE,
)


@check(
    "backup-mx-backscatter",
    "warning",
    ("relaying", "backscatter"),
    title="A backup-MX provider may accept mail for any address",
    explanation="Catches a backup-MX provider in the MX records. A backup MX that does not "
    "know which addresses exist accepts everything and bounces later what the primary "
    "refuses; the bounces go to forged senders (backscatter), and spammers aim at backup "
    "MX hosts for that reason.",
    fix="Give the provider the list of valid recipients (most offer recipient "
    "verification), or drop the backup MX: senders queue and retry for days anyway.",
    sources=(
        BACKSCATTER,
        (
            "RFC 3834 §2 (not replying to forged senders)",
            "https://www.rfc-editor.org/rfc/rfc3834#section-2",
        ),
    ),
    example=design("Backup MX at a provider", providers=[BACKUP_PROVIDER]),
    counter_example=solo(),
)
def backup_mx_backscatter(ctx: Context, find) -> None:
    for name in _receiving(ctx):
        if _filters(ctx, name):
            continue
        for p in _backup_providers(ctx, name):
            find(
                f"Provider {p.name} is a backup MX for {name}. Unless it knows which "
                "addresses exist, it accepts mail for any address and later bounces it to "
                "forged senders (backscatter). Give it the list of valid recipients.",
                [p.name, name],
            )


@check(
    "backup-mx-unavailable",
    "warning",
    ("topologies", "backup-mx"),
    title="The policy asks for a backup MX that nothing can be",
    explanation="Catches policy.backup_mx when no second host can receive the domain's mail "
    "from the internet and no backup-MX provider serves it, so the MX records list one "
    "host only, whatever the policy says.",
    fix="Add a second always-on host with a public address that accepts internet SMTP, "
    "preferably on another network, or a backup-MX provider; or turn the policy off.",
    sources=(RFC5321_MX,),
    example=design("Backup wanted, none possible", policy={"backup_mx": True}),
    counter_example=two_mx(),
)
def backup_mx_unavailable(ctx: Context, find) -> None:
    if not ctx.design.policy.backup_mx:
        return
    for name in _receiving(ctx):
        if not any(p >= 20 for p, _, _ in ctx.mx[name]) and not _filters(ctx, name):
            find(
                f"The policy asks for a backup MX, but no second host can receive {name} from "
                "the internet and no backup-MX provider serves it.",
                [name],
            )


@check(
    "single-point-of-failure",
    "info",
    ("topologies", "backup-mx"),
    title="A domain has a single MX host",
    explanation="Reports a domain whose MX records name one host. That is usually fine: "
    "senders queue mail for an unreachable MX and retry for days (RFC 5321 §4.5.4.1), so "
    "an outage delays mail rather than losing it. A backup MX shortens the delay at the "
    "cost of a second host to keep in step.",
    fix="Nothing, if delayed mail during an outage is acceptable; otherwise add a backup MX.",
    sources=(RFC5321_QUEUE, RFC5321_MX),
    example=solo(),
    counter_example=two_mx(),
)
def single_point_of_failure(ctx: Context, find) -> None:
    for name in _receiving(ctx):
        if len({t for _, t, _ in ctx.mx[name]}) == 1 and not _backup_providers(ctx, name):
            find(
                f"{name} has a single MX host. Senders queue and retry for days when it is "
                "down, so mail is delayed rather than lost; add a backup MX if that is not "
                "acceptable.",
                [name],
            )


recorded(
    "backup-mx-same-network",
    "warning",
    ("topologies", "backup-mx"),
    MX,
    title="The backup MX shares the primary's network",
    explanation="Catches a backup MX chosen on the same network as the primary, for want of "
    "another. A backup exists to receive mail while the primary is unreachable; an outage "
    "of the network they share takes both down at once.",
    fix="Put the backup MX on another network, at another site or provider.",
    sources=(RFC5321_MX,),
    example=two_mx("Backup MX on the same network", network="hosting", addresses=["192.0.2.20"]),
    counter_example=two_mx(),
)


@check(
    "cannot-receive-from-internet",
    "warning",
    ("transport", "mx-records"),
    title="A host marked as accepting internet SMTP cannot be an MX",
    explanation="Catches a host marked as accepting internet SMTP that the planner cannot "
    "make an MX: it sits on an internal or remote network, runs no MTA, or is often off. "
    "The mark is ignored; this finding says so, so that the design does not promise what "
    "the plan will not do.",
    fix="Move the host to an internet or DMZ network, give it an MTA or keep it on; or "
    "clear the mark.",
    sources=(RFC5321_MX,),
    example=design(
        "Office host open to the internet",
        networks=[HOSTING, OFFICE, ROAMING],
        hosts=[
            server(),
            {
                "name": "office.example.org",
                "network": "office",
                "addresses": ["10.0.0.20"],
                "accepts_internet_smtp": True,
            },
        ],
    ),
    counter_example=solo(),
)
def cannot_receive_from_internet(ctx: Context, find) -> None:
    for h in ctx.sorted_hosts():
        if not h.host.accepts_internet_smtp:
            continue
        reason = None
        if h.zone not in PUBLIC:
            reason = (
                f"it sits on the {h.zone} network {h.net.name}, which the internet cannot reach"
            )
        elif not h.has_mta:
            reason = "it runs no MTA"
        elif not h.host.always_on:
            reason = "it is often off"
        if reason:
            find(
                f"{h.name} is marked as accepting internet SMTP, but {reason}; it is never "
                "made an MX.",
                [h.name],
            )


recorded(
    "no-mailbox-host",
    "error",
    ("delivery", "mbox-maildir"),
    MAILBOXES,
    title="A domain's mail has nowhere to be stored",
    explanation="Catches a domain that receives mail while no host stores mailboxes, no "
    "host has users who log in, and no provider hosts them. Mail accepted for it could "
    "not be delivered anywhere, so the plan gives it no MX at all.",
    fix="Mark a host as storing mailboxes, or add a mailbox-hosting provider for the domain.",
    sources=(POSTFIX_VIRTUAL,),
    example=solo("Server that stores nothing", stores_mailboxes=False, services=["submission"]),
    counter_example=solo(),
)


@check(
    "mailbox-host-not-always-on",
    "warning",
    ("transport", "smtp"),
    title="A domain's mailboxes live on a host that is often off",
    explanation="Catches a mailbox host marked as often off. Mail for the domain waits in "
    "other hosts' queues while it is down and is retried (RFC 5321 §4.5.4.1); it bounces "
    "once the queue lifetime runs out.",
    fix="Keep the mailboxes on a host that stays on.",
    sources=(RFC5321_QUEUE,),
    example=solo("Server that is often off", always_on=False),
    counter_example=solo(),
)
def mailbox_host_not_always_on(ctx: Context, find) -> None:
    for name, where in ctx.mailbox.items():
        if where is None or where[0] != "host":
            continue
        h = ctx.hosts[where[1]]
        if not h.host.always_on:
            find(
                f"Mailboxes of {name} live on {h.name}, which is often off: mail waits in "
                "other hosts' queues until it is back.",
                [h.name, name],
            )


@check(
    "mailbox-host-does-not-store",
    "warning",
    ("delivery", "mbox-maildir"),
    title="A domain names a mailbox host that is not marked as storing mailboxes",
    explanation="Catches a domain whose mailbox_host is a host not marked as storing "
    "mailboxes (and without login users). The planner follows the domain and plans the "
    "store there anyway; the finding points at the contradiction in the design.",
    fix="Mark the host as storing mailboxes, or name another mailbox host.",
    sources=(POSTFIX_VIRTUAL,),
    example=design(
        "Mailbox host not marked",
        domains=[{"name": DOMAIN, "mailbox_host": "mail.example.org"}],
        hosts=[server(stores_mailboxes=False)],
    ),
    counter_example=design(
        "Mailbox host marked", domains=[{"name": DOMAIN, "mailbox_host": "mail.example.org"}]
    ),
)
def mailbox_host_does_not_store(ctx: Context, find) -> None:
    for domain in ctx.design.domains:
        target = domain.mailbox_host
        if not domain.receives_mail or domain.alias_of or not target or "." not in target:
            continue
        host = ctx.hosts[target].host
        if not host.stores_mailboxes and not host.shell_users:
            find(
                f"{domain.name} names {target} as its mailbox host, but {target} is not marked "
                "as storing mailboxes; it is planned as the store anyway.",
                [target, domain.name],
            )


recorded(
    "mailbox-provider-wrong-kind",
    "error",
    ("delivery", "mbox-maildir"),
    MAILBOXES,
    title="A domain's mailbox host is a provider that holds no mailboxes",
    explanation="Catches a domain whose mailbox_host names a provider of another kind (a "
    "smarthost, a filter, a backup MX). Only a mailbox-hosting provider stores mail, so "
    "the domain's mail has nowhere to go.",
    fix="Name a mailbox-hosting provider or one of your hosts as the mailbox host.",
    sources=(POSTFIX_VIRTUAL,),
    example=design(
        "Mailboxes at a smarthost",
        domains=[{"name": DOMAIN, "mailbox_host": "relayco"}],
        providers=[{"name": "relayco", "kind": "smarthost", "host": "smtp.relay.example.net"}],
    ),
    counter_example=design(
        "Mailboxes at a host", domains=[{"name": DOMAIN, "mailbox_host": "mail.example.org"}]
    ),
)
