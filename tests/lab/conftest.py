"""The lab needs root, Linux namespaces and the daemons; with CI=true their lack is a failure."""

from __future__ import annotations

import os
import sys

import pytest

from architect.management.commands.lab import missing_programs


def lab_unavailable() -> str | None:
    """Why the lab cannot run here, or None."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return "the lab needs root on Linux"
    missing = missing_programs()
    if missing:
        return "the lab needs " + ", ".join(missing)
    return None


@pytest.fixture
def lab_host():
    why = lab_unavailable()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(why + " (CI=true: never skipped)")
        pytest.skip(why)
