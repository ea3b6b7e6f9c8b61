"""Check what is deployed: run a live check of a design's domain and show the result."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from architect import live
from architect.core import design as core_design
from architect.core.live.report import MARKS, WORDS

from ..access import owned_or_404, session_key
from . import see_other


def _visitor(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"session:{session_key(request) or request.META.get('REMOTE_ADDR', '')}"


@require_http_methods(["GET", "POST"])
def live_check(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the last check and what changed since the one before; POST: run a new one."""
    design = owned_or_404(request, pk)
    if request.method == "POST":
        try:
            live.run(design, _visitor(request))
        except live.Busy as exc:
            return _page(request, design, refused=str(exc), status=429)
        except core_design.DesignError:
            return _page(
                request,
                design,
                refused="This design no longer passes validation; fix it before checking.",
                status=409,
            )
        return see_other(reverse("designs:live", args=[design.pk]) + "#result")
    return _page(request, design)


def _page(request, design, refused: str = "", status: int = 200) -> HttpResponse:
    checks = list(design.live_checks.all()[:2])
    latest = checks[0] if checks else None
    previous = checks[1] if len(checks) > 1 else None
    rows = []
    if latest is not None:
        for r in latest.report.get("rows", ()):
            rows.append({**r, "mark": MARKS[r["status"]], "words": WORDS[r["status"]]})
    context = {
        "design": design,
        "latest": latest,
        "previous": previous,
        "rows": rows,
        "changes": live.changes(latest.report, previous.report if previous else None)
        if latest
        else [],
        "refused": refused,
        "allow_private": live.options().allow_private,
    }
    response = render(request, "designs/live.html", context, status=status)
    if status == 429:
        response["Retry-After"] = "60"
    return response
