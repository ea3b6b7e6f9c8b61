"""Pages that are the same for every visitor, kept ready in each app process.

The home page, the tutorial and the example designs (their pages and files) depend only on
their address and on the code: examples never change while a server runs. Working one out
costs tens of milliseconds (plan, bundle, diagrams, a large template); serving the kept copy
costs a dictionary look-up. The one thing that differs between visitors is the CSRF token in
forms and in ``hx-headers``: the kept copy holds a placeholder there
(``csrf_placeholder``, a context processor) and each visitor gets their own token put in.

Kept per process, not in the shared cache: it is faster than fetching 100 kB from Redis, and
a new deployment (a new process) can never be served an older version's pages. Each copy is
kept for ``KEEP_SECONDS``, so that a page drawn while Graphviz was failing heals by itself,
and at most ``MAX_PAGES`` are kept; addresses with a query string are never kept, so that
visitors cannot fill the memory with made-up addresses.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

KEEP_SECONDS = 60
MAX_PAGES = 500
# Where a visitor's CSRF token goes. Random per process, letters only: nothing a page
# could contain by chance, nothing that HTML escaping changes.
PLACEHOLDER = "csrfplaceholder" + secrets.token_hex(16)
_RENDERING = "_shared_page_rendering"

_pages: dict[tuple[str, str, bool], tuple[float, int, list[tuple[str, str]], bytes]] = {}
_lock = threading.Lock()


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor: the placeholder as ``csrf_token`` while a shared page is rendered."""
    if getattr(request, _RENDERING, False):
        return {"csrf_token": PLACEHOLDER}
    return {}


def clear() -> None:
    """Forget every kept page (tests that change what a page shows)."""
    with _lock:
        _pages.clear()


def _personal(request: HttpRequest, body: bytes) -> bytes:
    marker = PLACEHOLDER.encode()
    if marker not in body:
        return body
    return body.replace(marker, get_token(request).encode())


def _keep(key: tuple[str, str, bool], entry: tuple) -> None:
    with _lock:
        if len(_pages) >= MAX_PAGES:
            now = time.monotonic()
            for old in [k for k, v in _pages.items() if v[0] <= now]:
                del _pages[old]
        if len(_pages) < MAX_PAGES:
            _pages[key] = entry


def _respond(request: HttpRequest, status: int, headers: list[tuple[str, str]], body: bytes):
    response = HttpResponse(_personal(request, body), status=status)
    for name, value in headers:
        response[name] = value
    return response


def same_for_everyone(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view``'s GET answers from a kept copy (see the module's docstring).

    Only complete 200 answers without cookies of their own are kept; anything else (a 404,
    a 503 for a diagram that could not be drawn, a POST) goes through as usual.
    """

    name = f"{view.__module__}.{view.__qualname__}"

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET" or request.GET:
            return view(request, *args, **kwargs)
        key = (name, request.path, request.headers.get("HX-Request") == "true")
        kept = _pages.get(key)
        if kept is not None and kept[0] > time.monotonic():
            return _respond(request, *kept[1:])

        setattr(request, _RENDERING, True)
        try:
            response = view(request, *args, **kwargs)
        finally:
            setattr(request, _RENDERING, False)
        if response.streaming:
            return response
        body = response.content
        if response.status_code == 200 and not response.cookies:
            headers = [(k, v) for k, v in response.items() if k.lower() != "content-length"]
            _keep(key, (time.monotonic() + KEEP_SECONDS, 200, headers, body))
        response.content = _personal(request, body)
        return response

    return wrapper
