"""Helpers shared by the web tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Long and varied enough for Django's deploy check (50+ characters, 5+ unique).
SECRET_KEY = "k7Qm2xV9pL4sT8wZ1rN6yB3cF5hJ0dG2aE9uI4oP7tR1vX8nM3q"


def run_python(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run Python in a fresh process whose environment holds only PATH and ``env``.

    Settings are read once per process, so trying another environment needs another process.
    """
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "architect.settings"}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_settings(env: dict[str, str], *names: str) -> dict:
    """The named settings, as a fresh process started with ``env`` sees them."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"values = {{n: getattr(settings, n, None) for n in {list(names)!r}}}; "
        "print(json.dumps(values, default=str))"
    )
    result = run_python("-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
