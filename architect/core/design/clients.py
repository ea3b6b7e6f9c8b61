"""Reading the clients, providers and policy of a design document, for ``load``."""

from __future__ import annotations

from typing import Any

from .model import (
    CLIENT_KINDS,
    DEFAULT_PROVIDER_PORT,
    DEFAULT_READS,
    DMARC_POLICIES,
    HOST_CLIENT_KINDS,
    LIMITS,
    MTA_STS_MODES,
    NETWORK_CLIENT_KINDS,
    PROVIDER_KINDS,
    READS,
    Client,
    Policy,
    Provider,
)
from .names import dns_name, mail_address, slug
from .reader import Reader

CLIENT_KEYS = (
    "name",
    "kind",
    "count",
    "network",
    "host",
    "reads",
    "can_authenticate",
    "can_tls",
    "domain",
)


def _clients(r, raw, network_zone, host_names, domain_names, first_domain) -> list[Client]:
    out = []
    names = []
    known_domains = {d for d in domain_names if d}
    for i, item in enumerate(r.array(raw, "clients", LIMITS["clients"])):
        path = f"clients[{i}]"
        obj = r.obj(item, path, CLIENT_KEYS, ("name", "kind"))
        if obj is None:
            continue
        name = r.checked(slug, obj["name"], f"{path}.name") if "name" in obj else None
        if name == "internet":
            r.add(
                f"{path}.name",
                '"internet" is reserved: flows use it for the outside world',
            )
            name = None
        kind = (
            r.choice(obj.get("kind"), f"{path}.kind", CLIENT_KINDS, None) if "kind" in obj else None
        )
        count = r.integer(obj.get("count"), f"{path}.count", 1, 1, LIMITS["client_count"])
        network, host = _client_place(r, obj, path, kind, network_zone, host_names)
        reads = r.choice(obj.get("reads"), f"{path}.reads", READS, DEFAULT_READS.get(kind, "none"))
        if reads == "local" and kind in NETWORK_CLIENT_KINDS:
            r.add(
                f"{path}.reads",
                f"a {kind} client cannot read local mail; choose imap or pop3",
            )
        domain = first_domain
        if obj.get("domain") is not None:
            domain = r.checked(dns_name, obj["domain"], f"{path}.domain") or first_domain
            if domain not in known_domains:
                r.add(f"{path}.domain", f'no domain named "{domain}" in this design')
        names.append((name, f"{path}.name"))
        if name and kind:
            out.append(
                Client(
                    name=name,
                    kind=kind,
                    count=count,
                    network=network,
                    host=host,
                    reads=reads,
                    can_authenticate=r.boolean(
                        obj.get("can_authenticate"), f"{path}.can_authenticate", True
                    ),
                    can_tls=r.boolean(obj.get("can_tls"), f"{path}.can_tls", True),
                    domain=domain,
                )
            )
    r.unique(names, "client name")
    return out


def _client_place(r: Reader, obj: dict, path: str, kind, network_zone, host_names):
    """Where a client is: a network (desktops, phones, devices) or a host (programs on it)."""
    network = host = None
    if obj.get("network") is not None:
        network = r.checked(slug, obj["network"], f"{path}.network")
        if network and network not in network_zone:
            r.add(f"{path}.network", f'no network named "{network}"')
            network = None
    if obj.get("host") is not None:
        host = r.checked(dns_name, obj["host"], f"{path}.host")
        if host and host not in host_names:
            r.add(f"{path}.host", f'no host named "{host}"')
            host = None
    if kind in NETWORK_CLIENT_KINDS:
        if obj.get("host") is not None:
            r.add(f"{path}.host", f"a {kind} client sits on a network; give network, not host")
        if obj.get("network") is None:
            r.add(f"{path}.network", f"is required for a {kind} client (where it sits)")
    elif kind in HOST_CLIENT_KINDS:
        if obj.get("network") is not None:
            r.add(f"{path}.network", f"a {kind} client runs on a host; give host, not network")
        if obj.get("host") is None:
            r.add(f"{path}.host", f"is required for a {kind} client (the host it runs on)")
    return network, host


def _providers(r, raw, domain_names) -> list[Provider]:
    out = []
    names = []
    known = tuple(d for d in domain_names if d)
    keys = ("name", "kind", "host", "port", "auth", "domains", "spf_include")
    for i, item in enumerate(r.array(raw, "providers", LIMITS["providers"])):
        path = f"providers[{i}]"
        obj = r.obj(item, path, keys, ("name", "kind", "host"))
        if obj is None:
            continue
        name = r.checked(slug, obj["name"], f"{path}.name") if "name" in obj else None
        if name == "internet":
            r.add(
                f"{path}.name",
                '"internet" is reserved: flows use it for the outside world',
            )
            name = None
        kind = (
            r.choice(obj.get("kind"), f"{path}.kind", PROVIDER_KINDS, None)
            if "kind" in obj
            else None
        )
        host = r.checked(dns_name, obj["host"], f"{path}.host") if "host" in obj else None
        port = r.integer(
            obj.get("port"),
            f"{path}.port",
            DEFAULT_PROVIDER_PORT.get(kind, 25),
            1,
            65535,
        )
        auth = r.boolean(obj.get("auth"), f"{path}.auth", kind == "smarthost")
        domains = []
        if obj.get("domains") is not None:
            for j, d in enumerate(r.array(obj["domains"], f"{path}.domains", LIMITS["domains"])):
                value = r.checked(dns_name, d, f"{path}.domains[{j}]")
                if value is None:
                    continue
                if value not in known:
                    r.add(
                        f"{path}.domains[{j}]",
                        f'no domain named "{value}" in this design',
                    )
                    continue
                domains.append((value, f"{path}.domains[{j}]"))
            r.unique(domains, "domain")
        spf_include = None
        if obj.get("spf_include") is not None:
            spf_include = r.checked(
                lambda v: dns_name(v, service=True),
                obj["spf_include"],
                f"{path}.spf_include",
            )
        names.append((name, f"{path}.name"))
        if name and kind and host:
            served = tuple(d for d, _ in domains) if obj.get("domains") is not None else known
            out.append(Provider(name, kind, host, port, auth, served, spf_include))
    r.unique(names, "provider name")
    return out


def _policy(r: Reader, raw: Any) -> Policy:
    if raw is None:
        return Policy()
    obj = r.obj(raw, "policy", ("backup_mx", "dmarc", "mta_sts", "dkim", "reports_to"), ())
    if obj is None:
        return Policy()
    reports_to = None
    if obj.get("reports_to") is not None:
        reports_to = r.checked(mail_address, obj["reports_to"], "policy.reports_to")
    return Policy(
        backup_mx=r.boolean(obj.get("backup_mx"), "policy.backup_mx", False),
        dmarc=r.choice(obj.get("dmarc"), "policy.dmarc", DMARC_POLICIES, "quarantine"),
        mta_sts=r.choice(obj.get("mta_sts"), "policy.mta_sts", MTA_STS_MODES, "testing"),
        dkim=r.boolean(obj.get("dkim"), "policy.dkim", True),
        reports_to=reports_to,
    )
