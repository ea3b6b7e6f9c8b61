"""The live check against real named, Postfix and an HTTPS server in a namespace (world.py)."""

from __future__ import annotations

import http.client as http_client
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from architect.core.live import Options, check
from architect.lab.machine import _ENV as ENV

from .world import DRIFTED_DNS, MX_V4, MX_V6, TRUE_DNS, WEB

MANAGE = str(Path(__file__).resolve().parents[2] / "manage.py")


def run(world, resolver: str, **options):
    options = {
        "resolver": resolver,
        "timeout": 3,
        "total": 40,
        "cafile": str(world.ca.cafile),
        **options,
    }
    return world.machine.in_netns(lambda: check(world.design, world.plan, Options(**options)))


def rows(report) -> dict[tuple[str, str], object]:
    return {(r.type, r.name): r for r in report.rows}


def test_it_reports_the_published_zone_as_all_ok(world):
    # The zone as published differs only in form: case, SPF term order and /32, split TXT.
    report = run(world, TRUE_DNS)
    not_ok = [(r.type, r.name, r.status, r.detail) for r in report.rows if r.status != "match"]
    assert not_ok == []
    assert report.exit_code == 0
    by = rows(report)
    assert by[("TXT (DKIM)", "mail._domainkey.example.org.")].status == "match"
    assert by[("DKIM key", "mail._domainkey.example.org.")].found == "RSA 2048 bits"
    for address in (MX_V4, MX_V6):
        smtp = by[(f"SMTP {address}", "mail.example.org")]
        assert "banner: mail.example.org ESMTP" in smtp.found
        assert "certificate for mail.example.org" in smtp.detail
    assert by[("SPF evaluation", "example.org.")].found == (
        "0 DNS lookups; 192.0.2.10 pass; 2001:db8::10 pass"
    )
    assert by[("PTR (FCrDNS)", "10.2.0.192.in-addr.arpa.")].detail == (
        "forward-confirmed: 192.0.2.10"
    )
    assert by[("MTA-STS policy", "mta-sts.example.org")].found == (
        "mode: testing; mx: mail.example.org"
    )
    # 25: the records of the plan (the web names and the DKIM key among them) and the probes.
    assert report.summary() == "25 OK"


def test_it_reports_each_drift_exactly(world):
    report = run(world, DRIFTED_DNS)
    not_ok = {(r.type, r.name): (r.status, r.found, r.detail) for r in report.rows}
    not_ok = {k: v for k, v in not_ok.items() if v[0] != "match"}
    assert not_ok == {
        # a missing DMARC
        ("TXT (DMARC)", "_dmarc.example.org."): (
            "missing",
            "",
            "_dmarc.example.org. does not exist (NXDOMAIN)",
        ),
        # a changed MX, and so an MTA-STS policy that no longer covers it
        ("MX", "example.org."): (
            "differ",
            "10 mx2.example.org.",
            "not published: 10 mail.example.org.; not in the plan: 10 mx2.example.org.",
        ),
        ("MTA-STS policy", "mta-sts.example.org"): (
            "differ",
            "mode: testing; mx: mail.example.org",
            "the MX mx2.example.org is not in the policy's mx: lines",
        ),
        # an SPF record of twelve lookups
        ("TXT (SPF)", "example.org."): (
            "differ",
            not_ok[("TXT (SPF)", "example.org.")][1],
            "terms not in the plan: "
            + " ".join(f"include:s{i}.example.org" for i in sorted(range(1, 13), key=str)),
        ),
        ("SPF evaluation", "example.org."): (
            "differ",
            "12 DNS lookups",
            "12 DNS lookups: over the limit of 10, so receivers treat the record as broken "
            "(permerror, RFC 7208 §4.6.4)",
        ),
        # the DKIM key published under another selector
        ("DKIM key", "mail._domainkey.example.org."): (
            "missing",
            "",
            "no DKIM key at mail._domainkey.example.org.",
        ),
        ("TXT (DKIM)", "mail._domainkey.example.org."): (
            "missing",
            "",
            "mail._domainkey.example.org. does not exist (NXDOMAIN)",
        ),
    }
    assert report.summary() == "18 OK, 4 differ, 3 missing"
    assert report.exit_code == 1


def test_it_refuses_private_addresses_unless_allowed(world):
    # 192.0.2.0/24 and 2001:db8::/32 are documentation ranges: not public, so refused.
    refused = rows(run(world, TRUE_DNS, allow_private=False, private_hint="set X"))
    assert refused[(f"SMTP {MX_V4}", "mail.example.org")].detail == (
        "not probed: 192.0.2.10 is a private address (set X)"
    )
    assert refused[(f"SMTP {MX_V6}", "mail.example.org")].status == "not_checked"
    assert refused[("MTA-STS policy", "mta-sts.example.org")].detail.startswith(
        f"not probed: {WEB}"
    )
    allowed = rows(run(world, TRUE_DNS, allow_private=True))
    assert allowed[(f"SMTP {MX_V4}", "mail.example.org")].status == "match"
    assert allowed[("MTA-STS policy", "mta-sts.example.org")].status == "match"


def test_it_says_why_a_closed_port_was_not_checked(world):
    by = rows(run(world, TRUE_DNS, smtp_port=2525))
    assert by[(f"SMTP {MX_V4}", "mail.example.org")].detail == (
        "could not connect to 192.0.2.10:2525: Connection refused; outbound port 25 may be "
        "blocked where the check runs"
    )


def test_it_keeps_to_its_total_time_bound(world):
    # A resolver that never answers: every lookup would wait; the whole check may not.
    silent = world.machine.in_netns(lambda: _udp("127.0.0.1", 5399))
    try:
        started = time.monotonic()
        report = run(world, "127.0.0.1", resolver_port=5399, timeout=0.6, total=1)
        assert time.monotonic() - started < 2
    finally:
        silent.close()
    assert {r.status for r in report.rows} == {"not_checked"}
    assert "the check ran out of its 1 s time bound" in {r.detail for r in report.rows}


def _udp(address: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, port))
    return sock


def command(world, resolver: str, *options: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, MANAGE, "check-live", str(world.design_file), "--resolver", resolver]
    return world.machine.run([*argv, *options], namespaces="net", check=False)


def test_the_command_exits_0_when_all_match_and_1_on_drift(world):
    good = command(world, TRUE_DNS, "--cafile", str(world.ca.cafile))
    assert good.stdout.splitlines()[-1] == "25 OK", good.stdout
    assert good.returncode == 0
    drifted = command(world, DRIFTED_DNS, "--format", "json", "--cafile", str(world.ca.cafile))
    assert drifted.returncode == 1
    data = json.loads(drifted.stdout)
    assert data["format"] == "mail-live-check"
    assert data["counts"]["missing"] == 3


def test_the_command_without_the_private_ca_says_the_certificates_are_not_trusted(world):
    # The same zone and servers; only the trust differs: the system's authorities alone.
    out = command(world, TRUE_DNS)
    assert out.returncode == 1
    lines = [line for line in out.stdout.splitlines() if line.startswith("✗")]
    assert len(lines) == 3, out.stdout
    for address in (MX_V4, MX_V6):
        (line,) = [x for x in lines if f"SMTP {address}" in x]
        assert (
            "the certificate chain does not verify against the system's authorities: "
            "unable to get local issuer certificate" in line
        )
    (line,) = [x for x in lines if "MTA-STS policy" in x]
    assert "the certificate of mta-sts.example.org is not valid" in line
    assert out.stdout.splitlines()[-1] == "22 OK, 3 differ"


def test_the_command_refuses_an_unreadable_cafile(world, tmp_path):
    bad = tmp_path / "not-a-ca.pem"
    bad.write_text("not a certificate\n")
    for path in (str(bad), str(tmp_path / "absent.pem")):
        out = command(world, TRUE_DNS, "--cafile", path)
        assert out.returncode == 2
        assert f"--cafile {path}: not a readable PEM file of certificates" in out.stderr


def test_the_smtp_probe_verifies_the_chain(world):
    cafile = str(world.ca.cafile)

    def smtp_rows(**options):
        by = rows(run(world, TRUE_DNS, **options))
        return [by[(f"SMTP {a}", "mail.example.org")] for a in (MX_V4, MX_V6)]

    # Signed by another CA than the one trusted: differs, and says so.
    for row in smtp_rows(cafile=str(world.other_ca.cafile)):
        assert row.status == "differ"
        assert row.detail.startswith(
            "the certificate chain does not verify against the system's authorities and the "
            "CA file: unable to get local issuer certificate; STARTTLS; certificate for "
            "mail.example.org until "
        ), row.detail
    # Self-signed, with the private CA trusted: differs too, for its own reason.
    world.self_signed_mx(True)
    try:
        for row in smtp_rows(cafile=cafile, cafile_label="ca.pem"):
            assert row.status == "differ"
            assert row.detail.startswith(
                "the certificate chain does not verify against the system's authorities and "
                "ca.pem: self-signed certificate; "
            ), row.detail
            assert "banner: mail.example.org ESMTP" in row.found
    finally:
        world.self_signed_mx(False)
    assert {row.status for row in smtp_rows(cafile=cafile)} == {"match"}


WEB_APP = """
from django.contrib.sessions.backends.db import SessionStore
from architect.designs.access import SESSION_MARK
from architect.designs.models import Design
import json
session = SessionStore()
session[SESSION_MARK] = True
session.create()
design = Design(session_key=session.session_key)
design.commit(json.load(open("/run/lab/design.json")), "for the live check")
print(session.session_key, design.pk)
"""


def test_the_web_app_checks_off_the_request_and_shows_the_result(world):
    # The web app itself, in the machine (its resolver is the undrifted named), trusting
    # the private CA by its setting; the visitor's requests are real HTTP from outside.
    m = world.machine
    shutil.copy(world.ca.cafile, m.folder / "ca.pem")
    shutil.copy(world.design_file, m.folder / "design.json")
    env = {
        **ENV,
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": "sqlite:////run/lab/web.sqlite3",
        "LIVE_CHECK_ALLOW_PRIVATE": "true",
        "LIVE_CHECK_CAFILE": "/run/lab/ca.pem",
    }
    python = [sys.executable, MANAGE]
    m.run([*python, "migrate", "-v0"], env=env, timeout=120)
    key, pk = m.run([*python, "shell", "-v0", "-c", WEB_APP], env=env).stdout.split()[-2:]
    m.spawn([*python, "runserver", "--noreload", "127.0.0.1:8088"], m.folder / "web.log", env)
    page = f"/designs/{pk}/live"
    cookie = f"sessionid={key}"

    def http(method: str, path: str, body: str = "", **headers) -> tuple[int, dict, str]:
        def inside():
            deadline = time.monotonic() + 20
            while True:
                c = http_client.HTTPConnection("127.0.0.1", 8088, timeout=20)
                try:
                    c.request(method, path, body or None, {"Cookie": cookie, **headers})
                    r = c.getresponse()
                    return r.status, dict(r.getheaders()), r.read().decode()
                except ConnectionRefusedError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
                finally:
                    c.close()

        return m.in_netns(inside)

    status, headers, text = http("GET", page)
    assert status == 200, text
    csrf = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
    cookie = f"{cookie}; {csrf}"
    started = time.monotonic()
    status, headers, _ = http(
        "POST",
        page,
        f"csrfmiddlewaretoken={token}",
        **{"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://127.0.0.1/"},
    )
    assert status == 303, (status, (m.folder / "web.log").read_text()[-2000:])
    assert time.monotonic() - started < 3  # the check itself takes longer
    _, _, text = http("GET", page)
    assert "Checking…" in text
    while "Checking…" in text:
        assert time.monotonic() - started < 60, text
        time.sleep(0.3)
        _, _, text = http("GET", page)
    assert '<h2 id="result-title">25 OK</h2>' in text, text
    assert "certificate for mail.example.org" in text
    assert "✗" not in text
