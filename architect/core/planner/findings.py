"""Stage 9: the design's remaining mistakes and risks.

Stages record the findings they meet on the way; this stage looks at the
finished plan for the pitfalls that only show in the whole. Each pitfall is a
rule of its own in ``core/rules/`` (a code, a severity, its explanation and
examples); this stage runs every rule's check.
"""

from __future__ import annotations

# The module, not its names: core/rules imports the planner's context, so a name
# imported here at load time might not exist yet.
from .. import rules
from .context import Context


def plan_findings(ctx: Context) -> None:
    """Run every rule of the catalogue that checks the finished plan."""
    rules.run_checks(ctx)
