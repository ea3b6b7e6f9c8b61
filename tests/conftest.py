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


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """SQLite tests run on a file, as production does, not Django's shared in-memory one.

    In shared-cache memory SQLite locks whole tables and answers "database table is
    locked" at once, without the busy timeout settings.py sets; a live-check thread
    writing beside the live server then failed now and then. On a file, WAL and the busy
    timeout apply as they do in production. PostgreSQL runs are left as they are.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        folder = tmp_path_factory.mktemp("db")
        db.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
