"""Undo, redo, the history of a design, and what changed in one revision, in words."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from architect.core import design as core_design
from architect.core.planner import plan as make_plan

from .. import diff
from ..access import owned_or_404
from ..models import Revision
from . import see_other
from .editor import changed


@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    design = owned_or_404(request, pk)
    undone = design.undo()
    message = f"Undone: {undone.summary}" if undone else "Nothing to undo."
    return changed(request, design, message, anchor="top", focus="undo")


@require_POST
def redo(request: HttpRequest, pk: int) -> HttpResponse:
    design = owned_or_404(request, pk)
    redone = design.redo()
    message = f"Redone: {redone.summary}" if redone else "Nothing to redo."
    return changed(request, design, message, anchor="top", focus="redo")


@require_GET
def history(request: HttpRequest, pk: int) -> HttpResponse:
    design = owned_or_404(request, pk)
    revisions = design.revisions.order_by("-number")
    return render(request, "designs/history.html", {"design": design, "revisions": revisions})


def _plan_or_none(document):
    try:
        return make_plan(core_design.load(document))
    except core_design.DesignError:
        return None


@require_GET
def revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """What revision ``number`` changed, compared with the revision before it."""
    design = owned_or_404(request, pk)
    try:
        current = design.revisions.get(number=number)
    except Revision.DoesNotExist:
        raise Http404("no such revision") from None
    before = design.revisions.filter(number__lt=number).order_by("-number").first()
    design_lines: list[str] = []
    plan_lines: list[str] = []
    if before is not None:
        design_lines = diff.design_changes(before.document, current.document)
        old_plan, new_plan = _plan_or_none(before.document), _plan_or_none(current.document)
        if old_plan is not None and new_plan is not None:
            plan_lines = diff.plan_changes(old_plan, new_plan)
    return render(
        request,
        "designs/revision.html",
        {
            "design": design,
            "revision": current,
            "before": before,
            "design_lines": design_lines,
            "plan_lines": plan_lines,
        },
    )


@require_POST
def restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Make an earlier revision's document the current one, as a new revision."""
    design = owned_or_404(request, pk)
    try:
        old = design.revisions.get(number=number)
    except Revision.DoesNotExist:
        raise Http404("no such revision") from None
    try:
        saved = design.commit(old.document, f"Went back to: {old.summary}")
    except core_design.DesignError:
        messages.error(request, "That version no longer passes the checks, so it was not restored.")
        return see_other(reverse("designs:history", args=[pk]))
    message = f"Went back to: {old.summary}" if saved else "That version is the current one."
    return changed(request, design, message, anchor="top")
