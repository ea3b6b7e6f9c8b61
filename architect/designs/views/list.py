"""The visitor's designs, and deleting one (after asking)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ..access import owned, owned_or_404
from ..analysis import count_words
from ..forms import ImportForm
from . import see_other


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    designs = [
        {
            "design": d,
            "summary": count_words(
                d.stats.get("errors", 0), d.stats.get("warnings", 0), d.stats.get("notes", 0)
            ),
        }
        for d in owned(request).only("id", "name", "updated", "stats")
    ]
    return render(request, "designs/list.html", {"designs": designs, "import_form": ImportForm()})


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks "are you sure?"; POST deletes the design and all its revisions."""
    design = owned_or_404(request, pk)
    if request.method == "GET":
        return render(request, "designs/delete.html", {"design": design})
    name = design.name
    design.delete()
    messages.success(request, f"Deleted the design “{name}”.")
    return see_other(reverse("designs:index"))
