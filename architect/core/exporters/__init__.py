"""Exporters: one module per output format, one registry.

Each exporter turns a plan (and the design it came from) into files of the
export bundle (CONTRACT §4). ``bundle`` asks every registered exporter for
its files; the command line, the web download and the tests all use it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from .. import design as design_model
from .. import plan as plan_model
from ..design import Design
from ..plan import Plan


class Exporter:
    """Base of every exporter: ``files`` yields (relative path, text) pairs.

    An exporter that describes the other files (the bundle's README) sets
    ``needs_bundle``: ``bundle`` runs it after all the others and passes the
    files so far as ``files(design, plan, bundle=...)``.
    """

    name = ""
    needs_bundle = False

    def files(self, design: Design, plan: Plan) -> Iterable[tuple[str, str]]:
        raise NotImplementedError


REGISTRY: list[Exporter] = []


def register(cls: type[Exporter]) -> type[Exporter]:
    REGISTRY.append(cls())
    return cls


@register
class DesignFile(Exporter):
    name = "design"

    def files(self, design, plan):
        yield "design.json", design_model.dumps(design)


@register
class PlanFile(Exporter):
    name = "plan"

    def files(self, design, plan):
        yield "plan.json", plan_model.dumps(plan)


def bundle(design: Design, plan: Plan) -> dict[str, str]:
    """Every file of the export bundle, by path, in a stable order."""
    out: dict[str, str] = {}
    # sorted() is stable: registration order holds within each group.
    for exporter in sorted(REGISTRY, key=lambda e: e.needs_bundle):
        extra = {"bundle": dict(sorted(out.items()))} if exporter.needs_bundle else {}
        for path, text in exporter.files(design, plan, **extra):
            if path in out:
                raise ValueError(f"two exporters write {path}")
            out[path] = text
    return dict(sorted(out.items()))


# Each exporter module registers itself on import; importing them all here
# means adding a format is adding a module, with no list to keep in step.
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
