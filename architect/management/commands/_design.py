"""Reading a design file for the command-line tools (CONTRACT §3)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import CommandError

from architect.core.design import LIMITS, Design, DesignError, loads


def read_design(path: str) -> Design:
    """Load and validate a design file, or stop with every problem and exit status 1."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(LIMITS["json_bytes"] + 1)
        else:
            file = Path(path)
            if file.stat().st_size > LIMITS["json_bytes"]:
                raise CommandError(
                    f"{path}: larger than {LIMITS['json_bytes']} bytes", returncode=1
                )
            data = file.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read: {exc.strerror}", returncode=1) from None
    try:
        return loads(data)
    except DesignError as exc:
        lines = [f"{path} is not a valid design ({len(exc.problems)} problems):"]
        lines += [f"  {p}" for p in exc.problems]
        raise CommandError("\n".join(lines), returncode=1) from None
