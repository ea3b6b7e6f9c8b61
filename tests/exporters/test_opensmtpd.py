"""OpenSMTPD export: every example, its hosts switched to OpenSMTPD, checked by smtpd 7.4.

opensmtpd cannot be installed beside Postfix, so ``smtpd -n -f FILE`` runs
from a private root (``architect.lab.packages.unpacked``). ``smtpd -n`` opens
every table file and the certificate and key the ``pki`` lines name, so the
check runs on a copy whose ``/etc/smtpd/`` and certbot paths point at the
bundle's tables and a throwaway certificate; nothing else in it changes.
With CI=true a failure to unpack or run is a failure; elsewhere the tests skip
only when not root.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from pathlib import Path

import pytest

from architect import examples
from architect.core import dkim
from architect.core.exporters import bundle
from architect.core.exporters.deploy import certificate_paths, installs
from architect.core.exporters.opensmtpd import (
    CONF_DIR,
    DKIM_DIR,
    PACKAGE,
    SUITE,
    opensmtpd_files,
)
from architect.core.planner import plan as make_plan
from architect.lab import packages
from architect.lab.packages import UnpackError, environment, unpacked

from .test_exim import switched

CACHE = packages.CACHE
TIMEOUT = 60


@pytest.fixture(scope="module")
def smtpd() -> tuple[str, dict[str, str]]:
    if os.geteuid() != 0 and os.environ.get("CI") != "true":
        pytest.skip("apt-get download into a private root needs root")
    try:
        # The version the install steps name: bookworm-backports' (see opensmtpd.SUITE).
        root = unpacked([f"{PACKAGE}/{SUITE}"], CACHE / f"{PACKAGE}-{SUITE}")
    except UnpackError as error:
        pytest.fail(f"could not unpack opensmtpd: {error}")
    return str(root / "usr/sbin/smtpd"), environment(root)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pki")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=test.invalid", "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
        check=True,
        timeout=TIMEOUT,
    )
    return key, cert


def _checkable(folder: Path, certificate: tuple[Path, Path]) -> Path:
    """A copy of folder/smtpd.conf whose tables and certificate smtpd -n can open."""
    key, cert = certificate
    text = (folder / "smtpd.conf").read_text()
    text = text.replace(f"file:{CONF_DIR}/", f"file:{folder}/")
    text = re.sub(r'"/etc/letsencrypt/live/[^"]+/fullchain\.pem"', f'"{cert}"', text)
    text = re.sub(r'"/etc/letsencrypt/live/[^"]+/privkey\.pem"', f'"{key}"', text)
    checked = folder / "checked.conf"
    checked.write_text(text)
    return checked


def _check(smtpd, conf: Path) -> subprocess.CompletedProcess:
    binary, env = smtpd
    return subprocess.run(
        [binary, "-n", "-f", str(conf)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        check=False,
    )


def _write(design, plan, tmp_path: Path) -> list[tuple[object, Path]]:
    files = bundle(design, plan)
    out = []
    for host in (h for h in plan.hosts if h.mta == "opensmtpd"):
        folder = tmp_path / host.name
        folder.mkdir(parents=True)
        prefix = f"opensmtpd/{host.name}/"
        for path, text in files.items():
            if path.startswith(prefix):
                (folder / path[len(prefix) :]).write_text(text)
        out.append((host, folder))
    return out


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_writes_configurations_smtpd_accepts(slug, smtpd, certificate, tmp_path):
    design = switched(slug, "opensmtpd")
    hosts = _write(design, make_plan(design), tmp_path)
    assert hosts, f"{slug} has no OpenSMTPD host"
    for host, folder in hosts:
        result = _check(smtpd, _checkable(folder, certificate))
        assert result.returncode == 0, f"{host.name}: {result.stderr}"
        assert "configuration OK" in result.stdout + result.stderr


def test_a_broken_configuration_fails_smtpd(smtpd, certificate, tmp_path):
    design = switched("dmz-gateway", "opensmtpd")
    ((_host, folder), *_rest) = _write(design, make_plan(design), tmp_path)
    good = _checkable(folder, certificate).read_text()
    broken = folder / "broken.conf"
    for text in (
        good + "not a rule\n",
        # A reserved word as a table name (the first version's mistake).
        good.replace("<relay_recipients>", "<virtual>").replace(
            "table relay_recipients", "table virtual"
        ),
        # A table file that is missing.
        good.replace(f"file:{folder}/relay_recipients", f"file:{folder}/nothing-here"),
        good + 'match from any for any action "nowhere"\n',
    ):
        broken.write_text(text)
        assert _check(smtpd, broken).returncode != 0, text[-300:]


def _rules(conf: str) -> list[str]:
    return [line for line in conf.splitlines() if line.startswith("match ")]


def test_it_writes_the_plans_decisions(example):
    slug, _design, _plan = example
    design = switched(slug, "opensmtpd")
    plan = make_plan(design)
    for host in (h for h in plan.hosts if h.mta == "opensmtpd"):
        files = opensmtpd_files(design, plan, host)
        conf = files["smtpd.conf"]
        trusted = re.search(r"^table trusted \{ (.*) \}$", conf, re.M).group(1)
        assert {t.strip('"') for t in trusted.split(", ")} == set(host.trusted_networks)
        # Only trust, a login or the local enqueuer may send "for any": no open relay.
        for rule in _rules(conf):
            if " for any " in rule:
                assert rule.startswith(
                    ("match from local ", "match from src <trusted> ", "match auth from any ")
                ), rule
        for domain in host.relay_domains:
            assert any(domain in rule for rule in _rules(conf)), domain
        if host.recipient_validation and host.relay_domains:
            assert all(
                "rcpt-to <relay_recipients>" in r
                for r in _rules(conf)
                if "domain" in r and any(d in r for d in host.relay_domains)
            )
            assert f"alice@{host.relay_domains[0]}" in files["relay_recipients"]
        if host.relayhost_auth:
            assert re.search(r"relay host smtps?(\+tls)?://relay@\S+:\d+ auth <secrets>", conf)
            assert "PLACEHOLDER" in files["secrets"]
        elif host.relayhost:
            hub = host.relayhost.split("]")[0].lstrip("[")
            assert f"relay host smtp://{hub}:25" in conf
        if host.loopback_only:
            assert "listen on 127.0.0.1 port 25" in conf and "listen on 0.0.0.0" not in conf
        if any(li.port == 25 for li in host.listens):
            line = re.search(r"^listen on 0\.0\.0\.0 port 25 .*$", conf, re.M).group(0)
            assert " tls " in line and "auth" not in line and "tls-require" not in line
        for port, mode in ((587, "tls-require"), (465, "smtps")):
            if any(li.port == port for li in host.listens) and "submission" in host.roles:
                line = re.search(rf"^listen on 0\.0\.0\.0 port {port} .*$", conf, re.M).group(0)
                assert mode in line and "auth <passwords>" in line and "senders" in line
        if "virtuals" in files:
            assert re.search(r"^root@\S+\tpostmaster@", files["virtuals"], re.M)


def test_it_installs_the_backport_and_gets_the_certificate_smtpd_names():
    # bookworm's own 6.8 cannot serve TLS with OpenSSL 3: the install step, the README and
    # install.sh must all take the backport, and certbot's files must be where pki says.
    design = switched("solo-server", "opensmtpd")
    files = bundle(design, make_plan(design))
    (step,) = [i for i in installs(files) if i.program == "opensmtpd"]
    assert step.packages == (f"{PACKAGE}/{SUITE}",)
    assert (
        f"need dovecot-core dovecot-imapd dovecot-lmtpd {PACKAGE}/{SUITE}"
        in (files[f"hosts/{step.host}/install.sh"])
    )
    assert f"apt-get install --no-install-recommends {PACKAGE}/{SUITE}" in files["README.md"]
    conf = files[f"opensmtpd/{step.host}/smtpd.conf"]
    named = dict(re.findall(r'^pki \S+ (cert|key) "([^"]+)"', conf, re.M))
    assert certificate_paths(files, step.host) == {named["cert"]: "cert", named["key"]: "key"}
    # smtpd reads its certificate only at start, and its unit has no reload.
    assert "&& systemctl restart opensmtpd'" in files["README.md"]


# --------------------------------------------------------------------------
# DKIM: opensmtpd-filter-dkimsign, one filter per domain on a loopback listener


def _signing(slug: str):
    """``slug`` on OpenSMTPD with a DKIM key for each domain that sends."""
    design = switched(slug, "opensmtpd")
    _pem, public = dkim.generate()
    domains = tuple(
        dataclasses.replace(
            d, dkim_selector="lab" if d.alias_of else "s2026a", dkim_public_key=public
        )
        if d.receives_mail
        else d
        for d in design.domains
    )
    return dataclasses.replace(design, domains=domains)


def test_it_signs_each_domain_with_its_own_filter_and_key(smtpd, certificate, tmp_path):
    design = _signing("multi-domain")
    plan = make_plan(design)
    files = bundle(design, plan)
    ((host, folder),) = _write(design, plan, tmp_path)
    checked = _checkable(folder, certificate)
    result = _check(smtpd, checked)
    assert result.returncode == 0, result.stderr
    conf = files[f"opensmtpd/{host.name}/smtpd.conf"]
    expected = {
        "example-shop.com": ("lab", f"{DKIM_DIR}/lab.example-shop.com.key"),
        "example.com": ("s2026a", f"{DKIM_DIR}/s2026a.example.com.key"),
        "example.net": ("s2026a", f"{DKIM_DIR}/s2026a.example.net.key"),
    }
    # The plan has the host sign, and says how (its reason is the section's comment).
    assert set(host.dkim_signs) == set(expected)
    assert "with DKIM (OpenSMTPD's filter-dkimsign)" in re.sub(r"\n# ?", " ", conf)
    rules = _rules(conf)
    for domain, (selector, key) in expected.items():
        # One filter per key: one -d, its own selector and key, run as _dkimsign.
        (line,) = [li for li in conf.splitlines() if f"-d {domain} " in li]
        name = line.split('"')[1]
        assert f"-s {selector} -k {key}" in line and "user _dkimsign group _dkimsign" in line
        (listen,) = [li for li in conf.splitlines() if li.endswith(f' filter "{name}"')]
        assert listen.startswith("listen on 127.0.0.1 port ")
        tag = listen.split(" tag ")[1].split()[0]
        # The signed copy goes out before any rule could send it round again; only the
        # host's own, its trusted networks' and logged-in users' mail is sent to be signed.
        out = rules.index(f'match from local tag {tag} for any action "outbound"')
        signing = [r for r in rules if f'mail-from "@{domain}"' in r]
        assert {r.split(" mail-from")[0] for r in signing} == {
            "match from local",
            "match from src <trusted>",
            "match auth from any",
        }
        assert all(rules.index(r) > out for r in signing)
    # Cron's root@<host> is signed for the origin domain (relaxed DMARC alignment).
    assert f'match from local mail-from "@{host.name}" for any' in conf
    # The install step installs the filter, makes the key folder and stops without a key;
    # the README says where each key goes and whose it is.
    (step,) = [s for s in installs(files) if s.program == "opensmtpd"]
    assert step.packages == (f"{PACKAGE}/{SUITE}", "opensmtpd-filter-dkimsign")
    assert step.accounts == (f"install -d -o root -g _dkimsign -m 0750 {DKIM_DIR}",)
    for _selector, key in expected.values():
        assert any(key in c and "exit 1" in c for c in step.commands), key
        assert (
            f"install -o root -g _dkimsign -m 0640 KEY-YOU-DOWNLOADED {key}" in (files["README.md"])
        )
    assert "opensmtpd-filter-dkimsign" in files[f"hosts/{host.name}/install.sh"]
    # smtpd refuses a listener that names a filter nobody declared.
    broken = folder / "broken.conf"
    undeclared = re.sub(r'^filter "dkim_example_net" .*$', "", checked.read_text(), flags=re.M)
    broken.write_text(undeclared)
    assert _check(smtpd, broken).returncode != 0


def test_without_keys_nothing_is_signed():
    design = switched("multi-domain", "opensmtpd")
    files = bundle(design, make_plan(design))
    conf = next(t for p, t in files.items() if p.endswith("/smtpd.conf"))
    assert "filter-dkimsign" not in conf and "tag DKIM_" not in conf
    (step,) = [s for s in installs(files) if s.program == "opensmtpd"]
    assert step.packages == (f"{PACKAGE}/{SUITE}",) and not step.accounts
