"""/learn/findings/: the catalogue of the planner's rules, one page per finding code.

Every page is generated from the registry in ``core/rules/``: what the rule catches and
why, its sources, how to fix it, and its triggering example planned and drawn by the same
pipeline as the tutorial's figures. A button copies the example into the visitor's own
designs and opens it in the designer, as an example design's page does. The pages are the
same for every visitor, so they are kept ready like the tutorial's (web/shared_pages.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_POST

from architect.core import design as core_design
from architect.core import rules
from architect.core.plan import Finding, Plan
from architect.core.planner import plan as make_plan
from architect.designs import access
from architect.designs.views import see_other
from architect.web.shared_pages import same_for_everyone

from .views import _draw, _inline_svg

SEVERITY_WORDS = {"error": "Error", "warning": "Warning", "info": "Note"}
# The two designs a rule carries, by the name they have in addresses and forms.
WHICH = {"example": "example", "counter-example": "counter_example"}


@dataclass(frozen=True)
class ExampleView:
    """One of a rule's designs, planned: what its page shows of it."""

    which: str
    title: str
    plan: Plan
    findings: list[Finding]
    svg: SafeString | None
    error: str | None


def _rule_or_404(code: str) -> rules.Rule:
    rule = rules.get(code)
    if rule is None:
        raise Http404(f"no rule {code}")
    return rule


@lru_cache(maxsize=128)
def _plan(code: str, which: str) -> Plan:
    """The plan of a rule's example; the registry never changes while the server runs."""
    return make_plan(core_design.load(getattr(rules.get(code), WHICH[which])))


def _example(rule: rules.Rule, which: str, *, draw: bool) -> ExampleView | None:
    if getattr(rule, WHICH[which]) is None:
        return None
    plan = _plan(rule.code, which)
    svg = error = None
    if draw:
        data, error = _draw(plan, None)
        svg = _inline_svg(data, prefix=f"figure-{which}-") if data else None
        if data and svg is None:
            error = "The drawing did not contain an SVG image."
    found = [f for f in plan.findings if f.code == rule.code]
    return ExampleView(which, plan.design, plan, found, svg, error)


@same_for_everyone
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    groups = [
        (
            severity,
            SEVERITY_WORDS[severity],
            [r for r in rules.all_rules() if r.severity == severity],
        )
        for severity in rules.SEVERITIES
    ]
    context = {"groups": groups, "total": len(rules.RULES)}
    return render(request, "learn/findings/index.html", context)


@same_for_everyone
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    rule = rules.get(code)
    if rule is None:
        context = {"code": code, "rules": rules.all_rules()}
        return render(request, "learn/findings/not_found.html", context, status=404)
    context = {
        "rule": rule,
        "severity_word": SEVERITY_WORDS[rule.severity],
        "example": _example(rule, "example", draw=True),
        "counter": _example(rule, "counter-example", draw=False),
    }
    return render(request, "learn/findings/detail.html", context)


@same_for_everyone
@require_GET
def design_json(request: HttpRequest, code: str, which: str) -> HttpResponse:
    """A rule's example as a design file, to download or import elsewhere."""
    rule = _rule_or_404(code)
    document = getattr(rule, WHICH.get(which, ""), None)
    if document is None:
        raise Http404(f"rule {code} has no {which}")
    response = JsonResponse(document, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{code}-{which}.json"'
    return response


@require_POST
def open_example(request: HttpRequest, code: str) -> HttpResponse:
    """Copy one of a rule's designs into the visitor's designs and open it in the designer."""
    rule = _rule_or_404(code)
    which = request.POST.get("which", "example")
    document = getattr(rule, WHICH.get(which, ""), None)
    if document is None:
        raise Http404(f"rule {code} has no {which}")
    design = access.new_design(request)
    loaded = core_design.load(document)
    design.commit(core_design.dump(loaded), f"Opened the {which} of the rule {code}.")
    return see_other(reverse("designs:detail", args=[design.pk]))
