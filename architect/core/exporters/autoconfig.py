"""Client autoconfiguration: ``autoconfig/<domain>/config-v1.1.xml`` (Thunderbird format).

Mail programs that know the format (Thunderbird, K-9/Thunderbird for
Android, Evolution, KMail and others) fetch
``https://autoconfig.<domain>/mail/config-v1.1.xml`` when a person types
their address, and fill in the servers themselves. The file names the
domain's mailbox host for reading (IMAP 993 and POP3 995, implicit TLS) and
its submission host for sending (465 implicit TLS, then 587 STARTTLS: RFC
8314 prefers implicit TLS), all taken from the plan.

Format: https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat
(being standardised as draft-ietf-mailmaint-autoconfig). Built with
ElementTree, never by pasting strings, so no name can break the XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from ..design import PUBLIC_ZONES, Design
from ..plan import Plan
from . import Exporter, register

# role -> (server type, port, socketType): the ports of RFC 8314 implicit TLS.
READING = (("imap", "imap", 993, "SSL"), ("pop3", "pop3", 995, "SSL"))
# listener purpose -> (port, socketType), in the order clients should try them.
SUBMISSION = (("submissions", 465, "SSL"), ("submission", 587, "STARTTLS"))


@dataclass(frozen=True)
class Server:
    """One server entry of the file: ``incomingServer`` or ``outgoingServer``."""

    element: str
    type: str
    hostname: str
    port: int
    socket_type: str


@dataclass(frozen=True)
class ClientConfig:
    """What one domain's autoconfig file says, before it becomes XML."""

    domain: str
    incoming: tuple[Server, ...]
    outgoing: tuple[Server, ...]
    username: str
    notes: tuple[str, ...] = ()


@register
class AutoconfigFiles(Exporter):
    """``autoconfig/<domain>/config-v1.1.xml`` for each domain whose mailboxes we can name."""

    name = "autoconfig"

    def files(self, design: Design, plan: Plan) -> Iterable[tuple[str, str]]:
        for domain in plan.domains:
            config = client_config(plan, domain.name)
            if config is not None:
                yield f"autoconfig/{domain.name}/config-v1.1.xml", to_xml(config)


def _submission_host(plan: Plan):
    """The submission host clients are told about: a public one when there is one."""
    # Asked once per domain: remembered in the plan's own index, so a thousand domains
    # do not each scan every host.
    if "autoconfig-submission" not in plan._index:
        plan._index["autoconfig-submission"] = _find_submission_host(plan)
    return plan._index["autoconfig-submission"]


def _find_submission_host(plan: Plan):
    hosts = [h for h in plan.hosts if "submission" in h.roles]
    hosts.sort(key=lambda h: (h.zone not in PUBLIC_ZONES, h.name))
    return hosts[0] if hosts else None


def _pop3_wanted(plan: Plan, domains: set[str]) -> bool:
    return any(c.read_protocol == "pop3" and c.domain in domains for c in plan.clients)


def client_config(plan: Plan, domain: str) -> ClientConfig | None:
    """The autoconfig content for ``domain``, or None when no usable servers can be named.

    A client needs a server to read from and one to send through; a file
    with only one of them is refused by Thunderbird, so such a domain gets
    no file. Alias domains have no mailboxes of their own: their people log
    in with the address of the target domain, which the username says.
    """
    facts = plan.domain(domain)
    if facts is None or facts.mailbox_host is None or not facts.receives_mail:
        return None
    username = "%EMAILADDRESS%"
    if facts.alias_of:
        # Thunderbird fills %EMAILLOCALPART% with the part before the @.
        username = f"%EMAILLOCALPART%@{facts.alias_of}"
    notes: list[str] = []
    incoming: list[Server] = []
    outgoing: list[Server] = []

    if facts.mailbox_at_provider:
        provider = plan.provider(facts.mailbox_host)
        if provider is None:
            return None
        incoming.append(Server("incomingServer", "imap", provider.host, 993, "SSL"))
        if _pop3_wanted(plan, {domain, facts.alias_of or domain}):
            incoming.append(Server("incomingServer", "pop3", provider.host, 995, "SSL"))
        outgoing.append(Server("outgoingServer", "smtp", provider.host, 587, "STARTTLS"))
        notes.append(
            f"The mailboxes of {domain} are hosted by {provider.name}. The design names only "
            f"its host {provider.host}: if {provider.name} documents other names for IMAP, "
            "POP3 or submission, use those."
        )
    else:
        if not plan.has_host(facts.mailbox_host):
            return None
        store = plan.host(facts.mailbox_host)
        for role, kind, port, socket_type in READING:
            if role in store.roles:
                incoming.append(Server("incomingServer", kind, store.name, port, socket_type))
        submission = _submission_host(plan)
        if submission is not None:
            listening = {listener.purpose for listener in submission.listens}
            offered = [s for s in SUBMISSION if s[0] in listening] or list(SUBMISSION)
            for _, port, socket_type in offered:
                outgoing.append(
                    Server("outgoingServer", "smtp", submission.name, port, socket_type)
                )
        named = {s.hostname for s in incoming + outgoing}
        for host in (store, submission):
            if host is not None and host.name in named and host.zone not in PUBLIC_ZONES:
                notes.append(
                    f'{host.name} sits on the {host.zone} network "{host.network}": mail '
                    "programs reach it only from inside your networks (or over a VPN)."
                )
    if not incoming or not outgoing:
        return None
    return ClientConfig(domain, tuple(incoming), tuple(outgoing), username, tuple(sorted(notes)))


def _comment(text: str) -> ET.Comment:
    # "--" may not appear inside an XML comment.
    return ET.Comment(" " + " ".join(text.replace("--", "- -").split()) + " ")


def to_xml(config: ClientConfig) -> str:
    """The config as a ``config-v1.1.xml`` document."""
    root = ET.Element("clientConfig", version="1.1")
    root.append(
        _comment(
            f"Mail client settings for {config.domain}, generated by Mail Architect. "
            f"Serve this file at https://autoconfig.{config.domain}/mail/config-v1.1.xml"
        )
    )
    for note in config.notes:
        root.append(_comment(note))
    provider = ET.SubElement(root, "emailProvider", id=config.domain)
    ET.SubElement(provider, "domain").text = config.domain
    ET.SubElement(provider, "displayName").text = f"Mail for {config.domain}"
    ET.SubElement(provider, "displayShortName").text = config.domain
    for server in config.incoming + config.outgoing:
        element = ET.SubElement(provider, server.element, type=server.type)
        ET.SubElement(element, "hostname").text = server.hostname
        ET.SubElement(element, "port").text = str(server.port)
        ET.SubElement(element, "socketType").text = server.socket_type
        ET.SubElement(element, "username").text = config.username
        ET.SubElement(element, "authentication").text = "password-cleartext"
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True).decode("utf-8") + "\n"
