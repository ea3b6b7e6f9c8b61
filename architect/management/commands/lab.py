"""manage.py lab DESIGN.json [--keep] [-v]: deploy a design's bundle on real daemons and move mail.

See docs/lab.md. Needs root on Linux (namespaces, mounts) and the daemons the
design runs (postfix, dovecot, named). Exit status: 0 every check passed, 1 a
check failed, 2 the lab could not be built.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from architect.lab import world
from architect.lab.checks import Checks
from architect.lab.machine import LabError

from ._design import read_design

# What the lab runs, by the Debian package that brings it.
PROGRAMS = {
    "unshare": "util-linux",
    "nsenter": "util-linux",
    "ip": "iproute2",
    "named": "bind9",
    "postfix": "postfix",
    "dovecot": "dovecot-core",
    "openssl": "openssl",
    "nginx": "nginx",  # the web host: MTA-STS policies and autoconfig files
    "saslauthd": "sasl2-bin",  # sendmail's submission logins, checked at Dovecot
}


def missing_programs() -> list[str]:
    """The programs the lab needs that are not installed, each with its package."""
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return [
        f"{prog} (Debian package {pkg})"
        for prog, pkg in PROGRAMS.items()
        if shutil.which(prog, path=path) is None
    ]


class Command(BaseCommand):
    help = "Deploy a design's bundle on real daemons in network namespaces and move mail."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # CONTRACT §3 has a bare -v: let Django's -v/--verbosity take no value, as 2.
        for action in parser._actions:
            if "-v" in action.option_strings:
                action.nargs = "?"
                action.const = 2
        return parser

    def add_arguments(self, parser):
        parser.add_argument("design", help="the design file (JSON), or - for standard input")
        parser.add_argument(
            "--keep", action="store_true", help="keep the lab's folder (files and logs)"
        )

    def handle(self, *args, **options):
        design = read_design(options["design"])
        if sys.platform != "linux" or os.geteuid() != 0:
            raise CommandError("the lab needs root on Linux (namespaces and mounts)", returncode=2)
        missing = missing_programs()
        if missing:
            raise CommandError("the lab needs: " + ", ".join(missing), returncode=2)
        verbose = options["verbosity"] >= 2
        say = (lambda text: self.stderr.write(f"  {text}")) if verbose else None
        folder = Path(tempfile.mkdtemp(prefix="mail-architect-lab-", dir="/tmp"))
        previous = signal.signal(signal.SIGTERM, _interrupt)
        started = time.monotonic()
        lab = None
        try:
            try:
                lab = world.build(design, folder, verbose=say)
            except LabError as exc:
                raise CommandError(f"the lab could not be built: {exc}", returncode=2) from None
            self.stdout.write(
                f"lab of {design.name!r}: {len(lab.hosts)} hosts up in "
                f"{time.monotonic() - started:.1f} s"
            )
            for note in lab.notes:
                self.stdout.write(f"filled in: {note}")
            passed = failed = 0
            for result in Checks(lab).run():
                self.stdout.write(result.line())
                passed, failed = passed + result.ok, failed + (not result.ok)
        finally:
            if lab is not None:
                lab.stop()
            signal.signal(signal.SIGTERM, previous)
            if options["keep"]:
                self.stderr.write(f"the lab's files and logs are kept in {folder}")
            else:
                world.remove(folder)
        self.stdout.write(f"took {time.monotonic() - started:.1f} s")
        self.stdout.write(f"{passed} passed, {failed} failed")
        if failed:
            raise CommandError(f"{failed} lab checks failed", returncode=1)


def _interrupt(signum, frame):
    raise KeyboardInterrupt
