"""Rules about the names and addresses of hosts that the internet or clients must reach."""

from __future__ import annotations

from ..planner.context import PUBLIC, Context, is_public_address
from . import check
from .designs import HOSTING, ROAMING, design, server, solo, two_mx

# Names that never exist in public DNS: RFC 6762 (.local), RFC 8375 (.home.arpa), and the
# private suffixes ICANN's name collision work lists (.lan, .corp, .home, .internal).
FANTASY_SUFFIXES = (".local", ".lan", ".localdomain", ".internal", ".home.arpa", ".corp", ".home")

RFC5321_MX = (
    "RFC 5321 §5.1 (locating the target host)",
    "https://www.rfc-editor.org/rfc/rfc5321#section-5.1",
)
RFC1912_PTR = (
    "RFC 1912 §2.1 (every host should have a PTR)",
    "https://www.rfc-editor.org/rfc/rfc1912#section-2.1",
)
GMAIL = (
    "Google: email sender guidelines (PTR, forward-confirmed DNS)",
    "https://support.google.com/a/answer/81126",
)
RFC6186 = ("RFC 6186 (SRV records for mail clients)", "https://www.rfc-editor.org/rfc/rfc6186")

# A DMZ that uses private addresses behind the router's NAT.
NAT_DMZ = {"name": "dmz", "zone": "dmz", "cidrs": ["10.1.0.0/24"]}


def _public(h) -> list[str]:
    return [a for a in h.host.addresses if is_public_address(a)]


@check(
    "no-ptr-possible",
    "warning",
    ("trust", "ptr"),
    title="A host sends to the internet from private addresses only",
    explanation="Catches a host that hands mail straight to other domains' MX hosts while the "
    "design gives it only private addresses (RFC 1918, RFC 4193). A reverse (PTR) record "
    "can only be published for a public address, and receivers check that the connecting "
    "address has a PTR whose name resolves back to it; large receivers refuse or junk mail "
    "that fails the check.",
    fix="List the public address the host's traffic leaves from (the NAT address) beside the "
    "private one, and ask whoever owns that address for a PTR with the host's name; or let "
    "the host relay through one that has a public address.",
    sources=(RFC1912_PTR, GMAIL),
    example=design(
        "DMZ server behind NAT",
        networks=[NAT_DMZ, ROAMING],
        hosts=[server(network="dmz", addresses=["10.1.0.10"])],
    ),
    counter_example=solo(),
)
def no_ptr_possible(ctx: Context, find) -> None:
    for h in ctx.sorted_hosts():
        if h.sends_direct and h.host.addresses and not _public(h):
            find(
                f"{h.name} sends to the internet but has only private addresses, so no "
                "reverse (PTR) record can name it; receivers distrust such mail. Send through "
                "a host with a public address, or list its public (NAT) address.",
                [h.name],
            )


@check(
    "sender-without-address",
    "warning",
    ("trust", "ptr"),
    title="A host sends to the internet but has no address in the design",
    explanation="Catches a host that hands mail to the internet while the design lists no "
    "address for it. The planner names sending hosts in the SPF record by address (ip4:/"
    "ip6:), so this host's mail fails SPF (RFC 7208), and without an address nobody can "
    "request the PTR record receivers look for.",
    fix="Add the host's public address to the design; the SPF record then names it "
    "as ip4: or ip6:.",
    sources=(
        (
            "RFC 7208 §5.6 (ip4 and ip6 mechanisms)",
            "https://www.rfc-editor.org/rfc/rfc7208#section-5.6",
        ),
        RFC1912_PTR,
    ),
    example=solo("Server without an address", addresses=[]),
    counter_example=solo(),
)
def sender_without_address(ctx: Context, find) -> None:
    for h in ctx.sorted_hosts():
        if h.sends_direct and not h.host.addresses:
            find(
                f"{h.name} sends to the internet, but the design gives it no address: the "
                "SPF record cannot name it and no PTR can be requested.",
                [h.name],
            )


@check(
    "non-public-hostname",
    "warning",
    ("trust", "ptr"),
    title="A host talks to the internet under a name public DNS does not have",
    explanation="Catches an MX or a sending host whose name ends in a suffix that never "
    "exists in public DNS, such as .local (RFC 6762), .home.arpa (RFC 8375), .lan or "
    ".internal. The name goes into the MX record and the HELO greeting; RFC 5321 §4.1.1.1 "
    "asks for a name that resolves, and receivers refuse or score down a HELO name that "
    "does not.",
    fix="Give the host a name under one of your public domains, such as mail.example.org.",
    sources=(
        ("RFC 5321 §4.1.1.1 (HELO/EHLO)", "https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.1"),
        ("RFC 6762 §3 (.local)", "https://www.rfc-editor.org/rfc/rfc6762#section-3"),
    ),
    example=design("Server named under .lan", hosts=[server(name="mail.example.lan")]),
    counter_example=solo(),
)
def non_public_hostname(ctx: Context, find) -> None:
    for h in ctx.sorted_hosts():
        if (h.sends_direct or "mx" in h.roles) and h.name.endswith(FANTASY_SUFFIXES):
            find(
                f"{h.name} talks to the internet under a name that does not exist in public "
                "DNS; receivers refuse or distrust it. Give it a real name.",
                [h.name],
            )


def _mx_hosts(ctx: Context):
    return [h for h in ctx.sorted_hosts() if h.roles & {"mx", "backup-mx", "gateway"}]


@check(
    "mx-without-address",
    "error",
    ("transport", "mx-records"),
    title="An MX host has no address",
    explanation="Catches a host that receives mail from the internet (an MX, backup MX or "
    "gateway) while the design lists no address for it. An MX record names a host, and a "
    "sender then looks up that host's A and AAAA records (RFC 5321 §5.1); with no address "
    "to publish, senders find nowhere to connect and the mail queues, then bounces.",
    fix="Add the host's public address to the design; the zone then carries its A/AAAA records.",
    sources=(RFC5321_MX,),
    example=solo("Server without an address", addresses=[]),
    counter_example=solo(),
)
def mx_without_address(ctx: Context, find) -> None:
    for h in _mx_hosts(ctx):
        if not h.host.addresses:
            find(
                f"{h.name} is an MX host but has no address in the design; its A/AAAA "
                "record cannot be published and senders cannot find it.",
                [h.name],
            )


@check(
    "mx-private-address",
    "error",
    ("transport", "mx-records"),
    title="An MX host has only private addresses",
    explanation="Catches an MX, backup MX or gateway whose addresses are all private. "
    "Senders on the internet cannot route to a private address (RFC 1918), so until the "
    "public address is known no mail arrives; it is an error, not a warning, for that "
    "reason. The zone carries a FILL IN address record so that it cannot be published "
    "unedited by mistake.",
    fix="Add the public address your router or firewall forwards port 25 from to the "
    "design, and set up that forwarding.",
    sources=(
        RFC5321_MX,
        ("RFC 1918 (private address space)", "https://www.rfc-editor.org/rfc/rfc1918"),
    ),
    example=design(
        "DMZ server behind NAT",
        networks=[NAT_DMZ, ROAMING],
        hosts=[server(network="dmz", addresses=["10.1.0.10"])],
    ),
    counter_example=solo(),
)
def mx_private_address(ctx: Context, find) -> None:
    for h in _mx_hosts(ctx):
        if h.host.addresses and not _public(h):
            # An error, not a warning: senders on the internet cannot reach a private
            # address, so until the public one is filled in no mail arrives.
            find(
                f"{h.name} is an MX host but has only private addresses "
                f"({', '.join(h.host.addresses)}): senders on the internet cannot reach "
                "them. It sits behind NAT, so publish the public address your router or "
                "firewall forwards port 25 to: the zone carries a FILL IN address record "
                "for it; also add that address to the design.",
                [h.name],
            )


@check(
    "mx-ipv6-only",
    "warning",
    ("transport", "mx-records"),
    title="An MX host has only IPv6 addresses",
    explanation="Catches an MX or backup MX with public IPv6 addresses and no IPv4 one. Many "
    "sending servers still have IPv4 only; RFC 3974 explains that such a sender cannot "
    "reach an IPv6-only MX and so queues the mail and finally bounces it.",
    fix="Give the host an IPv4 address as well, so the zone has an A record beside the AAAA.",
    sources=(
        (
            "RFC 3974 §3 (SMTP in dual-stack networks)",
            "https://www.rfc-editor.org/rfc/rfc3974#section-3",
        ),
        RFC5321_MX,
    ),
    example=solo("IPv6-only server", addresses=["2001:db8::10"]),
    counter_example=solo("Dual-stack server", addresses=["192.0.2.10", "2001:db8::10"]),
)
def mx_ipv6_only(ctx: Context, find) -> None:
    for h in _mx_hosts(ctx):
        public = _public(h)
        if public and h.roles & {"mx", "backup-mx"} and all(":" in a for a in public):
            find(
                f"The MX host {h.name} has only IPv6 addresses: senders that have only "
                "IPv4, still many, cannot reach it and queue or bounce the mail. Give "
                "it an IPv4 address too (an A record beside the AAAA).",
                [h.name],
            )


def _service_hosts(ctx: Context):
    wanted = {"submission", "imap", "pop3", "webmail"}
    return [h for h in ctx.sorted_hosts() if h.roles & wanted and h.zone in PUBLIC]


@check(
    "service-host-without-address",
    "warning",
    ("trust", "autoconfig"),
    title="A host that clients connect to has no address",
    explanation="Catches a host on an internet or DMZ network that offers submission, IMAP, "
    "POP3 or webmail while the design lists no address for it. Mail programs find it "
    "through its address record and the SRV records of RFC 6186 (and the autoconfig file "
    "that points at it); none of them can be published without an address.",
    fix="Add the host's public address to the design; its address and SRV records then follow.",
    sources=(RFC6186,),
    example=solo("Server without an address", addresses=[]),
    counter_example=solo(),
)
def service_host_without_address(ctx: Context, find) -> None:
    for h in _service_hosts(ctx):
        if not h.host.addresses:
            find(
                f"Clients connect to {h.name}, but the design gives it no address: its "
                "address record, and the SRV and autoconfig records that point at it, "
                "cannot be published.",
                [h.name],
            )


@check(
    "service-host-private-address",
    "warning",
    ("trust", "autoconfig"),
    title="A host that outside clients connect to has only private addresses",
    explanation="Catches a host on an internet or DMZ network, not itself an MX, that offers "
    "submission or mail reading from private addresses only. Clients outside connect to "
    "the address published for its name (RFC 6186 SRV records point there too); a private "
    "address cannot be reached from outside.",
    fix="Add the public address the firewall forwards to the host to the design.",
    sources=(
        RFC6186,
        ("RFC 1918 (private address space)", "https://www.rfc-editor.org/rfc/rfc1918"),
    ),
    example=design(
        "Reading host behind NAT",
        networks=[HOSTING, NAT_DMZ, ROAMING],
        hosts=[
            server(services=["submission"], stores_mailboxes=False),
            {
                "name": "imap.example.org",
                "network": "dmz",
                "addresses": ["10.1.0.20"],
                "stores_mailboxes": True,
                "accepts_internet_smtp": False,
                "services": ["imap"],
            },
        ],
    ),
    counter_example=solo(),
)
def service_host_private_address(ctx: Context, find) -> None:
    for h in _service_hosts(ctx):
        if h.host.addresses and not _public(h) and not h.roles & {"mx", "backup-mx", "gateway"}:
            find(
                f"Clients outside connect to {h.name}, but its addresses are private; "
                "publish the public address the firewall forwards to it.",
                [h.name],
            )


@check(
    "backup-mx-nat",
    "warning",
    ("topologies", "backup-mx"),
    title="A backup MX sits behind NAT",
    explanation="Catches a backup MX in a DMZ with private addresses only. When the primary "
    "is down the backup finds itself in the MX list; an MTA that does not know its own "
    "public address does not recognise itself there and tries to send the mail to itself, "
    'a loop Postfix reports as "mail for ... loops back to myself".',
    fix="Tell the MTA its public address: in Postfix, proxy_interfaces = the NAT address. "
    "Add that address to the design as well.",
    sources=(
        ("Postfix: proxy_interfaces", "https://www.postfix.org/postconf.5.html#proxy_interfaces"),
    ),
    example=two_mx("Backup MX behind NAT", network="dmz", addresses=["10.1.0.20"])
    | {"networks": [HOSTING, NAT_DMZ, ROAMING]},
    counter_example=two_mx(),
)
def backup_mx_nat(ctx: Context, find) -> None:
    for h in ctx.sorted_hosts():
        if "backup-mx" in h.roles and h.host.addresses and not _public(h) and h.zone == "dmz":
            find(
                f"The backup MX {h.name} sits behind NAT: tell its MTA its public address "
                "(Postfix proxy_interfaces), or it loops mail back to itself while the "
                "primary is down.",
                [h.name],
            )
