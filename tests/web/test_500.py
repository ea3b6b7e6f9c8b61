"""An unexpected error shows a friendly page, whatever else is broken."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, path

import architect.urls
from architect.web import views


def fail(request):
    raise RuntimeError("the database password is hunter2")


# The real site plus one address that fails.
urlpatterns = [*architect.urls.urlpatterns, path("fail/", fail)]
handler404 = architect.urls.handler404
handler500 = architect.urls.handler500


def test_it_uses_our_handler_for_server_errors():
    assert get_resolver().resolve_error_handler(500) is views.server_error


@pytest.mark.urls(__name__)
def test_it_shows_a_friendly_page_when_a_view_fails():
    client = Client(raise_request_exception=False)

    r = client.get("/fail/")

    assert r.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in r.text
    assert "hunter2" not in r.text
    assert "Traceback" not in r.text
    assert "RuntimeError" not in r.text


def test_it_renders_without_context_processors(rf, settings):
    # If a context processor (or the session, or the database behind it) is what broke,
    # the error page must not depend on it.
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {"context_processors": ["tests.web.test_500.broken_context_processor"]},
        }
    ]

    r = views.server_error(rf.get("/"))

    assert r.status_code == 500
    assert "Something went wrong on our side" in r.content.decode()


def broken_context_processor(request):
    raise RuntimeError("context processors are down")
