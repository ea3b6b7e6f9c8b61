"""Rules about what a host's roles ask of it: recipient lists, exposure, uptime, an MTA."""

from __future__ import annotations

from ..planner.context import PUBLIC, Context
from . import check
from .designs import DMZ, OFFICE, design, gateway, server, solo, two_mx

BACKSCATTER = ("Postfix BACKSCATTER_README", "https://www.postfix.org/BACKSCATTER_README.html")
RELAY_RECIPIENTS = (
    "Postfix: relay_recipient_maps",
    "https://www.postfix.org/postconf.5.html#relay_recipient_maps",
)
RFC5321_QUEUE = (
    "RFC 5321 §4.5.4.1 (sending strategy: retry for days)",
    "https://www.rfc-editor.org/rfc/rfc5321#section-4.5.4.1",
)


@check(
    "backup-mx-recipient-list",
    "info",
    ("relaying", "backscatter"),
    title="A backup MX checks recipients against a list to keep in step",
    explanation="Reports each backup MX the plan makes. A backup MX that accepts any address "
    "for the domain finds out only later, from the primary, that an address does not exist, "
    "and then bounces the message to its sender, who is usually forged: that is "
    "backscatter, and it gets the backup's address blocklisted. The plan therefore has it "
    "check recipients against a list (Postfix relay_recipient_maps), which must follow every "
    "change to the mailboxes.",
    fix="Nothing to change in the design; when you add or remove a mailbox, update the "
    "backup MX's recipient list as well (the bundle's README says where it is).",
    sources=(BACKSCATTER, RELAY_RECIPIENTS),
    example=two_mx(),
    counter_example=solo(),
)
def backup_mx_recipient_list(ctx: Context, find) -> None:
    for h in ctx.sorted_hosts():
        if "backup-mx" in h.roles:
            find(
                f"The backup MX {h.name} checks recipients against a list so it cannot be used "
                "for backscatter; keep that list in step with the mailboxes.",
                [h.name],
            )


@check(
    "gateway-recipient-list",
    "info",
    ("relaying", "backscatter"),
    title="A gateway checks recipients against a list to keep in step",
    explanation="Reports each gateway, an MX that passes mail on to an inside store. Like a "
    "backup MX it must refuse unknown recipients during the SMTP dialogue (RFC 5321 §3.3 "
    "lets it answer 550 at RCPT), or it accepts mail the store later rejects and bounces it "
    "to forged senders. The plan has it check a recipient list, which must follow every "
    "change to the mailboxes.",
    fix="Nothing to change in the design; keep the gateway's recipient list in step with "
    "the mailboxes.",
    sources=(BACKSCATTER, RELAY_RECIPIENTS),
    example=gateway(),
    counter_example=solo(),
)
def gateway_recipient_list(ctx: Context, find) -> None:
    for h in ctx.sorted_hosts():
        if "gateway" in h.roles:
            find(
                f"The gateway {h.name} checks recipients against a list before accepting "
                "mail; keep that list in step with the mailboxes, or it accepts mail it later "
                "bounces (backscatter).",
                [h.name],
            )


def _exposed_store(name: str, **store) -> dict:
    """A gateway in the DMZ in front of a store that has no MTA, on a public network."""
    return design(
        name,
        networks=[DMZ, OFFICE],
        hosts=[
            {"name": "mx.example.org", "network": "dmz", "addresses": ["198.51.100.10"]},
            {
                "name": "store.example.org",
                "network": "dmz",
                "addresses": ["198.51.100.20"],
                "mta": "none",
                "stores_mailboxes": True,
                "services": ["imap"],
            }
            | store,
        ],
        clients=[{"name": "desktops", "kind": "desktop", "count": 5, "network": "office"}],
    )


def _stores(ctx: Context):
    return [h for h in ctx.sorted_hosts() if "mailbox" in h.roles and h.zone in PUBLIC]


@check(
    "mailbox-store-exposed",
    "warning",
    ("topologies", "dmz-gateway"),
    title="A mailbox store behind gateways still takes SMTP from the internet",
    explanation="Catches a mailbox store on an internet or DMZ network that has gateways in "
    "front of it in the MX records yet is marked as accepting internet SMTP. Spammers "
    "ignore MX records and connect to any address that answers on port 25, so the store "
    "takes mail that never passed the gateways' recipient checks and filters.",
    fix="Put the store on an internal network, or close port 25 to everyone but the "
    "gateways (and unmark it as accepting internet SMTP).",
    sources=(
        (
            "Postfix: smtpd_client_restrictions",
            "https://www.postfix.org/postconf.5.html#smtpd_client_restrictions",
        ),
    ),
    example=_exposed_store("Exposed store", accepts_internet_smtp=True),
    counter_example=_exposed_store("Store closed to the internet", accepts_internet_smtp=False),
)
def mailbox_store_exposed(ctx: Context, find) -> None:
    for h in _stores(ctx):
        fronted = any(
            ctx.first_hop.get(d) and h.name not in ctx.first_hop[d] for d in h.final_domains
        )
        if fronted and h.host.accepts_internet_smtp:
            find(
                f"The mailbox store {h.name} has gateways in front of it but still accepts "
                "SMTP from the internet; put it on an internal network or close port 25 "
                "to everyone but the gateways.",
                [h.name],
            )


@check(
    "lmtp-exposed",
    "warning",
    ("delivery", "lmtp"),
    title="A store that takes mail over LMTP sits on an internet network",
    explanation="Catches a mailbox store without an MTA (the gateways hand it mail over "
    "LMTP, RFC 2033) on an internet network. LMTP has no access control of its own: "
    "whoever reaches port 24 can put mail into any mailbox, so only the gateways may reach "
    "it.",
    fix="Firewall port 24 so that only the gateways reach it, or move the store to an "
    "internal or DMZ network.",
    sources=(
        ("RFC 2033 (LMTP)", "https://www.rfc-editor.org/rfc/rfc2033"),
        ("Dovecot: LMTP server", "https://doc.dovecot.org/main/core/config/lmtp.html"),
    ),
    example=_exposed_store(
        "LMTP store on the internet", network="hosting", addresses=["192.0.2.20"]
    )
    | {
        "networks": [
            DMZ,
            OFFICE,
            {"name": "hosting", "zone": "internet", "cidrs": ["192.0.2.0/24"]},
        ]
    },
    counter_example=_exposed_store("LMTP store in the DMZ"),
)
def lmtp_exposed(ctx: Context, find) -> None:
    for h in _stores(ctx):
        if not h.has_mta and h.zone == "internet":
            find(
                f"The store {h.name} takes mail over LMTP and sits on an internet network; "
                "LMTP has no access control of its own, so firewall port 24 to the gateways.",
                [h.name],
            )


@check(
    "host-not-always-on",
    "warning",
    ("transport", "smtp"),
    title="A host that others depend on is often off",
    explanation="Catches a mailbox host or hub marked as often off. SMTP is store and "
    "forward: while the host is down, mail for it waits in other hosts' queues and is "
    "retried (RFC 5321 §4.5.4.1), so nothing is lost at once, but it arrives late, and "
    "after the sender's queue lifetime (Postfix: maximal_queue_lifetime, five days) it "
    "bounces.",
    fix="Run the mailboxes or the hub on a host that stays on, or mark the host always on "
    "if it is.",
    sources=(
        RFC5321_QUEUE,
        (
            "Postfix: maximal_queue_lifetime",
            "https://www.postfix.org/postconf.5.html#maximal_queue_lifetime",
        ),
    ),
    example=solo("Server that is often off", always_on=False),
    counter_example=solo(),
)
def host_not_always_on(ctx: Context, find) -> None:
    for h in ctx.sorted_hosts():
        if h.has_mta and not h.host.always_on and h.roles & {"mailbox", "hub"}:
            find(
                f"{h.name} is often off, yet other hosts depend on it; "
                "mail waits while it is down.",
                [h.name],
            )


def _shell_host(name: str, mta: str) -> dict:
    shell = {
        "name": "shell.example.org",
        "network": "hosting",
        "addresses": ["192.0.2.30"],
        "accepts_internet_smtp": False,
        "shell_users": True,
        "mta": mta,
    }
    return design(name, hosts=[server(), shell])


@check(
    "shell-host-without-mta",
    "warning",
    ("injection", "sendmail-command"),
    title="People log in on a host that runs no MTA",
    explanation="Catches a host with shell users and no MTA. Mail programs and scripts on a "
    "Unix host hand mail to /usr/sbin/sendmail, a command every MTA provides (Postfix's "
    "sendmail(1), for one); with no MTA there is no such command and their mail is lost "
    "at once.",
    fix="Give the host an MTA; the plan makes it a null client that sends through your hub.",
    sources=(("Postfix: sendmail(1)", "https://www.postfix.org/sendmail.1.html"),),
    example=_shell_host("Shell host without an MTA", "none"),
    counter_example=_shell_host("Shell host with an MTA", "postfix"),
)
def shell_host_without_mta(ctx: Context, find) -> None:
    for h in ctx.sorted_hosts():
        if not h.has_mta and h.host.shell_users:
            find(
                f"People log in on {h.name}, but it runs no MTA: their mail programs have no "
                "sendmail command to hand mail to.",
                [h.name],
            )
