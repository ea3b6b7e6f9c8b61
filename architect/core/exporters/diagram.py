"""diagram.svg: the plan drawn by Graphviz (CONTRACT §4).

An export never fails because of the drawing: when `dot` is missing, fails or
runs out of time, the bundle still gets a valid SVG that says so.
"""

from __future__ import annotations

import logging

from .. import diagram
from . import Exporter, register

logger = logging.getLogger(__name__)


@register
class DiagramFile(Exporter):
    name = "diagram"

    def files(self, design, plan):
        try:
            text = diagram.svg_text_or_fallback(plan)
        except Exception as exc:  # a drawing bug must not cost the person their bundle
            logger.exception("diagram.svg could not be built")
            text = diagram.fallback_svg(f"internal error ({type(exc).__name__})", plan.design)
        yield "diagram.svg", text
