"""Postfix configuration: main.cf, master.cf and lookup tables per Postfix host.

Everything here is read from the host's plan; nothing is decided again. The
plan says which domains a host delivers (``final_domains``), passes on
(``relay_domains``, ``transport``) or rewrites (``alias_domains``), whom it
trusts, where its mail leaves and how it delivers. This module only
translates that into Postfix's words, in the "Translation" style of
Postfix's STANDARD_CONFIGURATION_README: every setting is preceded by a
comment saying what it does in this design and why.

Rules kept here, from the domain reference (topologies.md):
- the settings whose defaults moved between versions are always written out:
  ``compatibility_level``, ``mynetworks``, ``relay_domains`` and
  ``smtpd_relay_restrictions`` (§0.3, P13);
- every domain sits in exactly one address class (P3/P4): alias domains in
  ``virtual_alias_domains``, domains filed by Dovecot in
  ``virtual_mailbox_domains``, domains delivered by local(8) in
  ``mydestination``, domains passed on in ``relay_domains``;
- ``relay_domains`` does not match subdomains (P18) and hosts that pass mail
  on check recipients against ``relay_recipient_maps`` (P1);
- port 25 offers TLS and never AUTH; submission requires both (§2.3, P22);
- only ``hash:`` maps (P20) and only parameters Postfix 3.7 knows (P21)."""

from __future__ import annotations

from collections.abc import Iterable

from ...design import Design
from ...plan import HostPlan, Plan, relayhost_name
from .. import Exporter, register
from ..hostfacts import (
    CA_FILE,
    LETSENCRYPT_LIVE,
    POSTMASTER,
    SYSTEM_ALIASES,
    accepted_addresses,
    address_classes,
    has_users,
    is_null_client,
    last_mta_domains,
    literal_hop,
    mailbox_users,
    placeholder_users,
    postfix_network,
    relayhost_port,
    sender_domains,
    tls_chain_files,
    untrusted_by_hub,
)
from ..text import (
    comment_lines,
    one_line,
    reasons,
)
from .common import (
    COMPATIBILITY_LEVEL,
    DEBIAN_PACKAGES_SASL_CLIENT,
    LMTP_SOCKET,
    MAILBOX_SIZE_LIMIT,
    MAP_DIR,
    PARENT_DOMAIN_MATCHES,
    RELAY_RESTRICTIONS,
    SENDER_LOGINS,
    TLS_PROTOCOLS,
)
from .main import (
    main_cf,
)
from .master import (
    master_cf,
)
from .tables import (
    tables,
)


def postfix_files(design: Design, plan: Plan, host: HostPlan) -> dict[str, str]:
    """Every file of one Postfix host, by file name."""
    return {
        "main.cf": main_cf(design, plan, host),
        "master.cf": master_cf(design, plan, host),
        **tables(design, plan, host),
    }


@register
class PostfixExporter(Exporter):
    """postfix/<host>/main.cf, master.cf and tables for each host running Postfix."""

    name = "postfix"

    def files(self, design: Design, plan: Plan) -> Iterable[tuple[str, str]]:
        for host in plan.hosts:
            if host.mta != "postfix":
                continue
            for name, text in postfix_files(design, plan, host).items():
                yield f"postfix/{host.name}/{name}", text


# Other exports and the tests read these names from here; the text helpers and host facts
# live in exporters/text.py and exporters/hostfacts.py since every MTA export shares them.
__all__ = [
    "relayhost_name",
    "CA_FILE",
    "COMPATIBILITY_LEVEL",
    "DEBIAN_PACKAGES_SASL_CLIENT",
    "LETSENCRYPT_LIVE",
    "LMTP_SOCKET",
    "MAILBOX_SIZE_LIMIT",
    "MAP_DIR",
    "PARENT_DOMAIN_MATCHES",
    "POSTMASTER",
    "PostfixExporter",
    "RELAY_RESTRICTIONS",
    "SENDER_LOGINS",
    "SYSTEM_ALIASES",
    "TLS_PROTOCOLS",
    "accepted_addresses",
    "address_classes",
    "comment_lines",
    "has_users",
    "is_null_client",
    "last_mta_domains",
    "literal_hop",
    "mailbox_users",
    "main_cf",
    "master_cf",
    "one_line",
    "placeholder_users",
    "postfix_files",
    "postfix_network",
    "reasons",
    "relayhost_port",
    "sender_domains",
    "tables",
    "tls_chain_files",
    "untrusted_by_hub",
]
