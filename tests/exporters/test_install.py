"""hosts/<host>/install.sh: written for every host with files, and accepted by shellcheck."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from architect import examples
from architect.core.exporters import bundle
from architect.core.planner import plan


def scripts(slug: str) -> dict[str, str]:
    design = examples.load(slug)
    files = bundle(design, plan(design))
    return {p: t for p, t in files.items() if p.startswith("hosts/")}


@pytest.fixture(scope="module")
def shellcheck():
    path = shutil.which("shellcheck")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("shellcheck is not installed (Debian package shellcheck)")
        pytest.skip("shellcheck is not installed")
    return path


@pytest.mark.parametrize("slug", examples.slugs())
def test_every_script_passes_shellcheck(slug, shellcheck, tmp_path):
    found = scripts(slug)
    assert found, "every example has a host with files"
    for path, text in found.items():
        file = tmp_path / path.replace("/", "_")
        file.write_text(text)
        done = subprocess.run(
            [shellcheck, "--shell=sh", str(file)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout


def test_shellcheck_catches_a_broken_script(shellcheck, tmp_path):
    # The check above can fail: an unquoted variable is what shellcheck reports.
    broken = next(iter(scripts("solo-server").values())).replace('"$BUNDLE/$1"', "$BUNDLE/$1")
    file = tmp_path / "broken.sh"
    file.write_text(broken)
    done = subprocess.run([shellcheck, "--shell=sh", str(file)], capture_output=True, timeout=60)
    assert done.returncode != 0


def test_it_writes_one_script_per_host_with_files_and_the_readme_points_to_it():
    design = examples.load("dmz-gateway")
    files = bundle(design, plan(design))
    assert sorted(p for p in files if p.startswith("hosts/")) == [
        "hosts/gw.example.com/install.sh",
        "hosts/store.example.com/install.sh",
    ]
    assert "sh hosts/gw.example.com/install.sh --dry-run" in files["README.md"]
    script = files["hosts/store.example.com/install.sh"]
    assert "place postfix/store.example.com/main.cf /etc/postfix/main.cf 0644 root" in script
    assert "run systemctl reload-or-restart postfix" in script
