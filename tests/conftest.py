from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pytest_django.live_server_helper import LiveServer

# The browser fixtures (one Playwright, one Chromium for the whole run), for every folder
# that drives a browser: tests/browser and tests/live.
pytest_plugins = ["tests.browser.fixtures"]


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """pytest-django's live server, serving static files as production does.

    pytest-django answers /static/ itself through the staticfiles finders, which know only
    the unhashed names. In production WhiteNoise serves the hashed files that collectstatic
    wrote (bin/test runs it), so the live server leaves /static/ to WhiteNoise too.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = lambda application: application
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Each test starts with no requests counted against the rate limits.

    The limits count per client address in the cache (architect/web/limits.py), and every
    test client is 127.0.0.1: without this, one test's sign-ins and saves would count
    against the next test's. The cache is local memory in tests, so this clears nothing
    any other process sees.
    """
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _no_kept_pages() -> Iterator[None]:
    """Each test renders the shared pages afresh (architect/web/shared_pages.py).

    Home, tutorial and example pages are kept per process; a test that breaks Graphviz or
    counts renderings must not be served a copy an earlier test made.
    """
    from architect.web import shared_pages

    shared_pages.clear()
    yield


@pytest.fixture(autouse=True)
def _no_kept_designs() -> Iterator[None]:
    """Each test loads and plans its designs afresh (architect/designs/analysis.py).

    Loaded designs and their plans are kept per process by document; a test that counts
    plans or changes the limits must not be handed what an earlier test worked out.
    """
    from architect.designs import analysis

    analysis.kept.clear()
    yield
