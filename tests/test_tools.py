"""The system programs that the exporter and browser tests run are installed.

In CI a missing program is a failure, never a skip: bin/test installs them, so their absence
means the setup broke. Elsewhere the test skips and says what to install.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# What to look for, and the Debian package that provides it.
REQUIRED = [
    ("dot", "graphviz"),
    ("postconf", "postfix"),
    ("postmap", "postfix"),
    ("named-checkzone", "bind9-utils"),
    ("m4", "m4"),
    ("/usr/share/sendmail/cf/m4/cf.m4", "sendmail-cf"),
    ("doveconf", "dovecot-core"),
    ("/usr/bin/chromium", "chromium"),
]

SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])


@pytest.mark.parametrize(("tool", "package"), REQUIRED)
def test_it_has_the_system_program(tool, package):
    if tool.startswith("/"):
        found = Path(tool).is_file()
    else:
        found = shutil.which(tool, path=SEARCH_PATH) is not None

    if not found and os.environ.get("CI") != "true":
        pytest.skip(f"{tool} is missing: apt-get install {package}")
    assert found, f"{tool} is missing: bin/test should have installed Debian package {package}"
