"""Follow one message through a design's plan: a page, an htmx partial, or JSON (CONTRACT §3).

GET .../trace?from=<client or internet>&to=<address>. Without both, the page offers the form.
A sender or address that makes no sense answers 400 with the reason, as a page or as
``{"error": ...}`` to a client that prefers JSON.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from architect.core import trace as trace_model

from ..access import source_or_404
from ..diagrams import diagram, inline_svg
from .editor import plan_context

MAX_FIELD = 320  # an address is at most 254 characters; anything longer is not one


def _wants_json(request: HttpRequest) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


@require_GET
@vary_on_headers("Accept", "HX-Request")
def trace_view(request: HttpRequest, **key: Any) -> HttpResponse:
    source = source_or_404(request, **key)
    analysis = source.analysis
    sender = request.GET.get("from", "")
    recipient = request.GET.get("to", "")
    asked = "from" in request.GET or "to" in request.GET
    wants_json = _wants_json(request)

    error = ""
    result = None
    if not analysis.ok:
        error = "This design is not valid, so no message can be traced through it."
    elif asked or wants_json:
        if not sender or not recipient:
            error = "Give both a sender (from: a client or internet) and an address (to)."
        elif len(sender) > MAX_FIELD or len(recipient) > MAX_FIELD:
            error = "That is too long to be a client name or an address (at most 254 characters)."
            sender, recipient = sender[:MAX_FIELD], recipient[:MAX_FIELD]
        else:
            try:
                result = trace_model.trace(analysis.plan, sender, recipient)
            except trace_model.TraceError as exc:
                error = str(exc)

    status = 400 if error and (asked or wants_json) else 200
    if not analysis.ok:
        status = 409
    if wants_json:
        if error:
            return JsonResponse({"error": error}, status=status)
        return HttpResponse(trace_model.dumps(result), content_type="application/json")

    # The page shows the trace's own diagram, not the plan's: that one is not drawn.
    context = plan_context(source, with_diagram=False) if not request.htmx else {"source": source}
    context.update(
        {
            "analysis": analysis,
            "sender": sender,
            "recipient": recipient,
            "error": error,
            "result": result,
            "trace_svg": None,
            "trace_diagram_error": None,
        }
    )
    if analysis.ok:
        context.setdefault("senders", analysis.senders)
    if result is not None:
        data, diagram_error = diagram(analysis.plan, "svg", trace=result)
        context["trace_svg"] = inline_svg(data, id_prefix="trace-") if data else None
        context["trace_diagram_error"] = diagram_error
    template = "designs/trace.html#result" if request.htmx else "designs/trace.html"
    return render(request, template, context, status=status)
