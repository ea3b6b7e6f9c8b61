"""DKIM keys in the designer: make a key pair, paste a public key, see the TXT record.

A design holds, per domain, a selector and the public key only (docs/design-file.md). The
private key made by "Generate a key" is put into the one answer to that POST (a page with
the key to copy and a download link whose data is in the page) and nowhere else: not in the
database, the session, a message or a log. That answer says ``Cache-Control: no-store`` and
the view hides its locals from Django's error reports. The public key and a dated selector
(``s2026a``) are saved as a new revision through ``Design.commit``, so the design validator
is the only judge of a pasted key, and a refused one saves nothing.
"""

from __future__ import annotations

import base64
import itertools
import string
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from architect.core import design as core_design
from architect.core import dkim

from .. import parts
from ..access import owned_or_404
from ..forms import DkimGenerateForm, DkimKeyForm
from ..models import Design
from . import see_other
from .editor import _stale


def used_selectors(design: Design) -> dict[str, set[str]]:
    """Every selector each domain has had, in the document and its kept revisions.

    An old selector may still be published while mail signed with it is in flight, so a
    new key never takes one again.
    """
    used: dict[str, set[str]] = {}
    documents = [design.document]
    if design.pk is not None:
        documents += list(design.revisions.values_list("document", flat=True))
    for document in documents:
        for item in parts.items(document, "domains"):
            if isinstance(item, dict) and isinstance(item.get("dkim_selector"), str):
                used.setdefault(str(item.get("name")), set()).add(item["dkim_selector"])
    return used


def next_selector(used: set[str], year: int) -> str:
    """``s<year>`` and the first letters not used yet: s2026a, s2026b, ... s2026aa."""
    for size in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=size):
            selector = f"s{year}{''.join(letters)}"
            if selector not in used:
                return selector
    raise AssertionError("unreachable")


def record_of(domain: str, selector: str, key: str) -> dict[str, Any]:
    """The TXT record of a stored key: its name, value joined, and its <=255-byte strings."""
    parsed = dkim.parse_public_key(key)
    value = dkim.record(parsed)
    strings = dkim.txt_strings(value)
    name = f"{selector}._domainkey.{domain}."
    return {
        "name": name,
        "kind": "Ed25519" if parsed.kind == "ed25519" else f"RSA {parsed.bits} bits",
        "value": value,
        "strings": [{"text": s, "bytes": len(s.encode("ascii"))} for s in strings],
        "zone": f"{name} IN TXT ( " + " ".join(f'"{s}"' for s in strings) + " )",
    }


def _domain_index_or_404(design: Design, name: str) -> int:
    index = parts.find(design.document, "domains", name)
    if index is None:
        raise Http404("no such domain in this design")
    return index


def _entries(design: Design, bound: tuple[int, DkimKeyForm] | None = None) -> list[dict[str, Any]]:
    used = used_selectors(design)
    year = timezone.localdate().year
    out = []
    for index, item in enumerate(parts.items(design.document, "domains")):
        name = str(item.get("name", ""))
        suggested = next_selector(used.get(name, set()), year)
        entry: dict[str, Any] = {
            "index": index,
            "name": name,
            "dom_id": f"dkim-{index}",
            "alias_of": item.get("alias_of"),
            "selector": item.get("dkim_selector"),
            "suggested": suggested,
            "record": None,
        }
        if item.get("dkim_selector") and item.get("dkim_public_key"):
            entry["record"] = record_of(name, item["dkim_selector"], item["dkim_public_key"])
        if bound and bound[0] == index:
            entry["paste"] = bound[1]
        else:
            entry["paste"] = DkimKeyForm(
                initial={"dkim_selector": suggested},
                document=design.document,
                auto_id=f"dkim-{index}-%s",
            )
        entry["generate"] = DkimGenerateForm(auto_id=f"dkim-{index}-gen-%s")
        out.append(entry)
    return out


def _page(
    request: HttpRequest,
    design: Design,
    *,
    bound: tuple[int, DkimKeyForm] | None = None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    policy = design.document.get("policy") or {}
    context = {
        "design": design,
        "domains": _entries(design, bound),
        "signing_off": policy.get("dkim") is False,
        "revision": design.position,
        "error": error,
    }
    return render(request, "designs/_dkim.html", context, status=status)


@require_GET
def keys(request: HttpRequest, pk: int) -> HttpResponse:
    """Each domain's key and record, with the forms that make or paste one."""
    return _page(request, owned_or_404(request, pk))


@require_POST
def paste(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a pasted public key and its selector, or say beside the field why not (422)."""
    design = owned_or_404(request, pk)
    index = _domain_index_or_404(design, request.POST.get("domain", ""))
    if (refused := _stale(request, design)) is not None:
        return refused
    form = DkimKeyForm(request.POST, document=design.document, auto_id=f"dkim-{index}-%s")
    if not form.is_valid():
        return _page(request, design, bound=(index, form), status=422)
    name = parts.items(design.document, "domains")[index]["name"]
    document, _ = parts.with_item(
        design.document, "domains", index, {**design.document["domains"][index], **form.to_item()}
    )
    try:
        design.commit(document, f"Set the DKIM key of {name}.")
    except core_design.DesignError as exc:
        form.add_problems(exc.problems, index)
        return _page(request, design, bound=(index, form), status=422)
    messages.success(
        request, f"Saved the DKIM key of {name} (selector {form.to_item()['dkim_selector']})."
    )
    return see_other(reverse("designs:dkim", args=[pk]) + f"#dkim-{index}")


@require_POST
@sensitive_post_parameters()
@sensitive_variables("pem", "context", "response")
def generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a key pair; save the public half; hand the private half over, once."""
    design = owned_or_404(request, pk)
    index = _domain_index_or_404(design, request.POST.get("domain", ""))
    if (refused := _stale(request, design)) is not None:
        return refused
    form = DkimGenerateForm(request.POST)
    if not form.is_valid():
        return _page(request, design, status=422, error="Choose the kind of key to make.")
    item = parts.items(design.document, "domains")[index]
    name = str(item["name"])
    selector = next_selector(used_selectors(design).get(name, set()), timezone.localdate().year)
    pem, public = dkim.generate(form.cleaned_data["kind"])
    document, _ = parts.with_item(
        design.document,
        "domains",
        index,
        {**item, "dkim_selector": selector, "dkim_public_key": public},
    )
    try:
        design.commit(document, f"Made a DKIM key for {name}.")
    except core_design.DesignError as exc:
        # A design stored under older rules: the key is thrown away with nothing saved.
        reasons = "; ".join(str(p) for p in exc.problems[:3])
        return _page(request, design, status=409, error=f"Nothing was saved: {reasons}.")
    context = {
        "design": design,
        "domain": name,
        "selector": selector,
        "filename": f"{selector}.{name}.private",
        "pem": pem,
        "pem_data": base64.b64encode(pem.encode("ascii")).decode("ascii"),
        "record": record_of(name, selector, public),
        "index": index,
    }
    response = render(request, "designs/_dkim_private.html", context)
    # The only copy of the private key: no cache, no back-button copy, no proxy.
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private"
    return response
