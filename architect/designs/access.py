"""Who may see a design: its account, or the browser session that made it; nobody else.

Every view that takes a design id goes through ``owned_or_404``, so a design that is not the
visitor's answers 404, exactly like one that does not exist: its existence is not revealed.
Share links go through ``shared_or_404``, which only finds designs with a live token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from architect import examples

from .analysis import Analysis
from .models import Design, StaleDesign

# Put in the session so that Django keeps it (an empty session gets no cookie).
SESSION_MARK = "designs"


def session_key(request: HttpRequest) -> str:
    """The visitor's session key, creating the session (and its cookie) when there is none."""
    if not request.session.get(SESSION_MARK):
        request.session[SESSION_MARK] = True
    if request.session.session_key is None:
        request.session.save()
    return request.session.session_key


def owned(request: HttpRequest) -> QuerySet[Design]:
    """The visitor's designs: the account's once signed in, else the session's."""
    if request.user.is_authenticated:
        return Design.objects.filter(owner=request.user)
    key = request.session.session_key
    if not key:
        return Design.objects.none()
    return Design.objects.filter(owner__isnull=True, session_key=key)


def owned_or_404(request: HttpRequest, pk: int) -> Design:
    return get_object_or_404(owned(request), pk=pk)


def shared_or_404(token: str) -> Design:
    # A token is never empty or short: anything else cannot be one of ours.
    if len(token) < 32:
        raise Http404("no such share link")
    return get_object_or_404(Design, share_token=token)


def visible_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 404 before anything else (even 405) when the design is not the visitor's.

    urls.py wraps every route that takes a design id or a share token in this, so a visitor
    learns nothing about a design that is not theirs, whatever the method or address.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "pk" in kwargs:
            owned_or_404(request, kwargs["pk"])
        elif "token" in kwargs:
            shared_or_404(kwargs["token"])
        try:
            return view(request, *args, **kwargs)
        except StaleDesign:
            # Saved from another window at the same moment: say so rather than overwrite.
            template = "designs/stale.html#notice" if request.htmx else "designs/stale.html"
            response = render(request, template, {"pk": kwargs.get("pk")}, status=409)
            response.headers["HX-Retarget"] = "#result"
            response.headers["HX-Reswap"] = "afterbegin"
            return response

    return wrapper


def new_design(request: HttpRequest) -> Design:
    """An unsaved design belonging to the visitor (their account, or their session)."""
    if request.user.is_authenticated:
        return Design(owner=request.user)
    return Design(session_key=session_key(request))


def claim(session_key: str | None, user) -> int:
    """Give the account the designs made in the session before signing in."""
    if not session_key:
        return 0
    return Design.objects.filter(owner__isnull=True, session_key=session_key).update(
        owner=user, session_key=""
    )


@dataclass
class Source:
    """A design document a page may show, and how to address it.

    The designer's files and trace are served for three kinds of source: the visitor's own
    designs (``designs`` namespace, by id), shared designs (``share``, by token) and the
    example designs (``examples``, by slug). One set of views serves them all.
    """

    document: dict[str, Any]
    namespace: str
    key: dict[str, Any]
    title: str
    design: Design | None = None
    editable: bool = False

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(f"{self.namespace}:{name}", kwargs={**self.key, **kwargs})

    @property
    def home_url(self) -> str:
        """The page that shows this source: the designer, the share page or the example."""
        return self.url("detail")

    @property
    def trace_url(self) -> str:
        return self.url("trace")

    def file_url(self, path: str) -> str:
        return self.url("file", path=path)

    @cached_property
    def analysis(self) -> Analysis:
        return Analysis(self.document, file_url=self.file_url)

    @property
    def filename(self) -> str:
        """A safe base name for downloads, from the design's name."""
        base = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")[:50]
        return base or "design"


def source_or_404(
    request: HttpRequest,
    *,
    pk: int | None = None,
    token: str | None = None,
    slug: str | None = None,
) -> Source:
    """The document addressed by a design id, a share token or an example slug; else 404."""
    if pk is not None:
        design = owned_or_404(request, pk)
        return Source(design.document, "designs", {"pk": pk}, design.name, design, True)
    if token is not None:
        design = shared_or_404(token)
        return Source(design.document, "share", {"token": token}, design.name, design)
    if slug is not None:
        try:
            text = examples.text(slug)
        except KeyError:
            raise Http404("no such example") from None
        document = json.loads(text)
        return Source(document, "examples", {"slug": slug}, str(document.get("name", slug)))
    raise Http404("nothing addressed")
