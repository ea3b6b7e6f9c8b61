"""Simultaneous saves on SQLite never answer 500 (issue 15, item 2).

Real concurrency, as production has it: two gunicorn worker processes on one SQLite file,
six visitors saving at once from threads. Without WAL, BEGIN IMMEDIATE and a busy timeout
(settings.py) about a quarter of these saves answered 500 "database is locked".
"""

from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from architect.designs.busy import DatabaseBusyMiddleware

ROOT = Path(__file__).resolve().parents[2]
VISITORS = 6
SAVES = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        if data is not None:
            req.add_header("X-CSRFToken", self.csrf())
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()


def _database_url(tmp_path) -> str:
    """A fresh SQLite file; on the PostgreSQL run (tests/scale/test_postgres.py), a fresh
    database on that run's server."""
    outer = os.environ.get("DATABASE_URL", "")
    if outer.startswith(("postgres://", "postgresql://")):
        from tests.scale.servers import create_database_on

        return create_database_on(outer, f"concurrency_{os.getpid()}")
    return f"sqlite:///{tmp_path}/db.sqlite3"


@pytest.fixture
def site(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "concurrency-test",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        # Debug on only so that cookies are not marked Secure over plain HTTP.
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": _database_url(tmp_path),
    }
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(python).with_name("gunicorn")),
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--timeout=120",
            "architect.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=30)


def test_simultaneous_saves_never_answer_500(site):
    # Six visitors, each with a design of their own.
    visitors = [Visitor(site) for _ in range(VISITORS)]
    designs = []
    for v in visitors:
        v.request("/designs/new")
        status, headers, _ = v.request("/designs/new", {})
        assert status == 303, status
        designs.append(headers["Location"].split("/")[2])

    def save(n: int) -> list[int]:
        v, pk = visitors[n], designs[n]
        return [
            v.request(f"/designs/{pk}/settings", {"name": f"Design {n} v{i}", "description": ""})[0]
            for i in range(SAVES)
        ]

    # All of them save at once, five times each.
    with ThreadPoolExecutor(VISITORS) as pool:
        statuses = [s for result in pool.map(save, range(VISITORS)) for s in result]

    assert 500 not in statuses, statuses
    assert statuses.count(303) == VISITORS * SAVES, statuses
    for n, v in enumerate(visitors):
        page = v.request(f"/designs/{designs[n]}/")[2]
        assert f"Design {n} v{SAVES - 1}" in page


def test_a_lock_that_cannot_be_had_answers_503_with_retry_after():
    request = RequestFactory().post("/designs/1/settings")
    middleware = DatabaseBusyMiddleware(lambda r: None)

    response = middleware.process_exception(request, OperationalError("database is locked"))

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "Nothing was saved" in response.content.decode()
    assert middleware.process_exception(request, OperationalError("no such table")) is None
