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
from collections.abc import Callable
from xml.sax.saxutils import escape as xml_escape

import graphviz

from ..plan import Plan
from ..trace import Trace
from .emit import _count, _emit
from .layout import _apply_trace, _detailed, _summary
from .scene import _flow_label
from .style import (
    AGGREGATE_AT,
    FADED,
    FADED_TEXT,
    FORMATS,
    MARK_COLOR,
    MAX_DESC_FLOWS,
    MAX_DNS_LINES,
    MAX_NODES,
    MAX_SUMMARY_NODES,
    RENDER_TIMEOUT,
    STAGE_LOOK,
    TRACE_EXTRA_COLOR,
    _clean,
)

__all__ = [
    "FADED",
    "FADED_TEXT",
    "MARK_COLOR",
    "RENDER_TIMEOUT",
    "STAGE_LOOK",
    "TRACE_EXTRA_COLOR",
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


class DiagramError(RuntimeError):
    """The diagram could not be rendered: `dot` is missing, failed or took too long."""


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
