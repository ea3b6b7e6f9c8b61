"""Ways a design begins: a new one with a guided first step, an import, a copy of an
example, or a duplicate of one of your own."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from architect.core import design as core_design

from .. import access, quota, starter
from ..forms import ImportForm, StartForm
from . import see_other

NAME_CHARS = core_design.LIMITS["name_chars"]


def _to_designer(design) -> HttpResponse:
    return see_other(reverse("designs:detail", args=[design.pk]))


@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """POST makes a design and goes to the guided first step; GET offers the button."""
    if request.method == "GET":
        return render(request, "designs/new.html")
    design = access.new_design(request)
    design.commit(starter.blank(), "Started a new design.")
    return see_other(reverse("designs:start", args=[design.pk]))


def _start_problems(form: StartForm, problems: list[core_design.Problem]) -> None:
    fields = {"domains[0].name": "domain", "hosts[0].addresses[0]": "address"}
    for problem in problems:
        field = fields.get(problem.path)
        form.add_error(field, problem.message if field else str(problem))


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """Three questions that build a sensible first design, then the designer."""
    design = access.owned_or_404(request, pk)
    if request.method == "GET":
        return render(request, "designs/start.html", {"design": design, "form": StartForm()})
    form = StartForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        document = starter.first_design(d["domain"], d["where"], d["address"], d["who"])
        try:
            design.commit(document, "Built a first design from the guided start.")
        except core_design.DesignError as exc:
            _start_problems(form, exc.problems)
        else:
            return _to_designer(design)
    return render(request, "designs/start.html", {"design": design, "form": form}, status=422)


@require_http_methods(["GET", "POST"])
def import_design(request: HttpRequest) -> HttpResponse:
    """Import a design file; on failure the form again (400) with every problem and its path."""
    if request.method == "GET":
        return render(request, "designs/import.html", {"form": ImportForm()})
    form = ImportForm(request.POST, request.FILES)
    problems: list[core_design.Problem] = []
    status = 400
    if form.is_valid():
        upload = form.cleaned_data["design"]
        limit = core_design.LIMITS["json_bytes"]
        if upload.size > limit:
            problems = [core_design.Problem("", f"file is larger than {limit} bytes")]
        else:
            try:
                loaded = core_design.loads(upload.read(limit + 1))
            except core_design.DesignError as exc:
                problems = exc.problems
            else:
                design = access.new_design(request)
                try:
                    design.commit(core_design.dump(loaded), f"Imported {upload.name[:80]}.")
                except quota.OverQuota as exc:
                    problems = [core_design.Problem("", f"{exc.message} {exc.advice}")]
                    status = quota.OverQuota.status
                else:
                    return _to_designer(design)
    context = {"form": form, "problems": problems}
    return render(request, "designs/import.html", context, status=status)


@require_POST
def copy_example(request: HttpRequest, slug: str) -> HttpResponse:
    source = access.source_or_404(request, slug=slug)
    design = access.new_design(request)
    design.commit(source.document, f"Copied the example “{source.title}”.")
    return _to_designer(design)


@require_POST
def duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    original = access.owned_or_404(request, pk)
    document = dict(original.document)
    document["name"] = f"Copy of {original.name}"[:NAME_CHARS]
    design = access.new_design(request)
    try:
        design.commit(document, f"Duplicated “{original.name}”.")
    except core_design.DesignError:
        # Stored under older rules and no longer valid: nothing to copy until it is fixed.
        messages.error(request, "This design is not valid as it stands, so it was not copied.")
        return _to_designer(original)
    return _to_designer(design)
