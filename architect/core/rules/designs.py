"""The small designs that rules use as examples, built from one stand-alone server.

Every rule carries the smallest design that triggers it and one that does not. Most are the
same one-server design (the ``solo-server`` example, cut down) with one thing changed, so a
reader sees at once what the rule is about: the builders below make that change readable.
Each result is a plain design document (CONTRACT §1); the rule tests load every one with
``core.design.load``.
"""

from __future__ import annotations

import copy
from typing import Any

DOMAIN = "example.org"
MAIL = "mail.example.org"
HOSTING = {"name": "hosting", "zone": "internet", "cidrs": ["192.0.2.0/24"]}
ROAMING = {"name": "roaming", "zone": "remote"}
OFFICE = {"name": "office", "zone": "internal", "cidrs": ["10.0.0.0/24"]}
DMZ = {"name": "dmz", "zone": "dmz", "cidrs": ["198.51.100.0/24"]}
LAPTOPS = {"name": "laptops", "kind": "desktop", "count": 5, "network": "roaming"}
SERVER = {
    "name": MAIL,
    "network": "hosting",
    "addresses": ["192.0.2.10"],
    "stores_mailboxes": True,
    "services": ["imap", "submission"],
}
POLICY = {"dmarc": "quarantine", "mta_sts": "testing", "reports_to": f"postmaster@{DOMAIN}"}


def design(
    name: str,
    *,
    hosts: list[dict] | None = None,
    networks: list[dict] | None = None,
    clients: list[dict] | None = None,
    domains: list[dict] | None = None,
    providers: list[dict] | None = None,
    policy: dict | None = None,
) -> dict[str, Any]:
    """A design document; every part left out is the stand-alone server's."""
    return copy.deepcopy(
        {
            "format": "mail-design",
            "version": 1,
            "name": name,
            "domains": domains if domains is not None else [{"name": DOMAIN}],
            "networks": networks if networks is not None else [HOSTING, ROAMING],
            "hosts": hosts if hosts is not None else [SERVER],
            "clients": clients if clients is not None else [LAPTOPS],
            "providers": providers or [],
            "policy": {**POLICY, **(policy or {})},
        }
    )


def server(**changes: Any) -> dict[str, Any]:
    """The stand-alone server's host entry with some fields changed."""
    return {**SERVER, **changes}


def solo(name: str = "One server", **changes: Any) -> dict[str, Any]:
    """The stand-alone server design, its one host changed by ``changes``."""
    return design(name, hosts=[server(**changes)])


def with_policy(name: str, **policy: Any) -> dict[str, Any]:
    """The stand-alone server design under another policy."""
    return design(name, policy=policy)


def gateway(name: str = "DMZ gateway", **store: Any) -> dict[str, Any]:
    """A gateway in the DMZ in front of a mailbox store on the office network."""
    return design(
        name,
        networks=[DMZ, OFFICE, ROAMING],
        hosts=[
            {"name": "mx.example.org", "network": "dmz", "addresses": ["198.51.100.10"]},
            {
                "name": "store.example.org",
                "network": "office",
                "addresses": ["10.0.0.10"],
                "stores_mailboxes": True,
                "services": ["imap", "submission"],
                **store,
            },
        ],
        clients=[{"name": "desktops", "kind": "desktop", "count": 5, "network": "office"}],
    )


def two_mx(name: str = "Primary and backup MX", **backup: Any) -> dict[str, Any]:
    """The stand-alone server and a backup MX on a second internet network."""
    second = {"name": "second", "zone": "internet", "cidrs": ["203.0.113.0/24"]}
    return design(
        name,
        networks=[HOSTING, second, ROAMING],
        hosts=[
            SERVER,
            {"name": "backup.example.org", "network": "second", "addresses": ["203.0.113.20"]}
            | backup,
        ],
        policy={"backup_mx": True},
    )
