"""Rendered diagrams, cached by the hash of their DOT source.

The same DOT text always renders to the same picture, so the cache key is the
format and a SHA-256 of the source: an unchanged diagram is never rendered
twice, whichever page, design or share link asks for it, and a changed design
simply asks for a new key (nothing to invalidate). With a shared cache
(DJANGO_CACHE_URL) every app server benefits from one rendering.

Failures are cached briefly too, so a diagram that times out does not tie up a
worker for the full time limit on every page view.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache

from architect.core import diagram
from architect.core.diagram import DiagramError
from architect.core.plan import Plan

logger = logging.getLogger(__name__)

# Content-addressed entries never go stale; the limit only frees space.
CACHE_SECONDS = 7 * 24 * 3600
# Long enough to spare a worker during a burst of views, short enough that
# installing Graphviz or a transient failure heals by itself.
FAILURE_SECONDS = 60


def cache_key(source: str, fmt: str) -> str:
    """The cache key of a rendering: ``diagram:<fmt>:<sha256 of the DOT source>``."""
    return "diagram:" + fmt + ":" + hashlib.sha256(source.encode("utf-8")).hexdigest()


def render_cached(source: str, fmt: str) -> bytes:
    """``diagram.render(source, fmt)``, once per distinct source; raise DiagramError."""
    key = cache_key(source, fmt)
    data = cache.get(key)
    if data is not None:
        return data
    failed = cache.get(key + ":failed")
    if failed is not None:
        raise DiagramError(failed)
    try:
        data = diagram.render(source, fmt)
    except DiagramError as exc:
        logger.warning("diagram not rendered: %s", exc)
        cache.set(key + ":failed", str(exc), FAILURE_SECONDS)
        raise
    cache.set(key, data, CACHE_SECONDS)
    return data


def diagram_or_none(plan: Plan, fmt: str, **kw) -> tuple[bytes | None, str | None]:
    """The plan's diagram as ``(bytes, None)``, or ``(None, why)`` when it cannot be drawn.

    ``kw`` goes to ``diagram.build`` (``trace``, ``link``). Pages show the plan as
    text with the message instead of failing; an SVG carries its accessible
    title and description.
    """
    source = diagram.dot_source(plan, **kw)
    try:
        data = render_cached(source, fmt)
    except DiagramError as exc:
        return None, f"The diagram could not be drawn: {exc}."
    if fmt == "svg":
        data = diagram.with_title(data, *diagram.describe(plan, kw.get("trace")))
    return data, None
