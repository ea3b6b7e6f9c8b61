"""The example designs: public and read-only, each with a button that copies it."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from architect import examples

from ..access import source_or_404
from ..analysis import Analysis
from .editor import plan_context


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    gallery = []
    for slug, topology in examples.TOPOLOGIES.items():
        document = json.loads(examples.text(slug))
        analysis = Analysis(document)
        gallery.append(
            {
                "slug": slug,
                "topology": topology,
                "name": document.get("name", slug),
                "description": document.get("description", ""),
                "counts": {part: len(document.get(part) or []) for part in ("hosts", "clients")},
                "summary": analysis.findings_summary if analysis.ok else "",
            }
        )
    return render(request, "examples/index.html", {"examples": gallery})


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    source = source_or_404(request, slug=slug)
    context = plan_context(source)
    context["topology"] = examples.TOPOLOGIES[slug]
    context["slug"] = slug
    return render(request, "examples/detail.html", context)
