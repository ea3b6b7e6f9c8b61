"""The designer page, and adding, editing and removing the parts of a design in place.

Every change is checked as a whole design: the form's item is put into a copy of the
document, ``Design.commit`` loads it with ``core.design.load``, and each problem found is put
back beside the field it is about. With htmx a save answers with the parts column plus
out-of-band swaps of the plan panel, the details and the toolbar, and a ``design-changed``
event; without JavaScript it redirects to the designer (POST, redirect, GET).

Forms with errors answer 422, with or without htmx (static/js/designer.js lets htmx swap
422 answers in).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget, trigger_client_event

from architect.core import design as core_design

from .. import analysis as analyses
from .. import parts
from ..access import Source, owned_or_404
from ..analysis import SHOWN_ITEMS
from ..diagrams import diagram, inline_svg
from ..forms import PART_FORMS, PolicyForm, SettingsForm
from ..models import Design
from . import files, see_other

log = logging.getLogger(__name__)

PART_TEXT = {
    "domains": (
        "Domains",
        "The names after the @ in your addresses.",
        "Add a domain",
    ),
    "networks": (
        "Networks",
        "Where things sit: on the internet, in a DMZ, on an internal network, or out and "
        "about (remote).",
        "Add a network",
    ),
    "hosts": (
        "Hosts",
        "Your servers and the machines that send mail. The planner decides which one is the "
        "MX, which stores mailboxes and which relays.",
        "Add a host",
    ),
    "clients": (
        "Clients",
        "The programs and devices that send and read mail: mail programs, phones, printers, "
        "scripts.",
        "Add a client",
    ),
    "providers": (
        "Providers",
        "Services outside your organisation: a smarthost, a filter, a backup MX, mailbox hosting.",
        "Add a provider",
    ),
}


def _part_or_404(part: str) -> str:
    if part not in PART_FORMS:
        raise Http404("no such part of a design")
    return part


def _index_or_404(document: dict[str, Any], part: str, name: str) -> int:
    index = parts.find(document, part, name)
    if index is None:
        raise Http404("no such item in this design")
    return index


# -- what the page shows --------------------------------------------------------------


def _facts(part: str, item: dict[str, Any], roles: dict[str, tuple[str, ...]]) -> str:
    if part == "domains":
        facts = ["receives mail" if item.get("receives_mail", True) else "sends only"]
        if item.get("alias_of"):
            facts.append(f"alias of {item['alias_of']}")
        if item.get("mailbox_host"):
            facts.append(f"mailboxes on {item['mailbox_host']}")
        return ", ".join(facts)
    if part == "networks":
        cidrs = ", ".join(item.get("cidrs") or [])
        return f"{item.get('zone', '')}{': ' + cidrs if cidrs else ''}"
    if part == "hosts":
        facts = [f"on {item.get('network', '')}", item.get("mta", "postfix")]
        host_roles = roles.get(str(item.get("name")))
        if host_roles:
            facts.append("roles: " + ", ".join(host_roles))
        elif host_roles is not None:
            facts.append("no mail role yet")
        return ", ".join(facts)
    if part == "clients":
        where = item.get("network") or item.get("host") or ""
        return f"{item.get('count', 1)} × {item.get('kind', '')}, {where}"
    if part == "providers":
        return f"{str(item.get('kind', '')).replace('_', ' ')}, {item.get('host', '')}"
    return ""


def _policy_facts(policy: dict[str, Any]) -> str:
    return (
        f"DMARC {policy.get('dmarc', 'quarantine')}, MTA-STS {policy.get('mta_sts', 'testing')}, "
        f"DKIM {'on' if policy.get('dkim', True) else 'off'}"
        + (", backup MX wanted" if policy.get("backup_mx") else "")
        + (f", reports to {policy['reports_to']}" if policy.get("reports_to") else "")
    )


def part_lists(
    design: Design,
    source: Source,
    errors: dict[tuple[str, str], str] | None = None,
    roles: dict[str, tuple[str, ...]] | None = None,
) -> list[dict[str, Any]]:
    """The left column: each part's items with their facts and addresses.

    ``roles`` (host name to roles) when the caller has them, else from the plan.
    """
    if roles is None:
        analysis = source.analysis
        roles = {h.name: h.roles for h in analysis.plan.hosts} if analysis.ok else {}
    errors = errors or {}
    out = []
    for part, (title, help_text, add_label) in PART_TEXT.items():
        entries = []
        everything = parts.items(design.document, part)
        for i, item in enumerate(everything[:SHOWN_ITEMS]):
            name = str(item.get("name", ""))
            entries.append(
                {
                    "name": name,
                    "facts": _facts(part, item, roles),
                    "dom_id": f"{part}-{i}",
                    "edit_url": reverse("designs:part_edit", args=[design.pk, part, name]),
                    "remove_url": reverse("designs:part_remove", args=[design.pk, part, name]),
                    "error": errors.get((part, name), ""),
                }
            )
        out.append(
            {
                "key": part,
                "title": title,
                "singular": parts.SINGULAR[part],
                "help": help_text,
                "add_label": add_label,
                "add_url": reverse("designs:part_add", args=[design.pk, part]),
                "items": entries,
                "count": len(everything),
                "more": max(0, len(everything) - SHOWN_ITEMS),
            }
        )
    return out


def node_link(design: Design):
    """Links from the diagram's nodes to the forms that edit them."""
    document = design.document
    part_of = {"host": "hosts", "client": "clients", "network": "networks"}
    # The names of each part, gathered once: the diagram of a design at the limits asks
    # for 6,000 links, and a scan of the document per link cost seconds.
    names = {
        part: {
            item["name"]
            for item in parts.items(document, part)
            if isinstance(item, dict) and isinstance(item.get("name"), str)
        }
        for part in part_of.values()
    }

    def link(kind: str, name: str) -> str:
        part = part_of.get(kind)
        if part and name in names[part]:
            return reverse("designs:part_edit", args=[design.pk, part, name])
        return reverse("designs:detail", args=[design.pk]) + "#parts"

    return link


def plan_context(source: Source, *, link=None, with_diagram: bool = True) -> dict[str, Any]:
    """What the plan panel and the details show, for any source (own, shared, example).

    ``with_diagram=False`` for a page that shows no plan diagram (the trace page): drawing
    one is most of the work for a large design.
    """
    analysis = source.analysis
    context: dict[str, Any] = {
        "source": source,
        "analysis": analysis,
        "links": {
            name: source.url(name)
            for name in (
                "design_json",
                "plan_json",
                "diagram_svg",
                "diagram_png",
                "diagram_dot",
                "export_zip",
                "trace",
            )
        },
        "svg": None,
        "diagram_error": None,
    }
    if analysis.ok:
        if with_diagram:
            data, error = diagram(analysis.plan, "svg", link=link)
            context["svg"] = inline_svg(data) if data else None
            context["diagram_error"] = error
        context["senders"] = analysis.senders
        first = analysis.design.domains[0].name if analysis.design.domains else "example.org"
        context["suggested_to"] = f"someone@{first}"
    return context


def _designer_source(design: Design) -> Source:
    return Source(design.document, "designs", {"pk": design.pk}, design.name, design, True)


# -- the plan panel and details of a large design, made once per content ---------------
#
# The plan panel and the details are most of the designer's work: the design loaded and
# planned, the diagram's DOT built and drawn, a few MB of HTML. For the designer's plain
# view (no status line, no errors) they are rendered once per document, code and
# templates and kept in the shared cache, as the design's files are. A large design
# (over BUNDLE_BACKGROUND_BYTES) that this app server has not loaded yet is planned off
# the request: the page shows its parts at once and a "Planning..." notice in the plan
# panel, which fills in when the work is done (htmx polls; without JavaScript the page
# refreshes).

PLANNING_POLL_SECONDS = 2


@functools.cache
def page_version() -> str:
    """A digest of what renders the designer besides ``architect.core``: views and templates."""
    root = Path(__file__).resolve().parents[1]
    templates = Path(settings.BASE_DIR) / "templates" / "designs"
    digest = hashlib.sha256()
    for path in sorted([*root.rglob("*.py"), *templates.glob("*.html")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def fragments_key(source: Source) -> str:
    """``designer:<code>:<document>:<page code>:<where>``: a source's plan panel and details.

    ``<where>`` stands for the address of the source (a design's id, a share token), since
    the panel's links lead there: hashed, so that no share token is written into a key.
    """
    base = files.content_key("designer", source.document, source.analysis.digest)
    address = source.namespace + ":" + ",".join(f"{k}={v}" for k, v in sorted(source.key.items()))
    where = hashlib.sha256(address.encode()).hexdigest()[:24]
    return f"{base}:{page_version()}:{where}"


def render_fragments(source: Source, link=None) -> dict[str, Any]:
    """The plan panel, the details (HTML) and the hosts' roles of a source's page."""
    context = plan_context(source, link=link)
    context["status"] = ""
    analysis = source.analysis
    return {
        "panel": render_to_string("designs/_plan.html#panel", context),
        "details": render_to_string("designs/_plan.html#details", context),
        "roles": {h.name: h.roles for h in analysis.plan.hosts} if analysis.ok else {},
        "keep": not context.get("diagram_error"),
    }


def _keep_fragments(key: str, fragments: dict[str, Any]) -> None:
    # Without its diagram a page is kept a minute only: long enough for the notice that
    # waits for it, short enough that a dot back at work draws it soon.
    seconds = files.BUNDLE_SECONDS if fragments["keep"] else files.BUNDLE_FAILURE_SECONDS
    try:
        cache.set(key, fragments, seconds)
    except Exception:
        log.warning("the designer of %s was not cached", key, exc_info=True)


def prepare_fragments(design: Design, key: str) -> None:
    """Plan a large design and render its designer fragments into the cache (a pool job)."""
    say = files.progress(key)
    try:
        source = _designer_source(design)
        say("Checking the design")
        if source.analysis.ok:
            say("Planning")
            source.analysis.plan  # noqa: B018
            say("Drawing the diagram and writing the page")
        _keep_fragments(key, render_fragments(source, node_link(design)))
    except Exception:  # noqa: BLE001 - shown on the page, never lost in the thread
        log.exception("planning %s off the request failed", key)
        cache.set(key + ":failed", True, files.BUNDLE_FAILURE_SECONDS)


def _fragments_or_planning(
    design: Design, source: Source
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """``(fragments, None)`` to show the page, or ``(None, planning)`` while they are made."""
    key = fragments_key(source)
    fragments = cache.get(key)
    if fragments is not None:
        return fragments, None
    # A job under way for it (the design is loaded here while the job renders): wait for it.
    mark = files.job_mark(key)
    entry = analyses.kept.get(source.analysis.digest)
    loaded = entry is not None and (entry.plan is not None or entry.design is None)
    large = source.analysis.size > files.background_bytes()
    if mark is None and large and not loaded and cache.get(key + ":failed") is None:
        mark = files.start_job(key, prepare_fragments, design, key)
    if mark is not None:
        planning = {**mark, "seconds": files.seconds_since(mark)}
        planning["poll"] = PLANNING_POLL_SECONDS
        return None, planning
    # Small, loaded here already, no builder free, or planning failed a moment ago: do
    # it in the request.
    fragments = render_fragments(source, node_link(design))
    _keep_fragments(key, fragments)
    return fragments, None


def readonly_context(source: Source) -> dict[str, Any]:
    """What a read-only page of a source shows (a share link): its fragments, cached."""
    key = fragments_key(source)
    fragments = cache.get(key)
    if fragments is None:
        fragments = render_fragments(source)
        _keep_fragments(key, fragments)
    return {
        "source": source,
        "links": {"export_zip": source.url("export_zip")},
        "panel_html": mark_safe(fragments["panel"]),  # noqa: S308 - our own render
        "details_html": mark_safe(fragments["details"]),  # noqa: S308
    }


def designer_context(
    request: HttpRequest,
    design: Design,
    *,
    errors: dict[tuple[str, str], str] | None = None,
    status: str = "",
    fragments: dict[str, Any] | None = None,
    planning: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the designer shows; with ``fragments`` (or while ``planning``) no plan is needed."""
    source = _designer_source(design)
    roles = None
    if fragments is not None or planning is not None:
        context = {"source": source, "analysis": source.analysis}
        if fragments is not None:
            context["panel_html"] = mark_safe(fragments["panel"])  # noqa: S308 - our render
            context["details_html"] = mark_safe(fragments["details"])  # noqa: S308
            roles = fragments["roles"]
        else:
            context["planning"] = planning
            roles = {}
    else:
        context = plan_context(source, link=node_link(design))
    context.update(
        {
            "design": design,
            "parts": part_lists(design, source, errors, roles),
            "policy": design.document.get("policy") or {},
            "policy_facts": _policy_facts(design.document.get("policy") or {}),
            "can_undo": design.can_undo(),
            "can_redo": design.can_redo(),
            "share_url": (
                request.build_absolute_uri(reverse("share:detail", args=[design.share_token]))
                if design.share_token
                else ""
            ),
            "status": status,
        }
    )
    return context


@require_GET
def designer(request: HttpRequest, pk: int) -> HttpResponse:
    design = owned_or_404(request, pk)
    fragments, planning = _fragments_or_planning(design, _designer_source(design))
    context = designer_context(request, design, fragments=fragments, planning=planning)
    return render(request, "designs/designer.html", context)


@require_GET
@vary_on_headers("HX-Request")
def parts_partial(request: HttpRequest, pk: int) -> HttpResponse:
    """The parts column alone (the Cancel of an in-place form); the designer without htmx."""
    design = owned_or_404(request, pk)
    if not request.htmx:
        return redirect(reverse("designs:detail", args=[pk]) + "#parts")
    return render(request, "designs/designer.html#parts", designer_context(request, design))


@require_GET
@vary_on_headers("HX-Request")
def panel_partial(request: HttpRequest, pk: int) -> HttpResponse:
    design = owned_or_404(request, pk)
    if not request.htmx:
        return redirect(reverse("designs:detail", args=[pk]) + "#result")
    if request.GET.get("waiting"):
        # The "Planning..." notice asking: its progress, or the panel and details once made.
        fragments, planning = _fragments_or_planning(design, _designer_source(design))
        context = designer_context(request, design, fragments=fragments, planning=planning)
        template = "designs/designer.html#planning" if planning else "designs/designer.html#planned"
        return render(request, template, context)
    return render(request, "designs/designer.html#panel", designer_context(request, design))


# -- answers after a change -----------------------------------------------------------


def changed(
    request: HttpRequest, design: Design, message: str, *, anchor: str = "parts", focus: str = ""
) -> HttpResponse:
    """The answer to an accepted change: partials and an event with htmx, else a redirect."""
    if not request.htmx:
        messages.success(request, message)
        return see_other(reverse("designs:detail", args=[design.pk]) + f"#{anchor}")
    context = designer_context(request, design, status=message)
    response = render(request, "designs/designer.html#changed", context)
    # "target": htmx fires the event on <body>; the element that asked may be swapped away.
    detail = {"message": message, "focus": focus, "target": "body"}
    return trigger_client_event(response, "design-changed", detail, after="settle")


def refused(
    request: HttpRequest, design: Design, errors: dict[tuple[str, str], str], message: str
) -> HttpResponse:
    """A change refused as a whole (removing what others use): say so beside the item."""
    context = designer_context(request, design, errors=errors, status=message)
    if request.htmx:
        response = render(request, "designs/designer.html#parts", context, status=422)
        detail = {"message": message, "target": "body"}
        return trigger_client_event(response, "design-refused", detail, after="settle")
    return render(request, "designs/designer.html", context, status=422)


def _form_response(
    request: HttpRequest, design: Design, form, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {"design": design, "form": form, **context}
    if request.htmx:
        response = render(request, "designs/part_page.html#form", context, status=status)
        if status != 200:
            # The form stays where it was, with the errors beside the fields.
            retarget(response, f"#{context['form_id']}")
            reswap(response, "outerHTML")
        return response
    return render(request, "designs/part_page.html", context, status=status)


def _save(
    request: HttpRequest,
    design: Design,
    form,
    document: dict[str, Any],
    index: int,
    fallback: str,
    context: dict[str, Any],
) -> HttpResponse:
    try:
        saved = design.commit(document, fallback)
    except core_design.DesignError as exc:
        form.add_problems(exc.problems, index)
        return _form_response(request, design, form, context, status=422)
    message = fallback if saved else "Nothing changed, so nothing was saved."
    return changed(
        request, design, message, anchor=context["anchor"], focus=context.get("focus", "")
    )


# -- parts ----------------------------------------------------------------------------


def _ids(context: dict[str, Any]) -> str:
    # Several forms can be open on the designer at once: each gets ids of its own.
    return context["form_id"] + "-%s"


def _part_context(design: Design, part: str, name: str | None, index: int | None) -> dict:
    singular = parts.SINGULAR[part]
    if name is None:
        action = reverse("designs:part_add", args=[design.pk, part])
        title, form_id = f"Add a {singular}", f"form-{part}-new"
    else:
        action = reverse("designs:part_edit", args=[design.pk, part, name])
        title, form_id = f"Edit {singular} {name}", f"form-{part}-{index}"
    return {
        "part": part,
        "title": title,
        "action": action,
        "form_id": form_id,
        "anchor": f"part-{part}",
        "submit": "Add" if name is None else "Save",
        "cancel": reverse("designs:detail", args=[design.pk]) + f"#part-{part}",
        "cancel_hx": reverse("designs:parts", args=[design.pk]),
        # The revision the form shows: a save from an older one is refused (_stale).
        "revision": design.position,
    }


def _stale(request: HttpRequest, design: Design) -> HttpResponse | None:
    """409 with what changed when the form was opened on an older revision (another tab)."""
    seen = request.POST.get("revision", "")
    if not seen.isdigit() or int(seen) == design.position:
        return None
    changes = list(
        design.revisions.filter(number__gt=int(seen), number__lte=design.position)
        .order_by("number")
        .values_list("summary", flat=True)
    ) or ["The design was moved to another revision (undo, redo or going back)."]
    context = {"pk": design.pk, "changes": changes}
    template = "designs/stale.html#notice" if request.htmx else "designs/stale.html"
    return render(request, template, context, status=409)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def part_add(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    design = owned_or_404(request, pk)
    part = _part_or_404(part)
    form_class = PART_FORMS[part]
    context = _part_context(design, part, None, None)
    ids = _ids(context)
    if request.method == "GET":
        form = form_class(document=design.document, auto_id=ids)
        return _form_response(request, design, form, context)
    if (refused := _stale(request, design)) is not None:
        return refused
    form = form_class(request.POST, document=design.document, auto_id=ids)
    if not form.is_valid():
        return _form_response(request, design, form, context, status=422)
    item = form.to_item()
    document, index = parts.with_item(design.document, part, None, item)
    context["focus"] = f"{part}-{index}"
    fallback = f"Added {parts.SINGULAR[part]} {item.get('name', '')}."
    return _save(request, design, form, document, index, fallback, context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def part_edit(request: HttpRequest, pk: int, part: str, name: str) -> HttpResponse:
    design = owned_or_404(request, pk)
    part = _part_or_404(part)
    index = _index_or_404(design.document, part, name)
    form_class = PART_FORMS[part]
    context = _part_context(design, part, name, index)
    ids = _ids(context)
    if request.method == "GET":
        item = parts.items(design.document, part)[index]
        initial = form_class.initial_from(item)
        form = form_class(initial=initial, document=design.document, auto_id=ids)
        return _form_response(request, design, form, context)
    if (refused := _stale(request, design)) is not None:
        return refused
    form = form_class(request.POST, document=design.document, auto_id=ids)
    if not form.is_valid():
        return _form_response(request, design, form, context, status=422)
    document, index = parts.with_item(design.document, part, index, form.to_item())
    context["focus"] = f"{part}-{index}"
    fallback = f"Changed {parts.SINGULAR[part]} {name}."
    return _save(request, design, form, document, index, fallback, context)


@require_POST
def part_remove(request: HttpRequest, pk: int, part: str, name: str) -> HttpResponse:
    design = owned_or_404(request, pk)
    part = _part_or_404(part)
    index = _index_or_404(design.document, part, name)
    singular = parts.SINGULAR[part]
    users = parts.dependents(design.document, part, name)
    if users:
        message = (
            f"{singular.capitalize()} {name} cannot be removed: it is used by "
            f"{_and(users)}. Change or remove those first."
        )
        return refused(request, design, {(part, name): message}, message)
    try:
        design.commit(
            parts.without_item(design.document, part, index), f"Removed {singular} {name}."
        )
    except core_design.DesignError as exc:
        reasons = "; ".join(p.message if not p.path else str(p) for p in exc.problems[:3])
        message = f"{singular.capitalize()} {name} cannot be removed: {reasons}."
        return refused(request, design, {(part, name): message}, message)
    return changed(request, design, f"Removed {singular} {name}.", anchor=f"part-{part}")


def _and(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# -- policy and the design's name -------------------------------------------------------


def _single_context(design: Design, key: str, title: str) -> dict[str, Any]:
    return {
        "part": key,
        "title": title,
        "action": reverse(f"designs:{key}", args=[design.pk]),
        "form_id": f"form-{key}",
        "anchor": f"part-{key}" if key == "policy" else "top",
        "submit": "Save",
        "cancel": reverse("designs:detail", args=[design.pk]),
        "cancel_hx": reverse("designs:parts", args=[design.pk]),
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    design = owned_or_404(request, pk)
    context = _single_context(design, "policy", "Edit the policy")
    current = design.document.get("policy") or {}
    ids = _ids(context)
    if request.method == "GET":
        initial = PolicyForm.initial_from(current)
        form = PolicyForm(initial=initial, document=design.document, auto_id=ids)
        return _form_response(request, design, form, context)
    form = PolicyForm(request.POST, document=design.document, auto_id=ids)
    if not form.is_valid():
        return _form_response(request, design, form, context, status=422)
    document = {**design.document, "policy": form.to_item()}
    context["focus"] = "policy-item"
    return _save(request, design, form, document, 0, "Changed the policy.", context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def settings_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename the design, or change its description."""
    design = owned_or_404(request, pk)
    context = _single_context(design, "settings", "Rename the design")
    context["cancel_hx"] = ""
    ids = _ids(context)
    if request.method == "GET":
        form = SettingsForm(initial=SettingsForm.initial_from(design.document), auto_id=ids)
        return _form_response(request, design, form, context)
    form = SettingsForm(request.POST, auto_id=ids)
    if not form.is_valid():
        return _form_response(request, design, form, context, status=422)
    document = dict(design.document)
    document["name"] = form.cleaned_data["name"]
    if form.cleaned_data["description"]:
        document["description"] = form.cleaned_data["description"]
    else:
        document.pop("description", None)
    return _save(request, design, form, document, 0, "Renamed the design.", context)
