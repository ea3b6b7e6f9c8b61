"""/healthz tells the container's HEALTHCHECK that the app is up."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import BASE_DIR


def test_it_answers_ok_as_plain_text(client):
    r = client.get("/healthz")

    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/plain"
    assert r.content == b"ok"


def test_it_answers_over_plain_http_even_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


def healthcheck(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "bin" / "healthcheck"), url],
        env={"DJANGO_ALLOWED_HOSTS": "localhost,mail.example.org"},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_healthcheck_script_passes_when_the_app_answers(live_server):
    assert healthcheck(f"{live_server.url}/healthz").returncode == 0


def test_the_healthcheck_script_fails_when_the_app_does_not_answer_ok(live_server):
    result = healthcheck(f"{live_server.url}/no-such-page")

    assert result.returncode == 1
    assert "unhealthy" in result.stderr
