"""Several app servers on one PostgreSQL and one Redis (docs/settings.md), as real processes.

Two gunicorn servers run the production settings against the same private PostgreSQL
database and Redis cache. Server B has no Graphviz (an empty PATH), so any diagram it serves
must come from the shared cache, filled by server A; the control at the end shows B really
cannot draw one itself. A design saved through one server is seen through the other.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from .servers import ROOT, Gunicorn, ProxiedBrowser, app_env


@pytest.fixture(scope="module")
def servers(postgres, redis_server, tmp_path_factory):
    database_url = postgres.create_database("shared")
    env = app_env(DATABASE_URL=database_url, DJANGO_CACHE_URL=redis_server.url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    no_programs = tmp_path_factory.mktemp("empty-path")
    a = Gunicorn(env)
    try:
        b = Gunicorn({**env, "PATH": str(no_programs)})
    except Exception:
        a.stop()
        raise
    yield a, b
    a.stop()
    b.stop()


def test_a_design_saved_through_one_server_is_seen_through_the_other(servers):
    a, b = servers
    alice = ProxiedBrowser(follow_redirects=False)
    alice.request(a, "/designs/new")
    status, headers, _ = alice.request(a, "/designs/new", {})
    assert status == 303, status
    # The new design's guided start, /designs/<id>/start: the designer is its folder.
    designer = headers["Location"].rsplit("/", 1)[0] + "/"
    settings = designer + "settings"

    status, _, _ = alice.request(a, settings, {"name": "Saved through A", "description": ""})
    assert status == 303
    status, _, page = alice.request(b, designer)
    assert status == 200 and b"Saved through A" in page

    status, _, _ = alice.request(b, settings, {"name": "Saved through B", "description": ""})
    assert status == 303
    status, _, page = alice.request(a, designer)
    assert status == 200 and b"Saved through B" in page and b"Saved through A" not in page


def test_a_diagram_drawn_by_one_server_is_served_from_the_cache_by_the_other(servers, redis_server):
    a, b = servers
    bob = ProxiedBrowser(follow_redirects=False)
    bob.request(a, "/designs/new")
    _, headers, _ = bob.request(a, "/designs/new", {})
    designer = headers["Location"].rsplit("/", 1)[0] + "/"
    bob.request(a, designer + "settings", {"name": "Drawn once", "description": ""})

    status, headers, drawn = bob.request(a, designer + "diagram.svg")
    assert status == 200 and headers["Content-Type"] == "image/svg+xml", drawn[:300]
    assert redis_server.client().keys("*diagram:svg:*")

    # B cannot run dot, yet serves the same picture, and its designer page shows it.
    status, _, served = bob.request(b, designer + "diagram.svg")
    assert status == 200 and served == drawn
    bob.request(a, designer)
    status, _, page = bob.request(b, designer)
    assert status == 200 and b"could not be drawn" not in page and b"<svg" in page

    # Control: a diagram nobody has drawn yet, B cannot draw.
    status, _, body = bob.request(b, "/examples/solo-server/diagram.svg")
    assert status == 503 and b"not installed" in body, body
