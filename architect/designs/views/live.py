"""Check what is deployed: start a live check of a design's domain, follow it, show it.

The POST only starts the check (architect.live runs it in a thread) and sends the browser
to the page, which shows the progress while it runs: htmx polls the progress region, and
without JavaScript a meta refresh (and a reload link) does the same. Once the check is
done the page shows the stored result.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from architect import live
from architect.core import design as core_design
from architect.core.live.report import MARKS, WORDS

from ..access import owned_or_404, session_key
from ..models import LiveCheck
from . import see_other

POLL_SECONDS = 1  # htmx polls this often; the meta refresh without JavaScript every 2 s


def _visitor(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"session:{session_key(request) or request.META.get('REMOTE_ADDR', '')}"


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def live_check(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the running check's progress, or the last result and what changed since the
    one before; POST: start a new check."""
    design = owned_or_404(request, pk)
    url = reverse("designs:live", args=[design.pk])
    if request.method == "POST":
        try:
            live.start(design, _visitor(request))
        except live.Busy as exc:
            return _page(request, design, refused=str(exc), status=429)
        except core_design.DesignError:
            return _page(
                request,
                design,
                refused="This design no longer passes validation; fix it before checking.",
                status=409,
            )
        return see_other(url + "#progress")
    live.settle(design)
    running = design.live_checks.filter(state=LiveCheck.RUNNING).first()
    if request.htmx and request.GET.get("part") == "progress":
        if running is None:
            # Done (or failed): the whole page shows the stored result.
            return HttpResponseClientRefresh()
        return render(request, "designs/live.html#progress", _progress(design, running))
    return _page(request, design, running=running)


def _progress(design, running) -> dict:
    return {"design": design, "running": running, "poll_seconds": POLL_SECONDS}


def _page(request, design, refused: str = "", status: int = 200, running=None) -> HttpResponse:
    finished = design.live_checks.exclude(state=LiveCheck.RUNNING)
    checks = list(finished.filter(state=LiveCheck.DONE)[:2])
    latest = checks[0] if checks else None
    previous = checks[1] if len(checks) > 1 else None
    last = finished.first()
    failed = last if last is not None and last.state == LiveCheck.FAILED else None
    rows = []
    if latest is not None:
        for r in latest.report.get("rows", ()):
            rows.append({**r, "mark": MARKS[r["status"]], "words": WORDS[r["status"]]})
    context = {
        **_progress(design, running),
        "latest": latest,
        "previous": previous,
        "failed": failed,
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
