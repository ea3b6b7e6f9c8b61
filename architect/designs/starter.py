"""A sensible first design from three answers: the domain, where the server lives, who mails.

The guided start (views/create.py) asks these so that a newcomer sees a plan within a minute;
everything it makes is an ordinary design that the designer then edits. Pure Python.
"""

from __future__ import annotations

from typing import Any

from architect.core import design as core_design

OFFICE_LAN = "192.168.1.0/24"
PROVIDER = "mailbox-provider"
PROVIDER_HOST = "mx.mailbox-provider.example"
RELAY = "provider-relay"
RELAY_HOST = "smtp.mailbox-provider.example"


def blank(name: str = "New design") -> dict[str, Any]:
    """The smallest valid design: one domain and one network, nothing else."""
    return {
        "format": core_design.FORMAT,
        "version": core_design.VERSION,
        "name": name,
        "domains": [{"name": "example.org"}],
        "networks": [{"name": "internet", "zone": "internet"}],
    }


def first_design(domain: str, where: str, address: str, who: list[str]) -> dict[str, Any]:
    """The document of a first design; ``core.design.load`` still has the last word on it.

    The domain and the address go in as typed so that a mistake in either is reported at
    ``domains[0].name`` or ``hosts[0].addresses[0]``, beside the field of the start form.
    """
    label = domain.strip().rstrip(".").lower() or "example.org"
    networks: list[dict[str, Any]] = []
    hosts: list[dict[str, Any]] = []
    clients: list[dict[str, Any]] = []
    providers: list[dict[str, Any]] = []
    domain_entry: dict[str, Any] = {"name": domain}
    addresses = [address] if address else []
    server = f"mail.{label}"

    if where == "office":
        networks.append({"name": "server-room", "zone": "dmz"})
        hosts.append(
            {
                "name": server,
                "network": "server-room",
                "addresses": addresses,
                "stores_mailboxes": True,
                "services": ["imap", "submission"],
            }
        )
        servers = "server-room"
    elif where == "provider":
        providers.append(
            {"name": PROVIDER, "kind": "mailbox_hosting", "host": PROVIDER_HOST},
        )
        providers.append({"name": RELAY, "kind": "smarthost", "host": RELAY_HOST})
        domain_entry["mailbox_host"] = PROVIDER
        servers = "cloud"
        if "programs" in who:
            networks.append({"name": "cloud", "zone": "internet"})
    else:
        networks.append({"name": "hosting", "zone": "internet"})
        hosts.append(
            {
                "name": server,
                "network": "hosting",
                "addresses": addresses,
                "stores_mailboxes": True,
                "services": ["imap", "submission"],
            }
        )
        servers = "hosting"

    if "office" in who or "devices" in who:
        networks.append({"name": "office-lan", "zone": "internal", "cidrs": [OFFICE_LAN]})
    if "roaming" in who or not networks:
        networks.append({"name": "roaming", "zone": "remote"})

    if "roaming" in who:
        clients.append({"name": "laptops", "kind": "desktop", "count": 5, "network": "roaming"})
        clients.append({"name": "phones", "kind": "mobile", "count": 5, "network": "roaming"})
    if "office" in who:
        clients.append(
            {"name": "office-desktops", "kind": "desktop", "count": 10, "network": "office-lan"}
        )
    if "devices" in who:
        clients.append(
            {
                "name": "printers",
                "kind": "device",
                "count": 2,
                "network": "office-lan",
                "can_authenticate": False,
            }
        )
    if "programs" in who:
        app = f"app.{label}"
        hosts.append({"name": app, "network": servers, "accepts_internet_smtp": False})
        clients.append({"name": "programs", "kind": "application", "host": app})

    where_words = {
        "hosting": "a server at a hosting provider",
        "office": "a server in the office, behind a firewall",
        "provider": "mailboxes at a mailbox provider",
    }.get(where, "")
    return {
        "format": core_design.FORMAT,
        "version": core_design.VERSION,
        "name": f"Mail for {label}"[: core_design.LIMITS["name_chars"]],
        "description": f"A first design: {where_words}.",
        "domains": [domain_entry],
        "networks": networks,
        "hosts": hosts,
        "clients": clients,
        "providers": providers,
        "policy": {"reports_to": f"postmaster@{label}"},
    }
