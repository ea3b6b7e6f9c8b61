"""The limits hold across app servers: two gunicorn processes on one Redis count together.

Real processes under the production settings, behind a stand-in for the TLS proxy that
sets X-Forwarded-For (CLIENT_IP_HEADER), as docs/settings.md tells an operator to do.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.scale.servers import ROOT, Gunicorn, ProxiedBrowser, Redis, app_env


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    redis = Redis().start()
    database = tmp_path_factory.mktemp("limits") / "db.sqlite3"
    env = app_env(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_CACHE_URL=redis.url,
        CLIENT_IP_HEADER="X-Forwarded-For",
    )
    started = []
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        started.append(Gunicorn(env))
        started.append(Gunicorn(env))
        yield started
    finally:
        for server in started:
            server.stop()
        redis.stop()


class Client(ProxiedBrowser):
    """One browser at one address, behind the proxy, sent to either server."""

    def request(self, server: Gunicorn, path: str, data: dict | None = None):
        status, headers, body = super().request(server, path, data)
        return status, headers, body.decode()


def test_two_app_servers_count_one_clients_sign_ins_together(servers):
    a, b = servers
    guesser = Client("192.0.2.50")
    guesser.request(a, "/accounts/login/")  # the CSRF cookie

    answers = []
    for i in range(31):
        server = (a, b)[i % 2]
        status, headers, text = guesser.request(
            server, "/accounts/login/", {"username": f"nobody{i}", "password": "wrong"}
        )
        answers.append(status)

    assert answers[:30] == [400] * 30
    assert answers[30] == 429
    assert int(headers["Retry-After"]) > 0
    assert "Too many sign-in attempts have come from your address" in text
    # Another client behind the same proxy is another count.
    other = Client("192.0.2.51")
    other.request(b, "/accounts/login/")
    status, _, _ = other.request(b, "/accounts/login/", {"username": "x", "password": "wrong"})
    assert status == 400
