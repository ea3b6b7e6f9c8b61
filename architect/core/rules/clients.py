"""Rules about clients and services: who can send, read and reach what.

The client stage records its rules inside its decisions; service-refused is a check on the
finished plan.
"""

from __future__ import annotations

from ..learn import learn
from ..planner.context import Context
from . import check, recorded
from .designs import HOSTING, MAIL, OFFICE, ROAMING, design, gateway, server, solo

CLIENTS = "planner/clients.py"
RFC6409 = ("RFC 6409 (message submission)", "https://www.rfc-editor.org/rfc/rfc6409")
RFC8314 = ("RFC 8314 (TLS for submission and access)", "https://www.rfc-editor.org/rfc/rfc8314")
MYNETWORKS = ("Postfix: mynetworks", "https://www.postfix.org/postconf.5.html#mynetworks")
OPEN_RELAY = (
    "RFC 5321 §3.9 (relaying and mail forwarding)",
    "https://www.rfc-editor.org/rfc/rfc5321#section-3.9",
)


def _printer(name: str, network: dict, **printer) -> dict:
    """The stand-alone server with a printer that sends scans from ``network``."""
    client = {
        "name": "printer",
        "kind": "device",
        "network": network["name"],
        "can_authenticate": False,
    } | printer
    return design(name, networks=[HOSTING, ROAMING, network], clients=[client])


recorded(
    "client-cannot-submit",
    "error",
    ("injection", "submission"),
    CLIENTS,
    title="A client cannot reach any submission service",
    explanation="Catches a client that should send over submission (port 587 with a "
    "password and TLS, RFC 6409) while no host offering it is reachable from the client's "
    "network. Its mail programs then have nowhere to send.",
    fix="Offer submission on a host the client's network reaches: one on an internet or "
    "DMZ network for clients outside.",
    sources=(RFC6409,),
    example=design(
        "Laptops outside, server inside",
        networks=[OFFICE, ROAMING],
        hosts=[server(network="office", addresses=["10.0.0.10"], accepts_internet_smtp=False)],
    ),
    counter_example=solo(),
)
recorded(
    "client-without-tls",
    "warning",
    ("trust", "starttls"),
    CLIENTS,
    title="A client cannot use TLS",
    explanation="Catches a client marked as unable to do TLS. Its mail, and for a mail "
    "reader its password, cross the network in clear; RFC 8314 asks for TLS on every "
    "submission and access connection. A device on an internal network is trusted by its "
    "address instead of a password for that reason.",
    fix="Use a client that can do TLS, or keep it on an internal network whose traffic you trust.",
    sources=(RFC8314, ("RFC 3207 (STARTTLS)", "https://www.rfc-editor.org/rfc/rfc3207")),
    example=_printer("Printer without TLS", OFFICE, can_tls=False),
    counter_example=_printer("Printer with TLS", OFFICE),
)
recorded(
    "device-network-without-cidrs",
    "error",
    ("relaying", "trusted-networks"),
    CLIENTS,
    title="A device must be trusted by address, but its network lists none",
    explanation="Catches a device that cannot log in on an internal network with no CIDR "
    "blocks. Such a device may relay only when the relay trusts its network's addresses "
    "(Postfix mynetworks); with no block to trust, it cannot send.",
    fix="List the network's CIDR blocks in the design.",
    sources=(MYNETWORKS,),
    example=_printer("Printer on a network without blocks", {"name": "office", "zone": "internal"}),
    counter_example=_printer("Printer on a listed network", OFFICE),
)
recorded(
    "device-cannot-authenticate",
    "error",
    ("injection", "devices"),
    CLIENTS,
    title="A client that cannot log in sits outside the trusted networks",
    explanation="Catches a client that cannot authenticate (or cannot do TLS, so must not "
    "send a password) on a network that is not internal. Accepting its mail without a "
    "password from there would mean accepting anyone's: an open relay (RFC 5321 §3.9), "
    "which spammers find within hours.",
    fix="Move the device to an internal network, or use one that can authenticate over TLS.",
    sources=(OPEN_RELAY, MYNETWORKS),
    example=_printer("Printer on the road", {"name": "field", "zone": "remote"}),
    counter_example=_printer("Printer in the office", OFFICE),
)
recorded(
    "local-reading-without-mailbox",
    "warning",
    ("delivery", "local-delivery"),
    CLIENTS,
    title="A client reads mail locally on a host that does not hold its mailboxes",
    explanation="Catches a terminal client set to read mail on its own host while its "
    "domain's mail is delivered to another host. Local mail readers (mutt, mail) read the "
    "spool or Maildir of the host they run on, where this mail never arrives.",
    fix="Read the mail over IMAP instead, or keep the domain's mailboxes on that host.",
    sources=(("Postfix: home_mailbox", "https://www.postfix.org/postconf.5.html#home_mailbox"),),
    example=design(
        "Terminal on another host",
        hosts=[
            server(),
            {
                "name": "shell.example.org",
                "network": "hosting",
                "addresses": ["192.0.2.30"],
                "accepts_internet_smtp": False,
            },
        ],
        clients=[{"name": "users", "kind": "terminal", "host": "shell.example.org"}],
    ),
    counter_example=design(
        "Terminal on the mailbox host",
        clients=[{"name": "users", "kind": "terminal", "host": MAIL}],
    ),
)
recorded(
    "client-cannot-reach-mailbox",
    "error",
    ("reading", "imap"),
    CLIENTS,
    learn_also=(("reading", "pop3"),),
    title="A client cannot reach the host that holds its mailboxes",
    explanation="Catches a client that reads over IMAP or POP3 from a network that cannot "
    "reach the mailbox host: laptops on the road and a store on the office network, say. "
    "The finding links to the tutorial on the protocol the client uses.",
    fix="Offer webmail, a VPN, or put the mailboxes on a host the client can reach.",
    sources=(("RFC 9051 (IMAP4rev2)", "https://www.rfc-editor.org/rfc/rfc9051"), RFC8314),
    example=gateway() | {"clients": [{"name": "laptops", "kind": "desktop", "network": "roaming"}]},
    counter_example=gateway(),
)
recorded(
    "trust-across-nat",
    "warning",
    ("relaying", "trusted-networks"),
    "planner/context.py",
    title="A host on the internet trusts an internal network's addresses",
    explanation="Catches a relay on an internet network told to trust the blocks of an "
    "internal network. Traffic from an office to a server on the internet usually passes "
    "the office's NAT, which rewrites the source address: the server sees the public "
    "address, not the block it trusts (Postfix mynetworks), and refuses the mail.",
    fix="Let the clients authenticate instead, put a relay inside the office, or make sure "
    "their traffic keeps its own addresses (a VPN).",
    sources=(MYNETWORKS,),
    example=_printer("Office printer, server on the internet", OFFICE),
    counter_example=_printer("Printer that logs in", OFFICE, can_authenticate=True),
)


@check(
    "service-refused",
    "warning",
    ("injection", "submission"),
    learn_also=(("reading", "imap"), ("reading", "pop3"), ("topologies", "filtering-edge")),
    title="A host is asked for a service it cannot offer",
    explanation="Catches a service the design asks of a host that cannot hold it: "
    "submission on a host without an MTA, IMAP or POP3 on a host without mailboxes, "
    "filtering on a host that receives nothing from the internet. The service is not "
    "planned there. The finding links to the tutorial on the refused service.",
    fix="Ask for the service on a host that can offer it, or give this host what it lacks.",
    sources=(
        RFC6409,
        ("Dovecot: mail location", "https://doc.dovecot.org/main/core/config/mail_location.html"),
    ),
    example=design(
        "Submission without an MTA",
        hosts=[
            server(),
            {
                "name": "submit.example.org",
                "network": "hosting",
                "addresses": ["192.0.2.40"],
                "mta": "none",
                "services": ["submission"],
            },
        ],
    ),
    counter_example=solo(),
)
def service_refused(ctx: Context, find) -> None:
    # In the order the services stage weighs them: a host refused twice shows the first.
    for h in ctx.sorted_hosts():
        services = h.host.services
        if "submission" in services and not h.has_mta:
            find(
                f"{h.name} is asked to offer submission but runs no MTA; submission is not "
                "planned there.",
                [h.name],
            )
        for proto in ("imap", "pop3"):
            if proto in services and "mailbox" not in h.roles:
                find(
                    f"{h.name} is asked to offer {proto.upper()} but holds no mailboxes; "
                    f"{proto.upper()} belongs on the mailbox host.",
                    [h.name],
                    learn("reading", proto),
                )
        if "filtering" in services and not h.roles & {"mx", "gateway", "backup-mx"}:
            find(
                f"{h.name} is asked to filter mail but receives none from the internet; "
                "filtering belongs on the MX or gateway.",
                [h.name],
                learn("topologies", "filtering-edge"),
            )
