"""The design model: what a person describes (CONTRACT §1).

``load`` turns a design document (a dict, or JSON text with ``loads``) into
frozen dataclasses, checking everything at once: every problem is collected
with its JSON path and a plain sentence, and ``DesignError`` carries them all.
``dump`` writes a design back as a dict with every default made explicit, so
``load(dump(d)) == d`` holds.

Names that later reach config lines, zone files, DOT source or pages are held
to strict shapes here (RFC 1123 host names, slugs, addresses parsed by
``ipaddress``), so nothing a person types can break an exported file. IDNs
are converted to A-labels on the way in.
"""

from __future__ import annotations

from .dump import (
    dump,
    dump_minimal,
    dumps,
    vars_of,
)
from .load import (
    load,
    loads,
    max_document_bytes,
)
from .model import (
    CLIENT_KINDS,
    DEFAULT_PROVIDER_PORT,
    DEFAULT_READS,
    DMARC_POLICIES,
    FORMAT,
    HOST_CLIENT_KINDS,
    LIMITS,
    MTA_STS_MODES,
    MTAS,
    NETWORK_CLIENT_KINDS,
    PROVIDER_KINDS,
    PUBLIC_ZONES,
    READS,
    SERVICES,
    VERSION,
    ZONES,
    Client,
    Design,
    DesignError,
    Domain,
    Host,
    Network,
    Policy,
    Problem,
    Provider,
)
from .names import (
    cidr,
    dns_name,
    ip_address,
    local_part,
    mail_address,
    network,
    slug,
    unreachable,
)

# The package is one module to its users: everything public is read from here.
__all__ = [
    "CLIENT_KINDS",
    "Client",
    "DEFAULT_PROVIDER_PORT",
    "DEFAULT_READS",
    "DMARC_POLICIES",
    "Design",
    "DesignError",
    "Domain",
    "FORMAT",
    "HOST_CLIENT_KINDS",
    "Host",
    "LIMITS",
    "MTAS",
    "MTA_STS_MODES",
    "NETWORK_CLIENT_KINDS",
    "Network",
    "PROVIDER_KINDS",
    "PUBLIC_ZONES",
    "Policy",
    "Problem",
    "Provider",
    "READS",
    "SERVICES",
    "VERSION",
    "ZONES",
    "cidr",
    "dns_name",
    "dump",
    "dump_minimal",
    "dumps",
    "ip_address",
    "load",
    "loads",
    "local_part",
    "mail_address",
    "max_document_bytes",
    "network",
    "slug",
    "unreachable",
    "vars_of",
]
