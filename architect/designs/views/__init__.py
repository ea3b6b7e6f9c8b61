"""Views of stored designs, split by feature (one module each)."""

from __future__ import annotations

from django.http import HttpResponseRedirect


def see_other(url: str) -> HttpResponseRedirect:
    """303 See Other: after a POST, the browser GETs the page it is sent to."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response
