"""The diagram of a plan, through the site's diagram cache, never failing a page.

The cache (architect/web/diagram_cache.py) bounds and memoises the ``dot`` runs. When it or
Graphviz is not there, or drawing fails, a page shows the plan in words with a notice instead
of an error: these helpers return ``(None, reason)`` and log what went wrong.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from architect.core.plan import Plan
from architect.core.trace import Trace

log = logging.getLogger(__name__)

UNAVAILABLE = "Diagrams are not available on this server yet."
FAILED = "The diagram could not be drawn."


def diagram(
    plan: Plan,
    fmt: str,
    trace: Trace | None = None,
    link: Callable[[str, str], str] | None = None,
) -> tuple[bytes | None, str | None]:
    """``(data, None)`` for an SVG or PNG of the plan, or ``(None, why not)``."""
    try:
        from architect.web import diagram_cache
    except ImportError:
        return None, UNAVAILABLE
    try:
        data, error = diagram_cache.diagram_or_none(plan, fmt, trace=trace, link=link)
    except Exception:
        log.exception("drawing the diagram of %r failed", plan.design)
        return None, FAILED
    if data is None:
        return None, str(error or FAILED)
    return data, None


def dot_source(
    plan: Plan,
    trace: Trace | None = None,
    link: Callable[[str, str], str] | None = None,
) -> tuple[str | None, str | None]:
    """``(DOT text, None)``, or ``(None, why not)``."""
    try:
        from architect.core import diagram as core_diagram
    except ImportError:
        return None, UNAVAILABLE
    try:
        return core_diagram.dot_source(plan, trace=trace, link=link), None
    except Exception:
        log.exception("building the DOT source of %r failed", plan.design)
        return None, FAILED


_PROLOGUE = re.compile(rb"^.*?(?=<svg\b)", re.DOTALL)
_ID = re.compile(r'(\s)id="')


def inline_svg(data: bytes, id_prefix: str = "") -> str:
    """SVG bytes from ``dot`` as markup to put inside a page: no XML prologue or DOCTYPE.

    ``dot`` numbers its elements the same way in every drawing (graph0, node1, ...), so a
    second diagram on the same page gets ``id_prefix`` to keep ids unique.
    """
    text = _PROLOGUE.sub(b"", data, count=1).decode("utf-8", "replace")
    return _ID.sub(rf'\1id="{id_prefix}', text) if id_prefix else text
