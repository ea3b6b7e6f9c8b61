"""hosts/<host>/install.sh on a namespaced machine: dry run, a second run, foreign files."""

from __future__ import annotations

from pathlib import Path

import pytest

from architect import examples
from architect.core.exporters import bundle
from architect.core.exporters.deploy import certificate_paths
from architect.core.planner import plan
from architect.lab.certs import LabCA
from architect.lab.machine import INSIDE, Machine


@pytest.fixture
def machine(tmp_path, lab_host):
    m = Machine("store", tmp_path / "m")
    m.start("mail.example.org")
    design = examples.load("solo-server")
    files = bundle(design, plan(design))
    for path, text in files.items():
        target = tmp_path / "m" / "bundle" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    # The certificate comes first, as the README's steps have it (nginx -t wants it).
    ca = LabCA()
    key, cert = ca.issue(["mail.example.org"])
    for path, kind in certificate_paths(files, "mail.example.org").items():
        local = tmp_path / "m" / "cert" / path.strip("/").replace("/", "_")
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(key if kind == "key" else cert)
        m.run(["install", "-D", "-m", "0600", f"{INSIDE}/cert/{local.name}", path])
    # No daemon is started here: a stand-in systemctl only says what it was asked.
    m.sh("printf '#!/bin/sh\\necho systemctl \"$@\"\\n' > /usr/local/sbin/systemctl")
    m.sh("chmod 755 /usr/local/sbin/systemctl")
    yield m
    m.stop()


SCRIPT = f"{INSIDE}/bundle/hosts/mail.example.org/install.sh"


def install(m: Machine, *args: str):
    return m.run(["sh", SCRIPT, "--skip-packages", *args], check=False, timeout=120)


def upper(m: Machine, path: str) -> Path:
    return m.folder / path.lstrip("/")


def test_a_dry_run_changes_nothing(machine):
    done = install(machine, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "would run: install -D -m 0644 -g root" in done.stdout
    assert not upper(machine, "/etc/postfix/main.cf").exists()
    assert not upper(machine, "/var/lib/mail-architect").exists()


def test_it_installs_then_a_second_run_changes_nothing(machine):
    first = install(machine)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "systemctl reload-or-restart postfix" in first.stdout
    assert upper(machine, "/etc/postfix/main.cf").exists()
    second = install(machine)
    assert second.returncode == 0, second.stderr
    assert "nothing changed on mail.example.org" in second.stdout
    assert "systemctl" not in second.stdout


def test_it_refuses_a_file_it_did_not_write_unless_forced(machine):
    machine.sh("mkdir -p /etc/postfix && echo 'myhostname = mine' > /etc/postfix/main.cf")
    refused = install(machine)
    assert refused.returncode == 1
    assert "refusing to replace /etc/postfix/main.cf" in refused.stderr
    assert upper(machine, "/etc/postfix/main.cf").read_text() == "myhostname = mine\n"
    forced = install(machine, "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert upper(machine, "/etc/postfix/main.cf.orig").read_text() == "myhostname = mine\n"
    assert (
        "Postfix main.cf for mail.example.org" in upper(machine, "/etc/postfix/main.cf").read_text()
    )


def test_it_replaces_the_packages_own_master_cf_and_keeps_it(machine):
    done = install(machine)
    assert done.returncode == 0, done.stdout + done.stderr
    assert upper(machine, "/etc/postfix/master.cf.orig").exists()
