"""A save that cannot get the database's write lock answers 503, to be tried again.

SQLite lets one writer at a time; settings.py makes saves queue for the lock (WAL, BEGIN
IMMEDIATE, a busy timeout). Should the wait still run out, the transaction was rolled
back, so nothing was saved: the visitor gets a plain "try again" with Retry-After, never a
500 (docs/settings.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
MESSAGE = (
    "The database is busy with other saves and this one could not wait any longer. "
    "Nothing was saved; send it again in a moment."
)


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is a database lock that ran out of time (SQLite or PostgreSQL)."""
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and (
        "database is locked" in text or "lock timeout" in text or "busy" in text
    )


class DatabaseBusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not is_busy(exc):
            return None
        log.warning("database busy on %s %s: %s", request.method, request.path, exc)
        response = HttpResponse(
            MESSAGE + "\n", status=503, content_type="text/plain; charset=utf-8"
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
