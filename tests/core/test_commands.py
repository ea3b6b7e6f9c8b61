"""The command line of CONTRACT §3: plan, trace and export, run as a person would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from architect import examples

BASE = Path(__file__).resolve().parents[2]
EXAMPLE = str(BASE / "architect" / "examples" / "dmz-gateway.json")


def manage(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "k" * 60}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE,
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=60,
    )


def test_it_prints_the_plan_as_json_the_same_every_time():
    first = manage("plan", EXAMPLE)
    second = manage("plan", EXAMPLE)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    plan = json.loads(first.stdout)
    assert plan["format"] == "mail-plan" and plan["version"] == 1
    assert plan["mx"]["example.com"][0]["host"] == "gw.example.com"
    assert set(plan) >= {"design", "hosts", "mx", "flows", "dns", "findings"}


def test_it_prints_a_readable_text_plan():
    r = manage("plan", EXAMPLE, "--format", "text")
    assert r.returncode == 0
    assert "example.com  MX 10 gw.example.com" in r.stdout
    assert "Findings:" in r.stdout


def test_it_reads_the_design_from_standard_input():
    r = manage("plan", "-", stdin=examples.text("solo-server"))
    assert r.returncode == 0
    assert json.loads(r.stdout)["design"] == "Solo server"


def test_an_invalid_design_exits_1_with_every_error_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "format": "mail-design",
                "version": 1,
                "name": "Bad",
                "domains": [{"name": "bad name"}],
                "networks": [{"name": "lan", "zone": "moon"}],
                "hosts": [{"name": "a.example", "network": "nowhere"}],
            }
        )
    )
    for command in (
        ["plan", str(bad)],
        ["trace", str(bad), "--from", "internet", "--to", "a@b.example"],
    ):
        r = manage(*command)
        assert r.returncode == 1
        assert "Traceback" not in r.stderr
        assert "domains[0].name" in r.stderr
        assert "networks[0].zone: must be one of" in r.stderr
        assert 'hosts[0].network: no network named "nowhere"' in r.stderr
        assert r.stdout == ""


def test_a_missing_file_is_a_clear_error():
    r = manage("plan", "/nonexistent/design.json")
    assert r.returncode == 1
    assert "cannot read" in r.stderr and "Traceback" not in r.stderr


def test_trace_shows_the_hops_in_text_and_json():
    r = manage("trace", EXAMPLE, "--from", "internet", "--to", "bob@example.com")
    assert r.returncode == 0
    assert "internet -> gw.example.com: accept" in r.stdout
    r = manage(
        "trace", EXAMPLE, "--from", "office-pcs", "--to", "x@far.example", "--format", "json"
    )
    hops = json.loads(r.stdout)["hops"]
    assert hops[0] == {
        "from": "office-pcs",
        "to": "gw.example.com",
        "protocol": "submission",
        "port": 587,
        "action": "accept",
        "why": hops[0]["why"],
    }
    assert {h["action"] for h in hops} <= {"accept", "relay", "deliver", "reject", "bounce"}


def test_a_rightly_refused_relay_exits_0():
    r = manage("trace", EXAMPLE, "--from", "internet", "--to", "x@far.example", "--format", "json")
    assert r.returncode == 0
    assert json.loads(r.stdout)["hops"][0]["action"] == "reject"


@pytest.mark.parametrize("args", [["--from", "nobody"], ["--to", "not-an-address"]])
def test_bad_trace_arguments_exit_2(args):
    base = {"--from": "internet", "--to": "a@example.com"}
    base[args[0]] = args[1]
    r = manage("trace", EXAMPLE, *[x for kv in base.items() for x in kv])
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


def test_export_writes_the_bundle_and_refuses_a_full_folder(tmp_path):
    out = tmp_path / "bundle"
    r = manage("export", EXAMPLE, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "plan.json").read_text())["format"] == "mail-plan"
    assert json.loads((out / "design.json").read_text())["name"] == "DMZ gateway and inside store"
    again = manage("export", EXAMPLE, "--out", str(out))
    assert again.returncode == 1 and "not empty" in again.stderr
    assert manage("export", EXAMPLE, "--out", str(out), "--force").returncode == 0


@pytest.mark.parametrize(
    "args",
    [
        ("plan", EXAMPLE),
        ("trace", EXAMPLE, "--from", "internet", "--to", "someone@example.com"),
        ("export", EXAMPLE, "--out", "{tmp}"),
    ],
)
def test_it_runs_the_file_commands_without_a_secret_key(args, tmp_path):
    # As the README shows them on a fresh clone: no DJANGO_SECRET_KEY, debug off.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_DEBUG"] = "false"
    argv = [a.replace("{tmp}", str(tmp_path / "out")) for a in args]
    done = subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=BASE,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "DJANGO_SECRET_KEY" not in done.stderr


def test_the_web_server_still_needs_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_DEBUG"] = "false"
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in done.stderr
