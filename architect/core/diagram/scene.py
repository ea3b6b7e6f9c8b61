"""The scene: nodes, edges and lanes in plain Python, before any Graphviz."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..plan import ClientPlan, HostPlan, Plan
from ..trace import Trace
from .style import PROTOCOL_NAME, ROLE_BADGE, ROLE_ORDER, ROLE_STAGE, SLOT


@dataclass
class _Mark:
    severity: str
    code: str
    message: str


@dataclass
class _Node:
    id: str
    # internet | dns | provider | host | hosts | mailbox | client | clients | group | stray
    kind: str
    lane: str | None
    network: str | None
    slot: int
    title: str
    badges: list[tuple[str, str]] = field(default_factory=list)  # (text, stage)
    details: list[str] = field(default_factory=list)
    tooltip: list[str] = field(default_factory=list)
    marks: list[_Mark] = field(default_factory=list)
    url: str | None = None
    idle: bool = False  # a host with no mail role: drawn faded
    traced: bool = False
    notes: list[str] = field(default_factory=list)  # what a traced message does here
    beside: str | None = None  # id of the host this node is drawn next to


@dataclass
class _Edge:
    source: str
    target: str
    stage: str
    protocol: str
    port: int | None
    auth: bool
    tls: str
    why: list[str] = field(default_factory=list)
    count: int = 0
    steps: list[int] = field(default_factory=list)  # trace hop numbers drawn on it
    extra: bool = False  # a trace hop that is not a flow
    action: str | None = None


@dataclass
class _Scene:
    plan: Plan
    summary: str | None = None  # None: one node per host; "network" or "zone": summarised
    nodes: dict[str, _Node] = field(default_factory=dict)
    by_name: dict[str, str] = field(default_factory=dict)  # plan name -> node id
    stores: dict[str, str] = field(default_factory=dict)  # host name -> its mailboxes node id
    edges: dict[tuple, _Edge] = field(default_factory=dict)
    networks: dict[str, str] = field(default_factory=dict)  # network -> lane
    network_marks: dict[str, list[_Mark]] = field(default_factory=dict)
    trace: Trace | None = None

    def add(self, kind: str, lane: str | None, network: str | None, slot: int, title: str, **kw):
        node = _Node(f"n{len(self.nodes) + 1}", kind, lane, network, slot, title, **kw)
        self.nodes[node.id] = node
        if lane and network:
            self.networks.setdefault(network, lane)
        return node

    def name(self, name: str, node: _Node) -> None:
        self.by_name[name] = node.id

    def end(self, name: str) -> _Node:
        """The node for a flow or hop end; a plan that names nothing gets a visible stray."""
        if name in self.by_name:
            return self.nodes[self.by_name[name]]
        node = self.add("stray", None, None, SLOT["client"], f"? {name}")
        node.tooltip.append(f"{name}: not a host, client or provider of this plan")
        self.name(name, node)
        return node

    def edge(self, flow_like, source: _Node, target: _Node, why: str) -> _Edge:
        key = (
            flow_like.stage,
            source.id,
            target.id,
            flow_like.protocol,
            flow_like.port,
            flow_like.auth,
            flow_like.tls,
        )
        item = self.edges.get(key)
        if item is None:
            item = _Edge(
                source.id,
                target.id,
                flow_like.stage,
                flow_like.protocol,
                flow_like.port,
                flow_like.auth,
                flow_like.tls,
            )
            self.edges[key] = item
        item.count += 1
        if why and why not in item.why and len(item.why) < 6:
            item.why.append(why)
        return item


# -- facts read from the plan ------------------------------------------------


def _mx_preferences(plan: Plan) -> dict[str, list[int]]:
    """MX preferences per MX target (host FQDN or provider host)."""
    prefs: dict[str, set[int]] = defaultdict(set)
    for _domain, records in plan.mx:
        for m in records:
            if m.host != ".":
                prefs[m.host].add(m.preference)
    return {host: sorted(p) for host, p in prefs.items()}


def _host_badges(h: HostPlan, prefs: list[int]) -> list[tuple[str, str]]:
    badges = []
    for role in sorted(h.roles, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99):
        if role == "mx":
            text = f"MX {prefs[0]}" if prefs else "MX"
        elif role == "backup-mx":
            text = f"backup MX {prefs[-1]}" if prefs else "backup MX"
        else:
            text = ROLE_BADGE.get(role, role)
        badges.append((text, ROLE_STAGE.get(role, "transport")))
    return badges


def _mta_line(h: HostPlan) -> str:
    mta = {
        "postfix": "Postfix",
        "sendmail": "sendmail",
        "exim": "Exim",
        "opensmtpd": "OpenSMTPD",
        "none": "no MTA",
    }.get(h.mta, h.mta)
    addresses = list(h.addresses[:2]) + (["…"] if len(h.addresses) > 2 else [])
    return " · ".join([mta, *addresses])


def _client_place(plan: Plan, c: ClientPlan) -> tuple[str, str | None]:
    """Where a client sits: ("host", fqdn), (zone, network or None), or ("clients", None).

    The plan names the host a program runs on through its injection (the
    sendmail command) or its reading (local mailbox files). ``zone`` and
    ``network`` are read when the plan carries them; a device that hands
    mail over on port 25 without a password is internal, because the planner
    allows that only from a trusted internal network. Any other client's
    network is not in the plan, so it goes to the neutral "mail programs" lane
    rather than a guessed one.
    """
    host = getattr(c, "host", None)
    if not host and c.send_protocol == "sendmail-command":
        host = c.send_via
    if not host and c.read_protocol == "local":
        host = c.read_via
    if host and plan.has_host(host):
        return "host", host
    zone = getattr(c, "zone", None)
    if zone in ("internet", "dmz", "internal", "remote"):
        return zone, getattr(c, "network", None)
    if c.send_protocol == "smtp" and not c.send_auth:
        return "internal", getattr(c, "network", None)
    return "clients", None


def _client_slot(zone: str) -> int:
    return {
        "remote": SLOT["remote-client"],
        "internet": SLOT["internet-beside"],
        "dmz": SLOT["dmz-beside"],
        "internal": SLOT["internal-client"],
    }.get(zone, SLOT["client"])


def _host_slot(zone: str) -> int:
    return SLOT.get(f"{zone}-host", SLOT["internal-host"])


def _lane_of_zone(zone: str) -> str:
    return zone if zone in ("internet", "remote", "dmz", "internal") else "clients"


def _flow_label(protocol: str, port: int | None, auth: bool, tls: str) -> str:
    """``submission 587 STARTTLS+AUTH``, ``SMTP 25 (STARTTLS)``, ``LMTP 24``, ``IMAP 993 TLS``."""
    text = PROTOCOL_NAME.get(protocol, protocol)
    if port:
        text += f" {port}"
    security = []
    if tls == "required":
        # Implicit TLS on the dedicated ports; STARTTLS on the plain ones.
        security.append("TLS" if port in (465, 993, 995, 443) else "STARTTLS")
    # Reading always takes a login; the label says AUTH where sending requires it.
    if auth and protocol not in ("imap", "pop3", "https"):
        security.append("AUTH")
    if security:
        text += " " + "+".join(security)
    elif tls == "offered":
        text += " (STARTTLS)"
    return text


# -- building the scene --------------------------------------------------------


def _marks(plan: Plan) -> dict[str, list[_Mark]]:
    """Errors and warnings by the name they are about."""
    marks: dict[str, list[_Mark]] = defaultdict(list)
    for f in plan.findings:
        if f.severity in ("error", "warning"):
            for subject in f.subjects:
                marks[subject].append(_Mark(f.severity, f.code, f.message))
    return marks
