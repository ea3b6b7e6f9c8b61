"""The production settings pass Django's deployment checklist."""

from __future__ import annotations

from tests.helpers import SECRET_KEY, run_python


def test_it_passes_the_deploy_check_with_debug_off():
    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={"DJANGO_SECRET_KEY": SECRET_KEY},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_fails_the_deploy_check_with_debug_on():
    # The same check, shown to bite: debug on in production is a warning it reports.
    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={"DJANGO_SECRET_KEY": SECRET_KEY, "DJANGO_DEBUG": "true"},
    )

    assert result.returncode != 0
    assert "security.W018" in result.stderr


def test_it_allows_no_inline_script_or_style(client):
    policy = client.get("/").headers["Content-Security-Policy"]

    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
