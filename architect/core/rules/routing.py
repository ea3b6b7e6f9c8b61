"""Rules the relay, outbound, DNS and web stages record while they route mail and publish it."""

from __future__ import annotations

from . import recorded
from .designs import HOSTING, OFFICE, ROAMING, design, server, solo

RELAY = "planner/relay.py"
DNS = "planner/dns_policy.py"  # the DNS stage writes its SPF and DMARC findings there
WEB = "planner/web.py"
MYNETWORKS = ("Postfix: mynetworks", "https://www.postfix.org/postconf.5.html#mynetworks")
SPF = ("RFC 7208 §5 (SPF mechanisms)", "https://www.rfc-editor.org/rfc/rfc7208#section-5")
MTA_STS = (
    "RFC 8461 §3.3 (MTA-STS policy retrieval)",
    "https://www.rfc-editor.org/rfc/rfc8461#section-3.3",
)
SMARTHOST = {"name": "relayco", "kind": "smarthost", "host": "smtp.relay.example.net"}
APP_DMZ = {"name": "apps", "zone": "dmz", "cidrs": ["198.51.100.0/24"], "port25_outbound": False}


def _app_host(name: str, network: dict, **app) -> dict:
    """The stand-alone server and an application host that relays through it."""
    host = {
        "name": "app.example.org",
        "network": network["name"],
        "accepts_internet_smtp": False,
    } | app
    return design(name, networks=[HOSTING, ROAMING, network], hosts=[server(), host])


recorded(
    "relay-client-without-address",
    "error",
    ("relaying", "trusted-networks"),
    RELAY,
    title="A host relays through the hub, but nothing says which address to trust",
    explanation="Catches a host that sends through the hub without a password while the "
    "design gives neither its address nor, on an internal network, the network's blocks. "
    "The hub trusts relay clients by address (Postfix mynetworks), and on an internet or "
    "DMZ network only the host's own address may be trusted, since others share that "
    "network.",
    fix="Add the host's own address to the design, so that the hub trusts that address alone.",
    sources=(MYNETWORKS,),
    example=_app_host("Application host without an address", APP_DMZ),
    counter_example=_app_host(
        "Application host with an address", APP_DMZ, addresses=["198.51.100.30"]
    ),
)
recorded(
    "trusted-network-too-broad",
    "error",
    ("relaying", "open-relay"),
    RELAY,
    title="A relay would have to trust an address block far too large",
    explanation="Catches a block shorter than /8 (IPv4) or /16 (IPv6) that a relay would "
    "have to trust for a host. No organisation owns such a network; trusting it makes the "
    "relay open to much of the internet (RFC 5321 §3.9), so the planner leaves it out and "
    "says so.",
    fix="List the real, small blocks of the network, or the host's own address.",
    sources=(
        MYNETWORKS,
        ("RFC 5321 §3.9 (relaying)", "https://www.rfc-editor.org/rfc/rfc5321#section-3.9"),
    ),
    example=_app_host(
        "Network of half the internet", {"name": "lan", "zone": "internal", "cidrs": ["0.0.0.0/1"]}
    ),
    counter_example=_app_host("Small office network", OFFICE),
)
recorded(
    "inbound-filter-addresses",
    "warning",
    ("topologies", "filtering-edge"),
    RELAY,
    title="A host behind a filtering provider must accept port 25 from the filter only",
    explanation="Catches a host that receives only mail filtered by an inbound-filter "
    "provider. Spammers ignore MX records and connect straight to the host's address, "
    "bypassing the filter, so the host must refuse everyone else on port 25. The design "
    "cannot know the provider's addresses, so the finding asks for them.",
    fix="Allow only the provider's published blocks on port 25, in the firewall or with "
    "Postfix check_client_access on the port 25 smtpd, and keep the list current.",
    sources=(
        (
            "Postfix: check_client_access",
            "https://www.postfix.org/postconf.5.html#check_client_access",
        ),
    ),
    example=design(
        "Behind a filtering provider",
        providers=[{"name": "filterco", "kind": "inbound_filter", "host": "mx.filter.example.net"}],
    ),
    counter_example=solo(),
)
recorded(
    "port25-blocked-no-relay",
    "error",
    ("transport", "port-25-blocked"),
    "planner/outbound.py",
    title="A host has no way to send mail out",
    explanation="Catches a host with an MTA that can neither deliver directly (that needs an "
    "always-on host on an internet or DMZ network with port 25 open outbound; many "
    "providers block it) nor reach a hub or smarthost to relay through (a submission "
    "port, RFC 6409, usually stays open).",
    fix="Add a smarthost provider (your provider's relay on port 587 with a password), or "
    "ask the network to open port 25 outbound.",
    sources=(
        ("RFC 6409 (submission on port 587)", "https://www.rfc-editor.org/rfc/rfc6409"),
        ("Postfix: relayhost", "https://www.postfix.org/postconf.5.html#relayhost"),
    ),
    example=design("Port 25 blocked", networks=[HOSTING | {"port25_outbound": False}, ROAMING]),
    counter_example=design(
        "Port 25 blocked, smarthost",
        networks=[HOSTING | {"port25_outbound": False}, ROAMING],
        providers=[SMARTHOST | {"spf_include": "_spf.relay.example.net"}],
    ),
)
recorded(
    "provider-spf-unknown",
    "warning",
    ("trust", "spf"),
    DNS,
    title="The SPF record cannot name a provider's servers",
    explanation="Catches a smarthost or mailbox provider that sends mail for a domain while "
    "the design gives no SPF include for it. Providers publish the addresses of their "
    "outbound servers under a name to include (RFC 7208 §5.2); without it the record can "
    "only guess with a: on the provider's host, so it ends in ~all rather than -all.",
    fix="Set the provider's SPF include to the name it documents (such as _spf.provider.example).",
    sources=(("RFC 7208 §5.2 (include)", "https://www.rfc-editor.org/rfc/rfc7208#section-5.2"),),
    example=design("Smarthost without SPF include", providers=[SMARTHOST]),
    counter_example=design(
        "Smarthost with SPF include",
        providers=[SMARTHOST | {"spf_include": "_spf.relay.example.net"}],
    ),
)
recorded(
    "spf-too-many-lookups",
    "error",
    ("trust", "spf"),
    DNS,
    title="An SPF record needs more than ten DNS lookups",
    explanation="Catches an SPF record whose a: and include: terms need more than ten DNS "
    "lookups: RFC 7208 §4.6.4 tells receivers to stop there and treat the record as a "
    "permanent error, so every message then fails SPF.",
    fix="Give sending hosts their public addresses so that they are listed as ip4:/ip6:, "
    "which cost no lookup, or send through fewer providers.",
    sources=(
        (
            "RFC 7208 §4.6.4 (DNS lookup limits)",
            "https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4",
        ),
    ),
    example=None,
    counter_example=design(
        "Smarthost with SPF include",
        providers=[SMARTHOST | {"spf_include": "_spf.relay.example.net"}],
    ),
    unreachable="A guard: hosts are named by address (no lookup) and at most two providers "
    "(the smarthost and a mailbox provider) add an a: or include:, so no valid design "
    "reaches eleven lookups today.",
)
recorded(
    "spf-no-senders",
    "warning",
    ("trust", "spf"),
    DNS,
    title="A domain sends mail, but no host hands it to the internet",
    explanation="Catches a domain that sends mail while no host of the plan delivers to the "
    "internet and no provider sends for it: its SPF record can authorise no one (RFC 7208), "
    "and the mail it means to send never leaves.",
    fix="Fix the outbound path first (the port25-blocked-no-relay finding says how).",
    sources=(SPF,),
    example=design("Port 25 blocked", networks=[HOSTING | {"port25_outbound": False}, ROAMING]),
    counter_example=solo(),
)
recorded(
    "spf-sender-without-public-address",
    "warning",
    ("trust", "spf"),
    DNS,
    title="A sending host has no public address for the SPF record",
    explanation="Catches a host that hands a domain's mail to the internet while the design "
    "gives it no public address. The SPF record names senders as ip4:/ip6: (RFC 7208 "
    "§5.6); an a: term would look up an address that is absent or private and match "
    "nothing, so the host is left out and its mail fails SPF.",
    fix="List the public address the host sends from (the NAT address) in the design, or "
    "let it relay through a host that has one.",
    sources=(
        ("RFC 7208 §5.6 (ip4 and ip6)", "https://www.rfc-editor.org/rfc/rfc7208#section-5.6"),
    ),
    example=design(
        "Sender behind NAT",
        networks=[{"name": "dmz", "zone": "dmz", "cidrs": ["10.1.0.0/24"]}, ROAMING],
        hosts=[server(network="dmz", addresses=["10.1.0.10"])],
    ),
    counter_example=solo(),
)
recorded(
    "dmarc-external-reports",
    "warning",
    ("trust", "dmarc"),
    DNS,
    title="DMARC reports go to a domain that has not agreed to take them",
    explanation="Catches a report address in a domain outside the design. Receivers send "
    "aggregate reports to another domain only when it publishes a consent record, "
    '<domain>._report._dmarc.<report domain> TXT "v=DMARC1" (RFC 7489 §7.1); the plan '
    "cannot publish it in a zone it does not hold.",
    fix="Ask whoever runs the report domain to publish the record the finding names, or "
    "use a report address in one of your own domains.",
    sources=(
        (
            "RFC 7489 §7.1 (verifying external destinations)",
            "https://www.rfc-editor.org/rfc/rfc7489#section-7.1",
        ),
    ),
    example=design("Reports to a service", policy={"reports_to": "reports@dmarc.example.net"}),
    counter_example=solo(),
)
recorded(
    "web-host-unreachable",
    "warning",
    ("trust", "mta-sts"),
    WEB,
    title="The host marked for web service cannot be reached from the internet",
    explanation="Catches a host marked with the web service that the internet cannot reach "
    "(not always on, not on an internet or DMZ network, or without a public address). "
    "Senders fetch MTA-STS policies and mail programs their autoconfig files over HTTPS "
    "from the internet (RFC 8461 §3.3), so the planner looks for another host.",
    fix="Mark an always-on host with a public address on an internet or DMZ network for "
    "web service.",
    sources=(MTA_STS,),
    example=design(
        "Web host inside",
        networks=[HOSTING, OFFICE, ROAMING],
        hosts=[
            server(),
            {
                "name": "www.example.org",
                "network": "office",
                "addresses": ["10.0.0.80"],
                "services": ["web"],
            },
        ],
    ),
    counter_example=design(
        "Web host outside",
        hosts=[
            server(),
            {
                "name": "www.example.org",
                "network": "hosting",
                "addresses": ["192.0.2.80"],
                "accepts_internet_smtp": False,
                "services": ["web"],
            },
        ],
    ),
)
recorded(
    "no-web-host",
    "warning",
    ("trust", "mta-sts"),
    WEB,
    title="No host can serve the MTA-STS policy and autoconfig files",
    explanation="Catches a design that publishes MTA-STS or autoconfig names while no host "
    "can serve them over HTTPS: an always-on host on an internet or DMZ network with a "
    "public address. Senders then cannot fetch the policy (RFC 8461 §3.3) and mail "
    "programs cannot fetch their settings.",
    fix="Give the MX its public address, or mark a reachable host for web service.",
    sources=(MTA_STS,),
    example=design(
        "MX behind NAT only",
        networks=[{"name": "dmz", "zone": "dmz", "cidrs": ["10.1.0.0/24"]}, ROAMING],
        hosts=[server(network="dmz", addresses=["10.1.0.10"])],
    ),
    counter_example=solo(),
)
