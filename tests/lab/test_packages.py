"""The private unpacker: sendmail, Exim and OpenSMTPD run from a root of their own.

These download from the Debian mirror (as CI can). With CI=true any failure
fails; elsewhere they skip only when not root (apt-get download as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from architect.lab import packages
from architect.lab.packages import (
    UnpackError,
    environment,
    library_path,
    unpacked,
    unpacked_versions,
)

CACHE = packages.CACHE
TIMEOUT = 60


@pytest.fixture(autouse=True)
def _needs_root():
    if os.geteuid() != 0 and os.environ.get("CI") != "true":
        pytest.skip("apt-get download into a private root needs root")


def _unpack(names: list[str], folder: str) -> Path:
    try:
        return unpacked(names, CACHE / folder)
    except UnpackError as error:
        pytest.fail(f"could not unpack {names}: {error}")


def _run(command: list[str], root: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=environment(root),
        check=False,
    )


def test_it_unpacks_sendmail_and_sendmail_starts(tmp_path):
    root = _unpack(["sendmail-bin"], "sendmail")
    # What a Postfix machine lacks comes along; what it has, and the MTA
    # virtual package, do not.
    versions = unpacked_versions(root)
    assert {"sendmail-bin", "sendmail-base", "liblockfile1"} <= versions.keys()
    assert "sendmail-cf" not in versions and "libc6" not in versions
    assert "liblockfile.so.1" in {p.name for p in Path(library_path(root)).glob("*.so*")}
    mc = tmp_path / "lab.mc"
    mc.write_text(
        "OSTYPE(`debian')dnl\ndefine(`confDOMAIN_NAME', `lab.example')dnl\n"
        "FEATURE(`nullclient', `hub.lab.example')dnl\n"
    )
    built = subprocess.run(
        ["m4", "/usr/share/sendmail/cf/m4/cf.m4", str(mc)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    cf = tmp_path / "lab.cf"
    cf.write_text(built.stdout)
    # A qualified host name, or sendmail sleeps a minute before it starts.
    result = _run(
        ["unshare", "-u", "sh", "-c", 'hostname lab.example && exec "$@"', "-"]
        + [str(root / "usr/libexec/sendmail/sendmail"), "-d0.1", "-bt", "-C", str(cf)],
        root,
    )
    assert result.stdout.startswith("Version 8.17"), result.stdout + result.stderr
    assert "STARTTLS" in result.stdout and "ADDRESS TEST MODE" in result.stdout


def test_it_unpacks_exim_and_exim_starts(tmp_path):
    root = _unpack(["exim4-daemon-light"], "exim4")
    versions = unpacked_versions(root)
    assert {"exim4-daemon-light", "exim4-base"} <= versions.keys()
    # exim4-config conflicts with postfix: left out (-C names the configuration).
    assert "exim4-config" not in versions
    conf = tmp_path / "exim4.conf"
    conf.write_text(
        "primary_hostname = lab.example\nkeep_environment =\n"
        "domainlist local_domains = @\nbegin acl\nbegin routers\nbegin transports\n"
    )
    # Exim looks up its compiled-in user Debian-exim before reading -C: give it
    # one in a private mount namespace instead of adding it to this machine.
    passwd, group = tmp_path / "passwd", tmp_path / "group"
    passwd.write_text(
        Path("/etc/passwd").read_text()
        + "Debian-exim:x:64990:64990::/var/spool/exim4:/usr/sbin/nologin\n"
    )
    group.write_text(Path("/etc/group").read_text() + "Debian-exim:x:64990:\n")
    script = f'mount --bind {passwd} /etc/passwd && mount --bind {group} /etc/group && exec "$@"'
    result = _run(
        ["unshare", "-m", "sh", "-c", script, "-"]
        + [str(root / "usr/sbin/exim4"), "-C", str(conf), "-bV"],
        root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Exim version 4.96" in result.stdout


def test_it_unpacks_opensmtpd_and_smtpd_checks_a_config(tmp_path):
    root = _unpack(["opensmtpd"], "opensmtpd")
    assert "opensmtpd" in unpacked_versions(root)
    good, bad = tmp_path / "smtpd.conf", tmp_path / "bad.conf"
    good.write_text(
        'listen on lo\naction "local" mbox\nmatch from local for local action "local"\n'
    )
    bad.write_text("listen on lo\nnot a rule\n")
    smtpd = str(root / "usr/sbin/smtpd")
    ok = _run([smtpd, "-n", "-f", str(good)], root)
    assert ok.returncode == 0 and "configuration OK" in ok.stdout + ok.stderr, ok.stderr
    refused = _run([smtpd, "-n", "-f", str(bad)], root)
    assert refused.returncode != 0 and "syntax error" in refused.stderr
    version = _run([smtpd, "-h"], root)
    assert "OpenSMTPD 6.8" in version.stdout + version.stderr


def _apt_sources() -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(Path("/etc/apt").rglob("*")) if p.is_file()}


def test_it_takes_a_package_from_a_suite_the_system_lacks_without_changing_apt():
    # The install step's OpenSMTPD: bookworm-backports' 7.4, through the private view.
    before = _apt_sources()
    root = _unpack(["opensmtpd/bookworm-backports"], "opensmtpd-bookworm-backports")
    assert "~bpo" in unpacked_versions(root)["opensmtpd"]
    version = _run([str(root / "usr/sbin/smtpd"), "-h"], root)
    assert "OpenSMTPD 7.4" in version.stdout + version.stderr
    assert _apt_sources() == before
    # A suite the mirror does not have is an error that names it.
    try:
        with pytest.raises(UnpackError, match="no-such-suite"):
            unpacked(["opensmtpd/bookworm-no-such-suite"], CACHE / "opensmtpd-no-such-suite")
    finally:
        shutil.rmtree(CACHE / "opensmtpd-no-such-suite", ignore_errors=True)
        shutil.rmtree(CACHE / "apt" / "bookworm-no-such-suite", ignore_errors=True)


def test_it_does_nothing_the_second_time(monkeypatch):
    root = _unpack(["sendmail-bin"], "sendmail")
    before = (root / packages.STAMP).read_text()

    def no_programs(*args, **kwargs):
        raise AssertionError(f"ran {args[0]} although everything is unpacked")

    monkeypatch.setattr(packages, "_run", no_programs)
    assert unpacked(["sendmail-bin"], root) == root
    assert (root / packages.STAMP).read_text() == before


def test_it_says_why_a_package_cannot_be_had(tmp_path):
    with pytest.raises(UnpackError) as error:
        unpacked(["no-such-package-mail-architect"], tmp_path / "root")
    assert "no-such-package-mail-architect" in str(error.value)
    assert not (tmp_path / "root" / packages.STAMP).exists()


def test_it_reports_apt_s_output_when_a_download_fails(tmp_path):
    # A version the mirror does not have: apt-get download itself fails.
    with pytest.raises(UnpackError) as error:
        packages._download_and_extract({"sendmail-bin": "0.0-mail-architect"}, tmp_path)
    assert "apt-get download" in str(error.value)
    assert "0.0-mail-architect" in error.value.output
