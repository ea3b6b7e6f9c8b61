"""Read-only share links: /s/<token>/, which the owner creates and revokes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ..access import owned_or_404, source_or_404
from .editor import changed, readonly_context


@require_POST
def create(request: HttpRequest, pk: int) -> HttpResponse:
    design = owned_or_404(request, pk)
    design.share()
    return changed(
        request,
        design,
        "Made a read-only link. Anyone who has it can see this design, not change it.",
        anchor="share",
        focus="share-link",
    )


@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    design = owned_or_404(request, pk)
    design.unshare()
    return changed(
        request, design, "Turned the link off: it no longer opens this design.", anchor="share"
    )


@require_GET
def detail(request: HttpRequest, token: str) -> HttpResponse:
    source = source_or_404(request, token=token)
    # The plan panel and details come from the cache once made (editor.readonly_context).
    context = readonly_context(source)
    response = render(request, "designs/shared.html", context)
    # A link is for the people it was given to: not for search engines or shared caches.
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response
