"""Reading the networks, domains and hosts of a design document, for ``load``."""

from __future__ import annotations

from typing import Any

from .. import dkim
from .model import (
    LIMITS,
    MTAS,
    PUBLIC_ZONES,
    SERVICES,
    ZONES,
    Domain,
    Host,
    Network,
)
from .names import cidr, dns_name, ip_address, local_part, slug
from .reader import Reader


def _networks(r: Reader, raw: Any) -> list[Network]:
    out = []
    names = []
    for i, item in enumerate(r.array(raw, "networks", LIMITS["networks"])):
        path = f"networks[{i}]"
        obj = r.obj(item, path, ("name", "zone", "cidrs", "port25_outbound"), ("name", "zone"))
        if obj is None:
            continue
        name = r.checked(slug, obj.get("name"), f"{path}.name") if "name" in obj else None
        zone = r.choice(obj.get("zone"), f"{path}.zone", ZONES, None) if "zone" in obj else None
        cidrs = []
        raw_cidrs = r.array(obj.get("cidrs"), f"{path}.cidrs", LIMITS["cidrs_per_network"])
        for j, c in enumerate(raw_cidrs):
            value = r.checked(cidr, c, f"{path}.cidrs[{j}]")
            if value is not None:
                cidrs.append((value, f"{path}.cidrs[{j}]"))
        r.unique(cidrs, "CIDR block")
        port25 = r.boolean(obj.get("port25_outbound"), f"{path}.port25_outbound", True)
        names.append((name, f"{path}.name"))
        if name and zone:
            out.append(Network(name, zone, tuple(c for c, _ in cidrs), port25))
    r.unique(names, "network name")
    return out


def _domain_name(r: Reader, item: Any, path: str) -> str | None:
    if isinstance(item, dict) and "name" in item:
        return r.checked(dns_name, item["name"], f"{path}.name")
    return None


DOMAIN_KEYS = (
    "name",
    "receives_mail",
    "mailbox_host",
    "alias_of",
    "users",
    "dkim_selector",
    "dkim_public_key",
)


def _domains(r, raw, names, host_names, provider_names) -> list[Domain]:
    r.unique([(n, f"domains[{i}].name") for i, n in enumerate(names)], "domain name")
    known = {n for n in names if n}
    alias_targets = {}
    for i, item in enumerate(raw):
        if isinstance(item, dict) and isinstance(item.get("alias_of"), str):
            alias_targets[names[i]] = item["alias_of"]
    out = []
    for i, item in enumerate(raw):
        path = f"domains[{i}]"
        obj = r.obj(item, path, DOMAIN_KEYS, ("name",))
        if obj is None:
            continue
        receives = r.boolean(obj.get("receives_mail"), f"{path}.receives_mail", True)
        mailbox_host = _mailbox_host(r, obj.get("mailbox_host"), path, host_names, provider_names)
        alias_of = None
        if obj.get("alias_of") is not None:
            alias_of = _alias_of(r, obj["alias_of"], path, names[i], known, alias_targets, receives)
            if mailbox_host and alias_of:
                r.add(f"{path}.mailbox_host", "an alias domain has no mailboxes of its own")
        if not receives and mailbox_host:
            r.add(f"{path}.mailbox_host", "a domain that receives no mail has no mailbox host")
        users = _users(r, obj.get("users"), path)
        if users and alias_of:
            r.add(f"{path}.users", "an alias domain has the users of the domain it aliases")
        elif users and not receives:
            r.add(f"{path}.users", "a domain that receives no mail has no mailbox users")
        selector, key = _dkim(r, obj, path)
        if names[i]:
            out.append(Domain(names[i], receives, mailbox_host, alias_of, users, selector, key))
    total = sum(len(d.users) for d in out)
    if total > LIMITS["users"]:
        r.add(
            "domains",
            f"lists {total} users in all; at most {LIMITS['users']} are allowed",
        )
    return out


def _mailbox_host(r: Reader, value: Any, path: str, host_names, provider_names) -> str | None:
    """A host name (with a dot) or a provider slug (without) that exists in the design."""
    if value is None:
        return None
    if isinstance(value, str) and "." not in value:
        found = r.checked(slug, value, f"{path}.mailbox_host")
        known = provider_names
    else:
        found = r.checked(dns_name, value, f"{path}.mailbox_host")
        known = host_names
    if found and found not in known:
        r.add(f"{path}.mailbox_host", f'no host or provider named "{found}"')
        return None
    return found


def _alias_of(r: Reader, value: Any, path: str, name, known, alias_targets, receives):
    alias_of = r.checked(dns_name, value, f"{path}.alias_of")
    if not alias_of:
        return alias_of
    if alias_of not in known:
        r.add(f"{path}.alias_of", f'no domain named "{alias_of}" in this design')
    elif alias_of == name:
        r.add(f"{path}.alias_of", "a domain cannot be an alias of itself")
    elif alias_of in alias_targets:
        r.add(
            f"{path}.alias_of",
            f'"{alias_of}" is itself an alias; point at the domain it aliases',
        )
    elif not receives:
        r.add(f"{path}.alias_of", "an alias domain receives mail; drop receives_mail")
    return alias_of


def _dkim(r: Reader, obj: dict, path: str) -> tuple[str | None, str | None]:
    """The domain's DKIM selector and public key: both or neither, each checked."""
    selector, key = obj.get("dkim_selector"), obj.get("dkim_public_key")
    if selector is None and key is None:
        return None, None
    if selector is None or key is None:
        missing = "dkim_selector" if selector is None else "dkim_public_key"
        r.add(f"{path}.{missing}", "a DKIM key needs both a selector and a public key")
        return None, None
    why = dkim.check_selector(selector)
    if why:
        r.add(f"{path}.dkim_selector", why)
        return None, None
    if not isinstance(key, str):
        r.add(f"{path}.dkim_public_key", "must be a string (the base64 public key)")
        return None, None
    try:
        parsed = dkim.parse_public_key(key)
        dkim.record(parsed)
    except ValueError as exc:
        r.add(f"{path}.dkim_public_key", f"the key {exc}")
        return None, None
    return selector, parsed.base64


def _users(r: Reader, raw: Any, path: str) -> tuple[str, ...]:
    """A domain's ``users``: valid, lower-cased, unique local parts."""
    checked = []
    for j, item in enumerate(r.array(raw, f"{path}.users", LIMITS["users_per_domain"])):
        value = r.checked(local_part, item, f"{path}.users[{j}]")
        checked.append((value, f"{path}.users[{j}]"))
    r.unique(checked, "user")
    return tuple(dict.fromkeys(v for v, _ in checked if v is not None))


def _hosts(r: Reader, raw: Any, network_zone: dict[str, str]) -> list[Host]:
    out = []
    names = []
    keys = (
        "name",
        "network",
        "addresses",
        "mta",
        "accepts_internet_smtp",
        "stores_mailboxes",
        "shell_users",
        "always_on",
        "services",
    )
    for i, item in enumerate(r.array(raw, "hosts", LIMITS["hosts"])):
        path = f"hosts[{i}]"
        obj = r.obj(item, path, keys, ("name", "network"))
        if obj is None:
            continue
        name = r.checked(dns_name, obj["name"], f"{path}.name") if "name" in obj else None
        network = None
        if "network" in obj:
            network = r.checked(slug, obj["network"], f"{path}.network")
            if network and network not in network_zone:
                r.add(f"{path}.network", f'no network named "{network}"')
                network = None
        addresses = []
        raw_addrs = r.array(obj.get("addresses"), f"{path}.addresses", LIMITS["addresses_per_host"])
        for j, a in enumerate(raw_addrs):
            value = r.checked(ip_address, a, f"{path}.addresses[{j}]")
            if value is not None:
                addresses.append((value, f"{path}.addresses[{j}]"))
        r.unique(addresses, "address")
        mta = r.choice(obj.get("mta"), f"{path}.mta", MTAS, "postfix")
        public = network_zone.get(network or "") in PUBLIC_ZONES
        accepts = r.boolean(
            obj.get("accepts_internet_smtp"), f"{path}.accepts_internet_smtp", public
        )
        services = []
        for j, s in enumerate(r.array(obj.get("services"), f"{path}.services", len(SERVICES) * 2)):
            value = r.choice(s, f"{path}.services[{j}]", SERVICES, None)
            if value is not None:
                services.append((value, f"{path}.services[{j}]"))
        r.unique(services, "service")
        names.append((name, f"{path}.name"))
        if name and network:
            out.append(
                Host(
                    name=name,
                    network=network,
                    addresses=tuple(a for a, _ in addresses),
                    mta=mta,
                    accepts_internet_smtp=accepts,
                    stores_mailboxes=r.boolean(
                        obj.get("stores_mailboxes"), f"{path}.stores_mailboxes", False
                    ),
                    shell_users=r.boolean(obj.get("shell_users"), f"{path}.shell_users", False),
                    always_on=r.boolean(obj.get("always_on"), f"{path}.always_on", True),
                    services=tuple(sorted({s for s, _ in services})),
                )
            )
    r.unique(names, "host name")
    return out
