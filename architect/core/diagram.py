"""Draw a plan as a Graphviz diagram: where mail comes from, where it goes, and how.

Everything drawn comes from the ``Plan`` (never from the design), so the diagram
cannot show a hop that the configuration files do not make. The picture is
built as a ``graphviz.Digraph`` in two steps: a small *scene* (nodes, edges,
lanes) worked out in plain Python, then emitted to Graphviz. The scene is where
the decisions live: which lane a node sits in, what gets aggregated, what a
trace highlights. Thresholds are documented in docs/diagrams.md.

Layout: lanes run left to right, from the outside in: the internet (and remote
users), the DMZ, the internal networks, then the mail programs whose network
the plan does not name. Mail arriving from the internet therefore flows left to
right; mail leaving for the internet flows right to left. Every edge is ranked
by the lane order (an edge that runs "backwards" is declared the other way round
with ``dir=back``), which keeps the lanes straight.

Safety: node ids are synthetic (``n1``, ``n2``...), never user text, because a
colon in an id means a port and IPv6 addresses would break the graph. Every
piece of user text goes through ``_html`` (entities, for HTML-like labels),
``_lines`` (tooltips) or ``_plain`` (``graphviz.escape``) before it reaches
DOT, and ``render`` runs ``dot`` with a time limit, since ``graphviz.pipe()``
has none.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape as xml_escape

import graphviz

from .plan import STAGES, ClientPlan, HostPlan, Plan
from .trace import INTERNET, Trace

__all__ = [
    "AGGREGATE_AT",
    "MAX_NODES",
    "MAX_SUMMARY_NODES",
    "DiagramError",
    "build",
    "describe",
    "dot_source",
    "fallback_svg",
    "render",
    "svg",
    "svg_text_or_fallback",
    "with_title",
]

# -- thresholds (docs/diagrams.md explains each) -----------------------------

# More than this many null clients alike on one network become one node.
AGGREGATE_AT = 4
# Past this many nodes (after aggregation) the diagram summarises: one node per
# network instead of one per host, so `dot` stays well inside its time limit.
MAX_NODES = 150
# Past this many nodes the summary by network gives way to one node per zone.
MAX_SUMMARY_NODES = 60
# Lines of MX records listed in the DNS note before "... and N more".
MAX_DNS_LINES = 8
# Kinds of finding listed on a node before "and N more".
MAX_MARK_LINES = 4
# Flows described one by one in the SVG <desc> for screen readers.
MAX_DESC_FLOWS = 40
RENDER_TIMEOUT = 5.0
FORMATS = ("svg", "png")
FONT = "DejaVu Sans"


class DiagramError(RuntimeError):
    """The diagram could not be rendered: `dot` is missing, failed or took too long."""


# -- looks -------------------------------------------------------------------

# Okabe–Ito colours (safe for the common colour-vision deficiencies), each
# paired with its own line style so print and colour-blind readers can tell the
# stages apart without the colour.
STAGE_LOOK: dict[str, dict[str, str]] = {
    "injection": {"color": "#E69F00", "text": "#8A5A00", "style": "dashed", "penwidth": "1.6"},
    "transport": {"color": "#0072B2", "text": "#00507D", "style": "bold", "penwidth": "2.4"},
    "delivery": {"color": "#009E73", "text": "#006B4E", "style": "solid", "penwidth": "1.6"},
    "access": {"color": "#CC79A7", "text": "#8E3F6C", "style": "dotted", "penwidth": "2.0"},
}
STAGE_MEANING = {
    "injection": "injection: a program hands new mail to a server",
    "transport": "transport: server to server over SMTP",
    "delivery": "delivery: into the mailbox store",
    "access": "access: people read their mail",
}
# Badge fill per role, tinted like the stage the role serves.
BADGE_FILL = {
    "injection": "#FBEBC8",
    "transport": "#D5E8F5",
    "delivery": "#CDEEE3",
    "access": "#F4DDEB",
}
ROLE_STAGE = {
    "mx": "transport",
    "backup-mx": "transport",
    "gateway": "transport",
    "filter": "transport",
    "hub": "transport",
    "outbound": "transport",
    "null-client": "transport",
    "submission": "injection",
    "mailbox": "delivery",
    "local-delivery": "delivery",
    "imap": "access",
    "pop3": "access",
    "webmail": "access",
}
ROLE_BADGE = {
    "mx": "MX",
    "backup-mx": "backup MX",
    "gateway": "gateway",
    "filter": "filter",
    "hub": "hub",
    "outbound": "outbound",
    "null-client": "null client",
    "submission": "submission",
    "mailbox": "mailbox",
    "local-delivery": "local delivery",
    "imap": "IMAP",
    "pop3": "POP3",
    "webmail": "webmail",
}
# Order of badges on a node: how mail meets the host, in the order of its journey.
ROLE_ORDER = (
    "mx",
    "backup-mx",
    "filter",
    "gateway",
    "hub",
    "null-client",
    "outbound",
    "submission",
    "mailbox",
    "local-delivery",
    "imap",
    "pop3",
    "webmail",
)
PROVIDER_BADGE = {
    "smarthost": ("smarthost", "transport"),
    "inbound_filter": ("inbound filter", "transport"),
    "backup_mx": ("backup MX", "transport"),
    "mailbox_hosting": ("mailbox hosting", "delivery"),
}
PROTOCOL_NAME = {
    "smtp": "SMTP",
    "submission": "submission",
    "submissions": "submissions",
    "lmtp": "LMTP",
    "local": "local",
    "imap": "IMAP",
    "pop3": "POP3",
    "sendmail-command": "sendmail command",
    "https": "HTTPS",
    "none": "no route",
}
MARK_COLOR = {"error": "#B2182B", "warning": "#D55E00"}
TRACE_EXTRA_COLOR = "#D55E00"
FADED = "#BDBDBD"
FADED_TEXT = "#9E9E9E"
INK = "#222222"
MUTED = "#5F5F5F"

# Lanes, outside in; slot ranges keep each lane in its own columns.
LANES = (
    ("internet", "Internet", "#F3F8FC"),
    ("remote", "Remote (roaming users)", "#FAF6EE"),
    ("dmz", "DMZ", "#F7F3FA"),
    ("internal", "Internal networks", "#F1F8F4"),
    ("clients", "Mail programs", "#FBFBF4"),
)
LANE_TOOLTIP = {
    "internet": "Public addresses: the rest of the internet, outside providers and our hosts "
    "with public addresses",
    "remote": "Where roaming users sit (home, phone, café): never trusted",
    "dmz": "Behind a firewall; published ports are reachable from the internet",
    "internal": "Private networks the internet cannot reach",
    "clients": "Mail programs whose network the plan does not name",
}
# Columns, left to right. A host's own mailbox store and the programs running
# on it take the column right after the host.
SLOT = {
    "internet": 0,
    "remote-client": 0,
    "provider": 1,
    "remote-host": 1,
    "internet-host": 2,
    "internet-beside": 3,
    "dmz-host": 4,
    "dmz-beside": 5,
    "internal-host": 6,
    "internal-beside": 7,
    "internal-client": 8,
    "client": 9,
}


# -- escaping ----------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _clean(text: object) -> str:
    """User text on one line: control characters (newlines too) become spaces."""
    return _CONTROL.sub(" ", str(text))


def _plain(text: object) -> str:
    r"""User text for a plain DOT string: backslashes doubled (so ``\l`` and ``\n``
    stay literal) and never read as an HTML-like label."""
    return graphviz.escape(_clean(text))


def _lines(parts: Iterable[object]) -> str:
    r"""User text for a tooltip, one line per part (joined by the DOT escape ``\n``).

    dot 2.43 expands escapes in tooltips twice, so no count of backslashes
    survives every Graphviz version: a backslash is shown as the look-alike
    U+29F5 instead, which leaves no escape (``\N``, ``\G``, ``\l``) to expand.
    """
    return graphviz.nohtml("\\n".join(_clean(p).replace("\\", "\u29f5") for p in parts))


def _url(url: str) -> str:
    """A caller's link as a DOT URL: percent-encoded backslashes, no escapes to expand."""
    return graphviz.nohtml(_clean(url).replace("\\", "%5C"))


def _html(text: object) -> str:
    """User text inside an HTML-like label: ``& < > "`` as entities."""
    return (
        _clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _font(text: str, *, size: int | None = None, color: str | None = None) -> str:
    """Wrap already-escaped label text in a FONT element."""
    attrs = ""
    if size:
        attrs += f' POINT-SIZE="{size}"'
    if color:
        attrs += f' COLOR="{color}"'
    return f"<FONT{attrs}>{text}</FONT>" if attrs else text


def _row(content: str) -> str:
    """One left-aligned row of an HTML-like label (content already escaped)."""
    return f'<TR><TD ALIGN="LEFT">{content}</TD></TR>'


def _shorten(text: str, limit: int = 2400) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the scene ---------------------------------------------------------------


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


def _detailed(plan: Plan, link) -> _Scene:
    scene = _Scene(plan)
    marks = _marks(plan)
    prefs = _mx_preferences(plan)

    _outside(scene, plan, marks, prefs)

    hosts_with_programs = set()
    for c in plan.clients:
        where, name = _client_place(plan, c)
        if where == "host":
            hosts_with_programs.add(name)

    # Null clients alike (same network, software and outgoing flows) fold into one node.
    outgoing: dict[str, list[tuple]] = defaultdict(list)
    for f in plan.flows:
        outgoing[f.source].append((f.stage, f.target, f.protocol, f.port))
    groups: dict[tuple, list[HostPlan]] = defaultdict(list)
    singles: list[HostPlan] = []
    # Only hosts that say nothing on their own fold: plain null clients, and hosts
    # with no mail role; a host with a finding or programs on it stays visible.
    apart = hosts_with_programs | set(marks)
    for h in plan.hosts:
        if set(h.roles) <= {"null-client"} and h.name not in apart:
            key = (h.network, h.zone, h.mta, tuple(h.roles), tuple(sorted(outgoing[h.name])))
            groups[key].append(h)
        else:
            singles.append(h)
    for (network, zone, _mta, roles, _sig), members in groups.items():
        if len(members) <= AGGREGATE_AT:
            singles.extend(members)
            continue
        what = "null clients" if roles else "hosts without a mail role"
        node = scene.add(
            "hosts",
            _lane_of_zone(zone),
            network,
            _host_slot(zone),
            f"{len(members):,} {what} on {network}",
        )
        if roles:
            node.badges.append(("null client", "transport"))
        node.idle = not roles
        node.details.append(_mta_line(members[0]).split(" · ")[0])
        shown = [m.name for m in members[:12]]
        more = len(members) - len(shown)
        why = (
            "receive nothing from the network and send all their mail through a hub"
            if roles
            else "have no part in the mail plan"
        )
        node.tooltip.append(
            f"{len(members):,} hosts that {why}: {', '.join(shown)}"
            + (f" and {more:,} more" if more else "")
        )
        for m in members:
            scene.name(m.name, node)
        if link:
            node.url = link("network", network)

    for h in sorted(singles, key=lambda h: h.name):
        node = scene.add("host", _lane_of_zone(h.zone), h.network, _host_slot(h.zone), h.name)
        node.badges = _host_badges(h, prefs.get(h.name, []))
        node.details.append(_mta_line(h))
        node.idle = not h.roles
        node.tooltip.append(f"{h.name} ({h.zone} network {h.network})")
        node.tooltip += [f"{r.subject}: {r.why}" for r in h.reasons] or ["no mail role"]
        node.marks = marks.get(h.name, [])
        if link:
            node.url = link("host", h.name)
        scene.name(h.name, node)

    # A host's own mailbox store: the delivery stage made visible as a hop.
    for f in plan.flows:
        if f.stage == "delivery" and f.source == f.target and plan.has_host(f.source):
            if f.source in scene.stores:
                continue
            host = scene.nodes[scene.by_name[f.source]]
            store = scene.add("mailbox", host.lane, host.network, host.slot + 1, "mailboxes")
            store.beside = host.id
            store.details.append(_delivery_format(plan.host(f.source).delivery))
            store.tooltip.append(f"the mailbox store on {f.source}")
            scene.stores[f.source] = store.id

    _add_clients(scene, plan, marks, link)

    for f in plan.flows:
        source = scene.end(f.source)
        store = scene.stores.get(f.source)
        if f.stage == "delivery" and f.source == f.target and store:
            target = scene.nodes[store]
        elif f.stage == "access" and f.protocol == "local" and store:
            # Reading the mailbox files directly: drawn from the files themselves.
            source, target = scene.nodes[store], scene.end(f.target)
        else:
            target = scene.end(f.target)
        scene.edge(f, source, target, f.why)

    _mark_networks(scene, marks)
    return scene


def _outside(scene: _Scene, plan: Plan, marks, prefs: dict[str, list[int]]) -> None:
    """The internet end, the DNS note and the outside providers: the internet lane."""
    internet = scene.add("internet", "internet", None, SLOT["internet"], "Internet")
    internet.details.append("other mail servers")
    internet.tooltip.append("The rest of the internet: other domains' mail servers")
    scene.name(INTERNET, internet)
    _dns_node(scene, plan, marks)
    for p in plan.providers:
        text, stage = PROVIDER_BADGE.get(p.kind, (p.kind, "transport"))
        node = scene.add("provider", "internet", None, SLOT["provider"], p.name)
        node.badges.append((text, stage))
        if p.host in prefs and p.kind == "backup_mx":
            node.badges[0] = (f"backup MX {prefs[p.host][-1]}", "transport")
        elif p.host in prefs:
            node.badges.insert(0, (f"MX {prefs[p.host][0]}", "transport"))
        node.details.append(f"{p.host}:{p.port}")
        node.tooltip.append(f"{p.name}: outside provider ({text}) at {p.host}, port {p.port}")
        node.marks = marks.get(p.name, [])
        scene.name(p.name, node)


def _delivery_format(delivery: str | None) -> str:
    if not delivery:
        return ""
    if delivery.startswith("lmtp:"):
        return "LMTP into the IMAP server's store"
    return {"maildir": "Maildir", "mbox": "mbox"}.get(delivery, delivery)


def _add_clients(scene: _Scene, plan: Plan, marks, link) -> None:
    """Clients by kind with their count; programs on a host sit beside that host."""
    placed: dict[tuple, list[ClientPlan]] = defaultdict(list)
    for c in plan.clients:
        where, name = _client_place(plan, c)
        signature = (
            c.kind,
            c.send_via,
            c.send_protocol,
            c.send_port,
            c.read_via,
            c.read_protocol,
            c.read_port,
        )
        # Clients alike in every respect but their name fold into one node.
        key = (where, name, signature) if c.name not in marks else (where, name, c.name)
        placed[key].append(c)
    for (where, name, _sig), members in sorted(placed.items(), key=lambda kv: kv[1][0].name):
        if len(members) <= AGGREGATE_AT:
            batches = [[c] for c in members]
        else:
            batches = [members]
        for batch in batches:
            node = _client_node(scene, plan, where, name, batch)
            node.marks = [m for c in batch for m in marks.get(c.name, [])]
            if link and len(batch) == 1:
                node.url = link("client", batch[0].name)
            for c in batch:
                scene.name(c.name, node)


def _client_node(scene: _Scene, plan: Plan, where: str, name: str | None, batch) -> _Node:
    first = batch[0]
    total = sum(c.count for c in batch)
    if where == "host":
        host = scene.nodes[scene.by_name[name]]
        lane, network, slot, beside = host.lane, host.network, host.slot + 1, host.id
    else:
        lane, network, slot, beside = _lane_of_zone(where), name, _client_slot(where), None
    if len(batch) == 1:
        title = first.name + (f" × {first.count:,}" if first.count > 1 else "")
        kind = "client"
    else:
        title = f"{len(batch)} {first.kind} groups × {total:,}"
        kind = "clients"
    node = scene.add(kind, lane, network, slot, title)
    node.beside = beside
    on_host = f" on {name}" if where == "host" and kind == "client" else ""
    node.details.append(first.kind + on_host)
    for c in batch[:12]:
        if c.send_via:
            how = _flow_label(c.send_protocol, c.send_port, c.send_auth, "none")
            sends = f"sends via {c.send_via} ({how})"
        else:
            sends = "cannot send in this plan"
        reads = f"reads from {c.read_via} ({c.read_protocol})" if c.read_via else "reads no mail"
        node.tooltip.append(f"{c.name}: {c.count} {c.kind}; {sends}; {reads}")
    if len(batch) > 12:
        node.tooltip.append(f"… and {len(batch) - 12} more groups")
    return node


def _dns_node(scene: _Scene, plan: Plan, marks) -> None:
    if not plan.mx and not plan.domains:
        return
    lines = []
    for domain, records in plan.mx:
        if records and records[0].host == ".":
            lines.append(f"{domain}: null MX, receives no mail")
        elif records:
            lines.append(f"{domain}: " + ", ".join(f"MX {m.preference} {m.host}" for m in records))
        else:
            lines.append(f"{domain}: no MX")
    node = scene.add("dns", "internet", None, SLOT["internet"], "DNS: MX records")
    node.details = lines[:MAX_DNS_LINES]
    if len(lines) > MAX_DNS_LINES:
        node.details.append(f"… and {len(lines) - MAX_DNS_LINES} more domains")
    node.tooltip.append("Senders look up a domain's MX records to find where to deliver")
    node.tooltip += lines[:40]
    # Findings about a domain show on the DNS note, once each.
    domains = {d for d, _ in plan.mx} | {d.name for d in plan.domains}
    for d in sorted(domains):
        node.marks += [m for m in marks.get(d, []) if m not in node.marks]


def _mark_networks(scene: _Scene, marks) -> None:
    for network in scene.networks:
        if network in marks:
            scene.network_marks[network] = marks[network]


# -- summary of a large plan ---------------------------------------------------


def _summary(plan: Plan, *, by_zone: bool) -> _Scene:
    """One node per network (or per zone), the clients by kind, and the flows between them."""
    scene = _Scene(plan, summary="zone" if by_zone else "network")
    marks = _marks(plan)

    _outside(scene, plan, marks, _mx_preferences(plan))

    groups: dict[str, list[HostPlan]] = defaultdict(list)
    for h in plan.hosts:
        groups[h.zone if by_zone else h.network].append(h)
    for key, members in sorted(groups.items()):
        zone = members[0].zone
        title = (
            f"{len(members):,} {_zone_title(zone)}"
            if by_zone
            else f"{_count(len(members), 'host')} on {key}"
        )
        node = scene.add(
            "group",
            _lane_of_zone(zone),
            None if by_zone else key,
            _host_slot(zone),
            title,
        )
        roles = Counter(r for h in members for r in h.roles)
        idle = sum(1 for h in members if not h.roles)
        node.details = [
            ", ".join(
                f"{n:,} {ROLE_BADGE.get(r, r)}"
                for r, n in sorted(roles.items(), key=lambda kv: ROLE_ORDER.index(kv[0]))
            )
        ]
        if idle:
            node.details.append(f"{idle:,} without a mail role")
        node.tooltip.append(f"{len(members):,} hosts: " + ", ".join(h.name for h in members[:20]))
        found = [m for h in members for m in marks.get(h.name, [])]
        node.marks = _count_marks(found)
        for h in members:
            scene.name(h.name, node)

    clients: dict[tuple, list[ClientPlan]] = defaultdict(list)
    for c in plan.clients:
        where, name = _client_place(plan, c)
        if where == "host":
            clients[("host", scene.by_name[name], c.kind)].append(c)
        else:
            clients[(where, None, c.kind)].append(c)
    for (where, host_node, kind), members in sorted(clients.items(), key=lambda kv: kv[0][2]):
        total = sum(c.count for c in members)
        if where == "host":
            group = scene.nodes[host_node]
            lane, network, slot, beside = group.lane, group.network, group.slot + 1, group.id
        else:
            lane, network, slot, beside = _lane_of_zone(where), None, _client_slot(where), None
        node = scene.add("clients", lane, network, slot, f"{kind} × {total:,}")
        node.beside = beside
        node.details.append(f"{len(members):,} client groups")
        node.tooltip.append(", ".join(c.name for c in members[:20]))
        node.marks = _count_marks([m for c in members for m in marks.get(c.name, [])])
        for c in members:
            scene.name(c.name, node)

    for f in plan.flows:
        source, target = scene.end(f.source), scene.end(f.target)
        scene.edge(f, source, target, f.why)
    return scene


def _zone_title(zone: str) -> str:
    return {"internet": "public hosts", "dmz": "DMZ hosts", "internal": "internal hosts"}.get(
        zone, f"{zone} hosts"
    )


def _count_marks(found: list[_Mark]) -> list[_Mark]:
    counts = Counter(m.severity for m in found)
    out = []
    for severity in ("error", "warning"):
        if counts[severity]:
            codes = sorted({m.code for m in found if m.severity == severity})
            plural = "s" if counts[severity] > 1 else ""
            out.append(
                _Mark(severity, f"{counts[severity]} {severity}{plural}", ", ".join(codes[:6]))
            )
    return out


# -- trace ---------------------------------------------------------------------


def _apply_trace(scene: _Scene, trace: Trace) -> None:
    """Number the hops of one message on the edges they take; add hops that are no flow."""
    scene.trace = trace
    for step, hop in enumerate(trace.hops, 1):
        source = scene.end(hop.source)
        target = scene.end(hop.target)
        source.traced = target.traced = True
        if hop.source == hop.target and hop.action == "deliver" and hop.source in scene.stores:
            target = scene.nodes[scene.stores[hop.source]]
            target.traced = True
        edge = _find_edge(scene, source.id, target.id, hop.protocol)
        if edge is None and source.id == target.id:
            # Delivered, refused or bounced right here: said on the node, not as a loop.
            what = {
                "deliver": "delivered here",
                "reject": "✗ rejected here",
                "bounce": "✗ bounced here",
            }.get(hop.action, f"{hop.action}: within this group")
            source.notes.append(f"{_circled(step)} {what}")
            source.tooltip.insert(0, f"{step}. {hop.action}: {hop.why}")
            continue
        if edge is None:
            stage = "delivery" if hop.action == "deliver" else "transport"
            edge = _Edge(
                source.id, target.id, stage, hop.protocol, hop.port, False, "none", extra=True
            )
            scene.edges[("trace", step)] = edge
        edge.steps.append(step)
        edge.action = hop.action
        edge.why.insert(0, f"{step}. {hop.action}: {hop.why}")


def _find_edge(scene: _Scene, source: str, target: str, protocol: str) -> _Edge | None:
    candidates = [
        e for e in scene.edges.values() if e.source == source and e.target == target and not e.extra
    ]
    for e in candidates:
        if e.protocol == protocol:
            return e
    return candidates[0] if candidates else None


# -- emitting Graphviz ---------------------------------------------------------


def build(
    plan: Plan,
    *,
    trace: Trace | None = None,
    link: Callable[[str, str], str] | None = None,
) -> graphviz.Digraph:
    """The plan as a ``graphviz.Digraph``: lanes, hosts, clients and flows.

    ``trace`` highlights the hops of one message and fades the rest; ``link``
    (called as ``link(kind, name)`` with kind ``host``, ``client`` or
    ``network``) gives nodes a URL, for instance to the host in the designer.
    Large plans are aggregated and, past ``MAX_NODES``, summarised by network.
    """
    scene = _detailed(plan, link)
    if len(scene.nodes) > MAX_NODES:
        scene = _summary(plan, by_zone=False)
        if len(scene.nodes) > MAX_SUMMARY_NODES:
            scene = _summary(plan, by_zone=True)
    if trace is not None:
        _apply_trace(scene, trace)
    return _emit(scene)


def dot_source(
    plan: Plan,
    *,
    trace: Trace | None = None,
    link: Callable[[str, str], str] | None = None,
) -> str:
    """The DOT text of ``build(plan, ...)``: what ``render`` takes and the cache hashes."""
    return build(plan, trace=trace, link=link).source


def _emit(scene: _Scene) -> graphviz.Digraph:
    plan = scene.plan
    g = graphviz.Digraph("mail_plan")
    g.attr(
        "graph",
        rankdir="LR",
        newrank="true",
        compound="true",
        fontname=FONT,
        fontsize="11",
        ranksep="0.55",
        nodesep="0.28",
        pad="0.25",
        bgcolor="white",
        labelloc="t",
        labeljust="l",
        label=_graph_label(scene),
        tooltip=_lines([f"Mail plan for {plan.design}"]),
    )
    g.attr("node", fontname=FONT, fontsize="10", color=INK, fontcolor=INK, margin="0.10,0.06")
    g.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.8")

    tracing = scene.trace is not None
    by_lane: dict[str, dict[str | None, list[_Node]]] = defaultdict(lambda: defaultdict(list))
    loose = []
    for node in scene.nodes.values():
        if node.lane is None:
            loose.append(node)
        else:
            by_lane[node.lane][node.network].append(node)

    for lane, title, fill in LANES:
        if lane not in by_lane:
            continue
        with g.subgraph(name=f"cluster_lane_{lane}") as c:
            c.attr(
                label=f"<<B>{_html(title)}</B>>",
                tooltip=_lines([LANE_TOOLTIP[lane]]),
                style="filled,rounded",
                fillcolor=fill,
                color="#C9CED3",
                fontsize="13",
                fontcolor="#3A4750",
                margin="14",
                labeljust="l",
            )
            networks = by_lane[lane]
            for node in _beside_their_hosts(networks.get(None, [])):
                _emit_node(c, node, tracing)
            for i, network in enumerate(sorted(n for n in networks if n is not None)):
                with c.subgraph(name=f"cluster_{lane}_net{i}") as n:
                    n.attr(**_network_attrs(network, scene.network_marks.get(network, [])))
                    for node in _beside_their_hosts(networks[network]):
                        _emit_node(n, node, tracing)
    for node in loose:
        _emit_node(g, node, tracing)

    # One column per slot: the same rank across lanes keeps the lanes straight.
    slots: dict[int, list[str]] = defaultdict(list)
    for node in scene.nodes.values():
        slots[node.slot].append(node.id)
    used = sorted(slots)
    for slot in used:
        with g.subgraph() as s:
            s.attr(rank="same")
            for node_id in slots[slot]:
                s.node(node_id)
    for left, right in zip(used, used[1:], strict=False):
        g.edge(slots[left][0], slots[right][0], style="invis", weight="0")

    for edge in scene.edges.values():
        _emit_edge(g, scene, edge, tracing)
    _emit_legend(g, scene, slots[used[-1]][0])
    return g


def _network_attrs(network: str, marks: list[_Mark]) -> dict[str, str]:
    """A network's box inside its lane: dashed, marked when a finding names it."""
    label = f"network {_html(network)}"
    color = "#AEB6BD"
    for severity, code in list(dict.fromkeys((m.severity, m.code) for m in marks))[:MAX_MARK_LINES]:
        label += f"<BR/>{_font(f'⚠ {_html(code)}', color=MARK_COLOR[severity])}"
        color = MARK_COLOR[severity]
    messages = [f"{m.severity}: {m.message}" for m in marks[:10]]
    return {
        "label": f"<{label}>",
        "tooltip": _lines([f"network {network}", *messages]),
        "style": "dashed,rounded",
        "color": color,
        "penwidth": "2" if marks else "1",
        "fontsize": "10",
        "fontcolor": MUTED,
        "margin": "10",
    }


def _beside_their_hosts(nodes: list[_Node]) -> list[_Node]:
    """Nodes in declaration order, each host followed by what sits beside it.

    Graphviz starts from the order nodes are declared when it orders a column,
    so declaring a host's programs and mailboxes right after it keeps their
    edges short and uncrossed.
    """
    attached: dict[str, list[_Node]] = defaultdict(list)
    for node in nodes:
        if node.beside:
            attached[node.beside].append(node)
    ordered = []
    for node in nodes:
        if not node.beside:
            ordered.append(node)
            ordered += attached.pop(node.id, [])
    return ordered + [n for rest in attached.values() for n in rest]


def _graph_label(scene: _Scene) -> str:
    plan = scene.plan
    counts = Counter(f.severity for f in plan.findings)
    parts = [_count(len(plan.hosts), "host"), _count(sum(c.count for c in plan.clients), "client")]
    if plan.providers:
        parts.append(_count(len(plan.providers), "provider"))
    found = ", ".join(
        f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning") if counts[s]
    )
    parts.append(f"findings: {found}" if found else "no errors or warnings")
    if scene.summary:
        parts.append(f"summarised: one node per {scene.summary}")
    sub = _html(" · ".join(parts))
    label = (
        f'<<FONT POINT-SIZE="16"><B>{_html(plan.design)}</B></FONT>'
        f'<BR ALIGN="LEFT"/><FONT POINT-SIZE="10" COLOR="{MUTED}">How mail flows · {sub}</FONT>'
    )
    if scene.trace is not None:
        t = scene.trace
        trace_text = _html(
            f"Trace: {t.sender} → {t.recipient}: {t.outcome}, {len(t.hops)} "
            f"hop{'s' if len(t.hops) != 1 else ''} (numbered)"
        )
        label += (
            f'<BR ALIGN="LEFT"/><FONT POINT-SIZE="11" COLOR="{TRACE_EXTRA_COLOR}">'
            f"<B>{trace_text}</B></FONT>"
        )
    return label + '<BR ALIGN="LEFT"/>>'


def _emit_node(g: graphviz.Digraph, node: _Node, tracing: bool) -> None:
    faded = (tracing and not node.traced) or node.idle
    ink = FADED_TEXT if faded else INK
    muted = FADED_TEXT if faded else MUTED
    attrs: dict[str, str] = {}
    rows = []
    size = 13 if node.kind == "internet" else 11
    rows.append(_row(_font(f"<B>{_html(node.title)}</B>", size=size, color=ink)))
    if node.badges:
        cells = []
        for text, stage in node.badges:
            fill = "#EEEEEE" if faded else BADGE_FILL[stage]
            cells.append(f'<TD BGCOLOR="{fill}">{_font(_html(text), size=9, color=ink)}</TD>')

        # Graphviz spreads spare width over every cell of a row, which would stretch
        # the badges; an empty cell roughly as wide as the spare room takes it instead.
        def badges_width(row):
            return sum(len(text) * 5.6 + 8 for text, _ in row)

        widest = max(
            [len(node.title) * 6.6]
            + [len(line) * 5.2 for line in node.details]
            + [badges_width(node.badges[i : i + 4]) for i in range(0, len(cells), 4)]
        )
        for i in range(0, len(cells), 4):
            spare = int(widest - badges_width(node.badges[i : i + 4]))
            filler = f'<TD WIDTH="{spare}"></TD>' if spare > 4 else ""
            rows.append(
                '<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" '
                f'CELLPADDING="2"><TR>{"".join(cells[i : i + 4])}{filler}</TR></TABLE></TD></TR>'
            )
    for line in node.details:
        if line:
            rows.append(_row(_font(_html(line), size=9, color=muted)))
    for note in node.notes:
        rows.append(_row(_font(f"<B>{_html(note)}</B>", size=10, color=TRACE_EXTRA_COLOR)))
    # One line per kind of finding, so a node named in many stays a node.
    kinds = Counter((m.severity, m.code) for m in node.marks)
    for (severity, code), n in list(kinds.items())[:MAX_MARK_LINES]:
        color = FADED_TEXT if faded and tracing else MARK_COLOR[severity]
        text = f"⚠ {code}" + (f" ×{n:,}" if n > 1 else "")
        rows.append(_row(_font(f"<B>{_html(text)}</B>", size=9, color=color)))
    if len(kinds) > MAX_MARK_LINES:
        more = f"⚠ and {len(kinds) - MAX_MARK_LINES} more kinds of finding"
        rows.append(_row(_font(_html(more), size=9, color=muted)))
    attrs["label"] = (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        + "".join(rows)
        + "</TABLE>>"
    )
    messages = list(dict.fromkeys(f"{m.severity}: {m.code}: {m.message}" for m in node.marks))
    tooltip = node.tooltip + messages[:10]
    if len(messages) > 10:
        tooltip.append(f"… and {len(messages) - 10} more findings")
    attrs["tooltip"] = graphviz.nohtml(_shorten(_lines(tooltip)))

    shape, style, fill = {
        "internet": ("ellipse", "filled", "#DCEBF7"),
        "dns": ("note", "filled", "#FFFFFF"),
        "provider": ("box", "rounded,filled,dashed", "#F4F4F4"),
        "host": ("box", "rounded,filled", "#FFFFFF"),
        "hosts": ("box3d", "filled", "#FFFFFF"),
        "group": ("box3d", "filled", "#FFFFFF"),
        "mailbox": ("cylinder", "filled", "#E3F4EE"),
        "client": ("ellipse", "filled", "#FFF8E1"),
        "clients": ("ellipse", "filled", "#FFF8E1"),
        "stray": ("box", "dashed", "#FFFFFF"),
    }[node.kind]
    attrs.update(shape=shape, style=style, fillcolor="#FAFAFA" if faded else fill)
    if node.kind == "internet":
        attrs["peripheries"] = "2"
    if node.idle:
        attrs["style"] = style + ",dashed"
    color = FADED if faded else INK
    penwidth = "1.2"
    if node.marks and not (tracing and not node.traced):
        worst = "error" if any(m.severity == "error" for m in node.marks) else "warning"
        color = MARK_COLOR[worst]
        penwidth = "3" if worst == "error" else "2.2"
    if tracing and node.traced:
        penwidth = "2.6" if penwidth == "1.2" else penwidth
    attrs.update(color=color, penwidth=penwidth)
    if node.url:
        attrs["URL"] = _url(node.url)
        attrs["target"] = "_top"
    g.node(node.id, **attrs)


def _emit_edge(g: graphviz.Digraph, scene: _Scene, edge: _Edge, tracing: bool) -> None:
    look = STAGE_LOOK[edge.stage]
    label = _flow_label(edge.protocol, edge.port, edge.auth, edge.tls)
    if edge.count > 1:
        label += f" ×{edge.count:,}"
    if edge.action in ("reject", "bounce"):
        label = f"✗ {edge.action}: " + label
    if edge.steps:
        label = " ".join(f"{_circled(s)}" for s in edge.steps) + " " + label
    attrs = {
        "label": _plain(label),
        "tooltip": graphviz.nohtml(_shorten(_lines(edge.why or [label]))),
        "color": look["color"],
        "fontcolor": look["text"],
        "style": look["style"],
        "penwidth": look["penwidth"],
    }
    if edge.extra:
        attrs.update(color=TRACE_EXTRA_COLOR, fontcolor=TRACE_EXTRA_COLOR)
    if tracing:
        if edge.steps:
            attrs["penwidth"] = str(float(look["penwidth"]) + 2.2)
            attrs["fontsize"] = "10"
        else:
            attrs.update(color=FADED, fontcolor=FADED_TEXT, penwidth="1")
    attrs["labeltooltip"] = attrs["tooltip"]
    source, target = scene.nodes[edge.source], scene.nodes[edge.target]
    if source.slot > target.slot:
        # Ranked from left to right like the lanes; the arrow still points at the target.
        g.edge(target.id, source.id, dir="back", **attrs)
    else:
        g.edge(source.id, target.id, **attrs)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _circled(step: int) -> str:
    return chr(0x2460 + step - 1) if 1 <= step <= 20 else f"({step})"


def _emit_legend(g: graphviz.Digraph, scene: _Scene, slot_node: str) -> None:
    """A legend cluster: a line sample per stage (colour and style), and the marks."""
    present = {e.stage for e in scene.edges.values()}
    rows = []
    for stage in STAGES:
        look = STAGE_LOOK[stage]
        width = {"bold": "3", "solid": "2"}.get(look["style"], "2")
        style = f' STYLE="{look["style"]}"' if look["style"] in ("dashed", "dotted") else ""
        note = "" if stage in present else " (none here)"
        rows.append(
            f'<TR><TD WIDTH="56" HEIGHT="6" BORDER="{width}" SIDES="B" COLOR="{look["color"]}"'
            f'{style}></TD><TD ALIGN="LEFT">'
            f"{_font(_html(STAGE_MEANING[stage] + note), color=look['text'])}</TD></TR>"
        )
    notes = [
        ("⚠", "an error (red border) or warning (orange) about it"),
        ("(STARTTLS)", "TLS offered, not required"),
        ("×30", "how many clients or hosts a node stands for"),
    ]
    if any(n.idle for n in scene.nodes.values()):
        notes.append(("dashed grey", "a host with no mail role"))
    if scene.trace is not None:
        notes.insert(0, ("① ② ③", "the traced message's hops, in order"))
    for sign, text in notes:
        rows.append(
            f'<TR><TD ALIGN="CENTER">{_font(_html(sign), color=MUTED)}</TD>'
            f'<TD ALIGN="LEFT">{_font(_html(text), color=MUTED)}</TD></TR>'
        )
    with g.subgraph(name="cluster_legend") as c:
        c.attr(
            label="<<B>Legend</B>>",
            style="rounded",
            color="#C9CED3",
            fontsize="11",
            fontcolor="#3A4750",
            margin="8",
            tooltip="How to read the diagram",
            labeljust="l",
        )
        c.node(
            "legend",
            shape="plaintext",
            fontsize="9",
            tooltip="How to read the diagram",
            label=f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3">{"".join(rows)}</TABLE>>',
        )
    # In the last column, so the legend sits below the rightmost lane.
    with g.subgraph() as s:
        s.attr(rank="same")
        s.node(slot_node)
        s.node("legend")


# -- accessible text -------------------------------------------------------------


def describe(plan: Plan, trace: Trace | None = None) -> tuple[str, str]:
    """A title and a plain-text description of the diagram, for screen readers."""
    title = f"Mail flow diagram: {_clean(plan.design)}"
    sentences = [
        f"{_count(len(plan.hosts), 'host')}, {_count(len(plan.clients), 'kind')} of client "
        f"and {_count(len(plan.providers), 'outside provider')}."
    ]
    for domain, records in plan.mx[:MAX_DNS_LINES]:
        if records and records[0].host == ".":
            sentences.append(f"{domain} receives no mail (null MX).")
        elif records:
            sentences.append(
                f"Mail for {domain} arrives at "
                + ", ".join(f"{m.host} (MX {m.preference})" for m in records)
                + "."
            )
    for f in plan.flows[:MAX_DESC_FLOWS]:
        sentences.append(
            f"{f.stage.capitalize()}: {f.source} to {f.target}, "
            f"{_flow_label(f.protocol, f.port, f.auth, f.tls)}."
        )
    if len(plan.flows) > MAX_DESC_FLOWS:
        sentences.append(f"And {len(plan.flows) - MAX_DESC_FLOWS} more flows.")
    for f in plan.findings:
        if f.severity in ("error", "warning"):
            sentences.append(f"{f.severity.capitalize()} {f.code}: {f.message}")
    if trace is not None:
        sentences.append(
            f"Highlighted: a message from {trace.sender} to {trace.recipient} ({trace.outcome}): "
            + "; ".join(f"{h.source} to {h.target} ({h.action})" for h in trace.hops)
            + "."
        )
    return title, _clean(" ".join(sentences))


def with_title(svg_bytes: bytes, title: str, desc: str) -> bytes:
    """Put a <title> and <desc> first inside the SVG root, escaped, for screen readers."""
    text = svg_bytes.decode("utf-8")
    root = re.search(r"<svg\b[^>]*>", text)
    if root is None:
        raise DiagramError("dot produced no <svg> element")
    inserted = (
        f"\n<title>{xml_escape(_clean(title))}</title>\n<desc>{xml_escape(_clean(desc))}</desc>"
    )
    return (text[: root.end()] + inserted + text[root.end() :]).encode("utf-8")


# -- rendering -------------------------------------------------------------------


def render(source: str, fmt: str = "svg", timeout: float = RENDER_TIMEOUT) -> bytes:
    """Run ``dot -T<fmt>`` on DOT text with a time limit; raise DiagramError on failure."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r}; use one of {', '.join(FORMATS)}")
    try:
        done = subprocess.run(
            ["dot", f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise DiagramError("Graphviz is not installed: the dot program was not found") from None
    except subprocess.TimeoutExpired:
        raise DiagramError(f"drawing the diagram took longer than {timeout:g} seconds") from None
    except OSError as exc:
        raise DiagramError(f"the dot program could not be run: {exc.strerror or exc}") from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[0][:200] if message else f"exit status {done.returncode}"
        raise DiagramError(f"the dot program failed: {detail}")
    return done.stdout


# How renderings are made: ``render`` itself unless an application installs a cache in
# front of it (the web app does, architect/web/diagram_cache.py), so that the bundle's
# diagram.svg is drawn once per distinct DOT source, and a failure is remembered too.
_cached_render: Callable[[str, str], bytes] | None = None


def use_cache(cached_render: Callable[[str, str], bytes] | None) -> None:
    """Route every rendering of this module through ``cached_render(source, fmt)``."""
    global _cached_render
    _cached_render = cached_render


def svg(
    plan: Plan,
    *,
    trace: Trace | None = None,
    link: Callable[[str, str], str] | None = None,
    timeout: float = RENDER_TIMEOUT,
) -> bytes:
    """The plan's diagram as SVG bytes, with its accessible title and description."""
    source = dot_source(plan, trace=trace, link=link)
    if _cached_render is not None and timeout == RENDER_TIMEOUT:
        data = _cached_render(source, "svg")
    else:
        data = render(source, "svg", timeout)
    return with_title(data, *describe(plan, trace))


def fallback_svg(reason: str, design: str = "") -> str:
    """A small valid SVG saying the diagram could not be drawn, and why."""
    title = f"Mail flow diagram: {_clean(design)}" if design else "Mail flow diagram"
    lines = ["The diagram could not be rendered.", _clean(reason)[:160]]
    lines.append("The plan (plan.json) holds the same information as text.")
    body = "\n".join(
        f'  <text x="16" y="{32 + 22 * i}">{xml_escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="120" '
        'viewBox="0 0 640 120" font-family="DejaVu Sans, sans-serif" font-size="14">\n'
        f"  <title>{xml_escape(title)}</title>\n"
        f"  <desc>{xml_escape(lines[0] + ' ' + lines[1])}</desc>\n"
        '  <rect x="1" y="1" width="638" height="118" fill="#fff8e1" stroke="#d55e00"/>\n'
        f"{body}\n</svg>\n"
    )


def svg_text_or_fallback(plan: Plan, timeout: float = RENDER_TIMEOUT) -> str:
    """The SVG as text, or the fallback SVG saying why it could not be drawn; never raises
    for a rendering problem."""
    try:
        return svg(plan, timeout=timeout).decode("utf-8")
    except DiagramError as exc:
        return fallback_svg(str(exc), plan.design)
