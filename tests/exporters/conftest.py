"""Fixtures for the exporter tests: bundles written to disk, and the programs that read them.

Exports are checked by the real programs (DESIGN.md), so these fixtures run
them. When a program is missing the test is skipped with the package to
install, except in CI (``CI=true``), where a missing program is a failure:
bin/test installs them, so their absence means the setup broke.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from architect import examples
from architect.core import design as model
from architect.core.exporters import bundle
from architect.core.exporters.zone import CHECKZONE_FLAGS
from architect.core.planner import plan as make_plan

SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])


def find_program(name: str, package: str) -> str:
    """The program's path; skips the test when it is missing, or fails it in CI."""
    found = shutil.which(name, path=SEARCH_PATH)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing: bin/test should have installed {package}")
        pytest.skip(f"{name} is missing: apt-get install {package}")
    return found


@pytest.fixture
def program() -> Callable[[str, str], str]:
    """``program(name, package)``: the path of a program the test needs."""
    return find_program


@pytest.fixture(params=examples.slugs())
def example(request):
    """Each example design with its plan: ``(slug, design, plan)``."""
    design = examples.load(request.param)
    return request.param, design, make_plan(design)


# Text a person might type into the design: a record, a quote, a tag.
EVIL = 'evil\n@ IN A 6.6.6.6 ; "quote" <script>'


@pytest.fixture
def evil_design():
    """A valid design whose name and description try to inject records and markup."""
    doc = {
        "format": "mail-design",
        "version": 1,
        # The validator refuses a newline in the name, so the name carries the rest;
        # the description may hold newlines.
        "name": 'evil @ IN A 6.6.6.6 ; "quote" <script>',
        "description": EVIL + "\n$INCLUDE /etc/passwd\n",
        "domains": [{"name": "example.org"}],
        "networks": [{"name": "net", "zone": "internet", "cidrs": ["192.0.2.0/24"]}],
        "hosts": [
            {
                "name": "mail.example.org",
                "network": "net",
                "addresses": ["192.0.2.10"],
                "stores_mailboxes": True,
                "services": ["imap", "submission"],
            }
        ],
        "policy": {"reports_to": "postmaster@example.org"},
    }
    design = model.load(doc)
    # And past the validator too: the exporters themselves must hold against a raw newline.
    return dataclasses.replace(design, name=EVIL + "\r\u2028$TTL 1")


@pytest.fixture
def doc_without_mx_address() -> dict:
    """A design document whose only MX host has no address (finding mx-without-address)."""
    return {
        "format": "mail-design",
        "version": 1,
        "name": "MX without address",
        "domains": [{"name": "example.org"}],
        "networks": [{"name": "net", "zone": "internet"}],
        "hosts": [
            {
                "name": "mail.example.org",
                "network": "net",
                "stores_mailboxes": True,
                "services": ["imap", "submission"],
            }
        ],
        "clients": [{"name": "laptops", "kind": "desktop", "network": "net"}],
    }


@pytest.fixture
def write_bundle(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write bundle files under a fresh directory and return it."""
    counter = iter(range(1_000_000))

    def write(files: dict[str, str]) -> Path:
        root = tmp_path / f"bundle-{next(counter)}"
        for path, text in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            # newline="" keeps the exact line endings (MTA-STS policies use CRLF).
            target.write_text(text, encoding="utf-8", newline="")
        return root

    return write


@pytest.fixture
def export(write_bundle):
    """Export a design's whole bundle to disk: ``(directory, files)``."""

    def run(design, plan=None):
        files = bundle(design, plan or make_plan(design))
        return write_bundle(files), files

    return run


@pytest.fixture
def named_checkzone() -> Callable[..., subprocess.CompletedProcess]:
    """Run named-checkzone with the strict flags the README gives people."""
    program = find_program("named-checkzone", "bind9-utils")

    def run(domain: str, path: Path, *extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [program, *CHECKZONE_FLAGS, *extra, domain, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


_TXT_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(\d{3}|.)")


def _unescape(text: str) -> str:
    raw = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(text):
        raw += text[pos : m.start()].encode("utf-8")
        seq = m.group(1)
        raw += bytes([int(seq)]) if seq.isdigit() else seq.encode("utf-8")
        pos = m.end()
    raw += text[pos:].encode("utf-8")
    return raw.decode("utf-8")


def txt_value(rdata: str) -> str:
    """TXT record data (one or more quoted strings) as the one value receivers see."""
    return "".join(_unescape(s) for s in _TXT_STRING.findall(rdata))


@pytest.fixture
def zone_records(named_checkzone) -> Callable[[str, Path], set[tuple[str, str, str]]]:
    """The records BIND loads from a zone file, as ``(name, type, value)``.

    Read from the canonical dump (``-o -``), so it is what a name server would
    serve, not what the file seems to say: TXT strings are joined and
    unescaped, names lower-cased.
    """

    def records(domain: str, path: Path) -> set[tuple[str, str, str]]:
        result = named_checkzone(domain, path, "-o", "-")
        assert result.returncode == 0, result.stdout + result.stderr
        out = set()
        for line in result.stdout.splitlines():
            if not line.strip() or line.startswith(";"):
                continue
            name, _ttl, _class, rtype, rdata = line.split(None, 4)
            value = txt_value(rdata) if rtype == "TXT" else " ".join(rdata.split())
            out.add((name.lower(), rtype, value))
        return out

    return records


def gateway_and_store(
    *,
    store_mta: str = "none",
    users: tuple[str, ...] = ("alice", "bob"),
    store_addresses: tuple[str, ...] = ("10.1.0.10",),
    alias: bool = False,
    null_client: bool = False,
):
    """A design built in code: a DMZ gateway (the MX, with submission) and an inside store.

    ``store_mta="none"`` is the filtering-edge shape (the store runs Dovecot alone and
    takes LMTP); ``"postfix"`` the DMZ-gateway shape (the store's Postfix files the
    mail). ``alias`` adds example.net as an alias of example.org; ``null_client`` an
    inside host that only sends (its cron mail leaves as root@example.org).
    """
    domains = [{"name": "example.org", "users": list(users)}]
    if alias:
        domains.append({"name": "example.net", "alias_of": "example.org"})
    hosts = [
        {
            "name": "gw.example.org",
            "network": "dmz",
            "addresses": ["198.51.100.2"],
            "services": ["submission"],
        },
        {
            "name": "store.example.org",
            "network": "inside",
            "addresses": list(store_addresses),
            "mta": store_mta,
            "stores_mailboxes": True,
            "services": ["imap"],
        },
    ]
    if null_client:
        hosts.append({"name": "app.example.org", "network": "inside", "addresses": ["10.1.0.30"]})
    return model.load(
        {
            "format": "mail-design",
            "version": 1,
            "name": "Gateway and store",
            "domains": domains,
            "networks": [
                {"name": "dmz", "zone": "dmz", "cidrs": ["198.51.100.0/28"]},
                {"name": "inside", "zone": "internal", "cidrs": ["10.1.0.0/24"]},
                {"name": "roaming", "zone": "remote"},
            ],
            "hosts": hosts,
            "clients": [{"name": "office", "kind": "desktop", "count": 5, "network": "inside"}],
        }
    )
