#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

from __future__ import annotations

import os
import secrets
import sys

# Commands that read a design file and write a plan, trace, bundle or lab report: they sign
# nothing and keep no sessions, so they need no secret key of the site (CONTRACT §3). A key
# made for this one run lets them start where DJANGO_SECRET_KEY is not set.
FILE_COMMANDS = frozenset({"plan", "trace", "export", "lab", "check-live", "rules"})


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "architect.settings")
    if len(sys.argv) > 1 and sys.argv[1] in FILE_COMMANDS:
        os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
