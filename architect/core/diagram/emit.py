"""Emitting a scene to Graphviz: lanes as clusters, nodes as HTML-like labels,
edges ranked by lane order, and the legend."""

from __future__ import annotations

from collections import Counter, defaultdict

import graphviz

from ..plan import STAGES
from .scene import _Edge, _flow_label, _Mark, _Node, _Scene
from .style import (
    BADGE_FILL,
    FADED,
    FADED_TEXT,
    FONT,
    INK,
    LANE_TOOLTIP,
    LANES,
    MARK_COLOR,
    MAX_MARK_LINES,
    MUTED,
    STAGE_LOOK,
    STAGE_MEANING,
    TRACE_EXTRA_COLOR,
    _font,
    _html,
    _lines,
    _plain,
    _row,
    _shorten,
    _url,
)


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


# Shape, style and fill per kind of node.
NODE_LOOK = {
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
}


def _emit_node(g: graphviz.Digraph, node: _Node, tracing: bool) -> None:
    """One node: an HTML-like label (title, badges, details, notes, findings) and its look."""
    faded = (tracing and not node.traced) or node.idle
    ink = FADED_TEXT if faded else INK
    muted = FADED_TEXT if faded else MUTED
    size = 13 if node.kind == "internet" else 11
    rows = [_row(_font(f"<B>{_html(node.title)}</B>", size=size, color=ink))]
    rows += _badge_rows(node, faded, ink)
    for line in node.details:
        if line:
            rows.append(_row(_font(_html(line), size=9, color=muted)))
    for note in node.notes:
        rows.append(_row(_font(f"<B>{_html(note)}</B>", size=10, color=TRACE_EXTRA_COLOR)))
    rows += _mark_rows(node, faded and tracing, muted)
    attrs: dict[str, str] = {}
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
    attrs.update(_node_look(node, faded, tracing))
    if node.url:
        attrs["URL"] = _url(node.url)
        attrs["target"] = "_top"
    g.node(node.id, **attrs)


def _badge_rows(node: _Node, faded: bool, ink: str) -> list[str]:
    """The role badges, four to a row."""
    if not node.badges:
        return []
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
    rows = []
    for i in range(0, len(cells), 4):
        spare = int(widest - badges_width(node.badges[i : i + 4]))
        filler = f'<TD WIDTH="{spare}"></TD>' if spare > 4 else ""
        rows.append(
            '<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" '
            f'CELLPADDING="2"><TR>{"".join(cells[i : i + 4])}{filler}</TR></TABLE></TD></TR>'
        )
    return rows


def _mark_rows(node: _Node, faded: bool, muted: str) -> list[str]:
    """One line per kind of finding, so a node named in many stays a node."""
    rows = []
    kinds = Counter((m.severity, m.code) for m in node.marks)
    for (severity, code), n in list(kinds.items())[:MAX_MARK_LINES]:
        color = FADED_TEXT if faded else MARK_COLOR[severity]
        text = f"⚠ {code}" + (f" ×{n:,}" if n > 1 else "")
        rows.append(_row(_font(f"<B>{_html(text)}</B>", size=9, color=color)))
    if len(kinds) > MAX_MARK_LINES:
        more = f"⚠ and {len(kinds) - MAX_MARK_LINES} more kinds of finding"
        rows.append(_row(_font(_html(more), size=9, color=muted)))
    return rows


def _node_look(node: _Node, faded: bool, tracing: bool) -> dict[str, str]:
    shape, style, fill = NODE_LOOK[node.kind]
    attrs = {"shape": shape, "style": style, "fillcolor": "#FAFAFA" if faded else fill}
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
    return attrs


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
