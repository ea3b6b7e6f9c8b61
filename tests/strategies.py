"""Hypothesis strategies: generated design documents that are valid by construction.

``design_docs()`` draws a design file (a dict, CONTRACT §1) mixing every kind
of network, host, client and provider the contract allows; ``designs()``
loads it. Property tests across the suite (planner, trace, exporters) use
them, so every generated file is checked by the same means as the examples.
"""

from __future__ import annotations

from hypothesis import strategies as st

from architect.core import design as model

DOMAIN_POOL = (
    "example.org",
    "example.com",
    "example.net",
    "mail-test.example",
    "corp.example.org",
    "bücher.example",
)
# (zone, cidrs, addresses to draw from)
NETWORK_POOL = (
    ("internet", ("192.0.2.0/24",), ("192.0.2.10", "192.0.2.11", "192.0.2.12")),
    ("internet", ("2001:db8:1::/48",), ("2001:db8:1::25", "2001:db8:1::26")),
    ("dmz", ("203.0.113.0/28",), ("203.0.113.2", "203.0.113.3", "203.0.113.4")),
    ("dmz", ("172.16.5.0/24",), ("172.16.5.10", "172.16.5.11")),
    ("internal", ("10.0.0.0/24",), ("10.0.0.20", "10.0.0.21", "10.0.0.22")),
    ("internal", ("10.9.0.0/16", "fd00:9::/64"), ("10.9.1.1", "fd00:9::1")),
    ("internal", (), ()),
    ("remote", (), ()),
    ("internet", ("198.51.100.0/24",), ("198.51.100.7", "198.51.100.8")),
)


@st.composite
def design_docs(draw, max_hosts: int = 6, max_clients: int = 6) -> dict:
    domain_names = draw(st.lists(st.sampled_from(DOMAIN_POOL), min_size=1, max_size=4, unique=True))
    receives = {d: draw(st.booleans()) or i == 0 for i, d in enumerate(domain_names)}

    picks = draw(
        st.lists(st.integers(0, len(NETWORK_POOL) - 1), min_size=1, max_size=4, unique=True)
    )
    networks = []
    for i, pick in enumerate(picks):
        zone, cidrs, _ = NETWORK_POOL[pick]
        networks.append(
            {
                "name": f"net-{i}",
                "zone": zone,
                "cidrs": list(cidrs),
                "port25_outbound": draw(st.booleans()),
            }
        )

    hosts = []
    for i in range(draw(st.integers(0, max_hosts))):
        n = draw(st.integers(0, len(networks) - 1))
        _, _, addresses = NETWORK_POOL[picks[n]]
        host = {
            "name": f"h{i}.{draw(st.sampled_from(domain_names))}",
            "network": networks[n]["name"],
            "addresses": draw(st.lists(st.sampled_from(addresses), max_size=2, unique=True))
            if addresses
            else [],
            "mta": draw(st.sampled_from(("postfix", "postfix", "sendmail", "exim", "none"))),
            "stores_mailboxes": draw(st.booleans()),
            "shell_users": draw(st.booleans()),
            "always_on": draw(st.booleans()) or draw(st.booleans()),
            "services": draw(st.lists(st.sampled_from(model.SERVICES), max_size=3, unique=True)),
        }
        if draw(st.booleans()):
            host["accepts_internet_smtp"] = draw(st.booleans())
        hosts.append(host)

    providers = []
    for i, kind in enumerate(
        draw(st.lists(st.sampled_from(model.PROVIDER_KINDS), max_size=3, unique=True))
    ):
        provider = {"name": f"prov-{i}", "kind": kind, "host": f"mx{i}.provider-{i}.example"}
        if draw(st.booleans()):
            provider["domains"] = draw(
                st.lists(st.sampled_from(domain_names), min_size=1, max_size=2, unique=True)
            )
        if draw(st.booleans()):
            provider["spf_include"] = f"_spf.provider-{i}.example"
        providers.append(provider)

    domains = []
    for i, name in enumerate(domain_names):
        entry: dict = {"name": name, "receives_mail": receives[name]}
        targets = [d for d in domain_names[:i] if receives[d]]
        if receives[name] and targets and draw(st.integers(0, 4)) == 0:
            entry["alias_of"] = draw(st.sampled_from(targets))
        elif receives[name] and draw(st.integers(0, 3)) == 0:
            choices = [h["name"] for h in hosts] + [
                p["name"] for p in providers if p["kind"] == "mailbox_hosting"
            ]
            if choices:
                entry["mailbox_host"] = draw(st.sampled_from(choices))
        domains.append(entry)
    # An alias may not point at a domain that is itself an alias.
    aliased = {d["name"] for d in domains if "alias_of" in d}
    for d in domains:
        if d.get("alias_of") in aliased:
            del d["alias_of"]

    clients = []
    for i in range(draw(st.integers(0, max_clients))):
        kinds = model.NETWORK_CLIENT_KINDS + (model.HOST_CLIENT_KINDS if hosts else ())
        kind = draw(st.sampled_from(kinds))
        client: dict = {"name": f"c{i}", "kind": kind, "count": draw(st.integers(1, 500))}
        if kind in model.NETWORK_CLIENT_KINDS:
            client["network"] = draw(st.sampled_from(networks))["name"]
            reads = ("imap", "pop3", "none")
        else:
            client["host"] = draw(st.sampled_from(hosts))["name"]
            reads = model.READS
        if draw(st.booleans()):
            client["reads"] = draw(st.sampled_from(reads))
        client["can_authenticate"] = draw(st.booleans()) or kind != "device"
        client["can_tls"] = draw(st.booleans()) or draw(st.booleans())
        client["domain"] = draw(st.sampled_from(domain_names))
        clients.append(client)

    policy = {
        "backup_mx": draw(st.booleans()),
        "dmarc": draw(st.sampled_from(model.DMARC_POLICIES)),
        "mta_sts": draw(st.sampled_from(model.MTA_STS_MODES)),
        "dkim": draw(st.booleans()),
    }
    if draw(st.booleans()):
        policy["reports_to"] = f"reports@{draw(st.sampled_from(domain_names))}"
    return {
        "format": "mail-design",
        "version": 1,
        "name": "Generated",
        "domains": domains,
        "networks": networks,
        "hosts": hosts,
        "clients": clients,
        "providers": providers,
        "policy": policy,
    }


def designs(**kwargs):
    """Loaded designs (``Design`` objects) drawn from ``design_docs``."""
    return design_docs(**kwargs).map(model.load)
