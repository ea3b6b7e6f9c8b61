"""The lab on every example design, and broken bundles that must fail exactly their check."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from architect import examples
from architect.core.design import loads
from architect.lab import world
from architect.lab.checks import Checks

BASE = Path(__file__).resolve().parents[2]
EXAMPLES = BASE / "architect" / "examples"


def run_lab(name: str, tmp_path: Path, tamper=None) -> list:
    design = loads((EXAMPLES / f"{name}.json").read_bytes())
    lab = world.build(design, tmp_path / "lab", tamper=tamper)
    try:
        return list(Checks(lab).run())
    finally:
        lab.stop()


def failed(results) -> list[str]:
    return [r.name for r in results if not r.ok]


@pytest.mark.parametrize("name", examples.slugs())
def test_it_moves_the_mail_of_every_example(name, tmp_path, lab_host):
    results = run_lab(name, tmp_path)
    assert len(results) >= 5
    assert not failed(results), "\n".join(r.line() for r in results if not r.ok)


def _replace(path: str, pattern: str, new: str):
    def tamper(files: dict[str, str]) -> None:
        text, count = re.subn(pattern, new, files[path], flags=re.M)
        assert count, f"{pattern!r} is not in {path}"
        files[path] = text

    return tamper


def test_an_open_mynetworks_fails_the_relay_checks(tmp_path, lab_host):
    tamper = _replace(
        "postfix/mail.example.org/main.cf", r"^mynetworks = .*$", "mynetworks = 0.0.0.0/0"
    )
    results = run_lab("solo-server", tmp_path, tamper)
    assert failed(results) == [
        "mail.example.org refuses to relay from the internet (plain, %-hack, source route, quoted)",
    ]


def test_a_wrong_virtual_transport_fails_delivery(tmp_path, lab_host):
    tamper = _replace(
        "postfix/mail.example.org/main.cf",
        r"^virtual_transport = .*$",
        "virtual_transport = lmtp:unix:private/no-such-socket",
    )
    results = run_lab("solo-server", tmp_path, tamper)
    assert failed(results) == [
        "mail from the internet to alice@example.org reaches its mailbox",
        "postmaster@example.org reaches a mailbox",
        "root@example.org reaches a mailbox",
    ]


def test_a_wrong_mx_fails_the_mx_checks(tmp_path, lab_host):
    tamper = _replace(
        "dns/example.org.zone", r"\bIN MX +10 mail\.example\.org\.", "IN MX 10 other.example.org."
    )
    results = run_lab("solo-server", tmp_path, tamper)
    assert failed(results) == [
        "mail from the internet to alice@example.org reaches its mailbox",
        "postmaster@example.org reaches a mailbox",
        "root@example.org reaches a mailbox",
    ]
    detail = next(r.detail for r in results if not r.ok)
    assert "other.example.org" in detail


def test_an_alias_catch_all_fails_the_unknown_recipient_check(tmp_path, lab_host):
    def tamper(files):
        files["postfix/mx.example.com/virtual"] += "@example-shop.com\t@example.com\n"

    results = run_lab("multi-domain", tmp_path, tamper)
    assert failed(results) == [
        "mx.example.com refuses the unknown nosuchuser@example-shop.com at RCPT",
        # ... and accepted, it bounces to the (forged) sender: backscatter.
        "no bounce reached the internet (no backscatter)",
    ]


def _lab_leftovers() -> set[str]:
    """Lab folders, and namespace holders that outlived their lab (orphans, parent 1)."""
    folders = {str(p) for p in Path("/tmp").glob("mail-architect-lab-*")}
    ps = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    holders = set()
    for line in ps.splitlines():
        pid, ppid, args = line.split(None, 2)
        if args.startswith("unshare --pid") and ppid == "1":
            holders.add(f"{pid} {args}")
    return folders | holders


def test_the_command_prints_a_line_per_check_and_the_count(tmp_path, lab_host):
    before = _lab_leftovers()
    done = subprocess.run(
        [sys.executable, "manage.py", "lab", str(EXAMPLES / "solo-server.json")],
        cwd=BASE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == f"{sum(1 for ln in lines if ln.startswith('ok '))} passed, 0 failed"
    assert "filled in: test mailbox alice@example.org (the design lists no users)" in lines
    # Nothing is left behind: no folder, no namespace holder.
    assert _lab_leftovers() <= before


def test_it_cannot_build_a_design_inside_the_labs_own_range(tmp_path, lab_host):
    design = (EXAMPLES / "solo-server.json").read_text().replace("192.0.2.10", "198.18.0.25")
    path = tmp_path / "design.json"
    path.write_text(design)
    done = subprocess.run(
        [sys.executable, "manage.py", "lab", str(path)],
        cwd=BASE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "198.18.0.25" in done.stderr and "could not be built" in done.stderr


def test_ctrl_c_leaves_nothing_behind(lab_host):
    before = _lab_leftovers()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "lab", str(EXAMPLES / "dmz-gateway.json")],
        cwd=BASE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Interrupt it in the middle of its checks, when every machine is up.
    first = child.stdout.readline()
    assert "hosts up" in first, first
    child.send_signal(signal.SIGINT)
    child.communicate(timeout=60)
    assert child.returncode != 0
    assert _lab_leftovers() <= before


def test_a_web_host_that_does_not_serve_the_policy_fails_the_https_check(tmp_path, lab_host):
    tamper = _replace(
        "web/gw.example.com/nginx.conf",
        r"alias /var/www/mail-architect/example.com/mta-sts.txt;",
        "alias /var/www/mail-architect/example.com/missing.txt;",
    )
    results = run_lab("dmz-gateway", tmp_path, tamper)
    assert failed(results) == [
        "https://mta-sts.example.com/.well-known/mta-sts.txt serves the exported file over "
        "verified TLS",
    ]
