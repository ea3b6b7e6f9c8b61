"""manage.py check-live DESIGN.json [--resolver IP] [--format json|text] (CONTRACT §3).

Also ``--timeout``, ``--total`` and ``--cafile FILE`` (a private CA trusted besides the
system's authorities).

The file name has a dash because Django names a command after its module, and the contract
spells the command ``check-live``; importlib loads such a module by name although ``import``
cannot (Django's discovery uses importlib.import_module).
"""

from __future__ import annotations

import json
import ssl

from django.core.management.base import BaseCommand, CommandError

from architect.core import planner
from architect.core.live import Options, check, probes
from architect.core.live.dnsq import parse_resolver
from architect.management.commands._design import read_design


class Command(BaseCommand):
    help = (
        "Compare what is deployed (DNS, SPF, reverse DNS, SMTP, MTA-STS, DKIM) with the plan "
        "of a design: exit 0 when everything matches, 1 when something differs or is "
        "missing, 2 on bad arguments."
    )

    def add_arguments(self, parser):
        parser.add_argument("design", help="the design file (JSON), or - for standard input")
        parser.add_argument(
            "--resolver",
            help="ask this DNS server (IP, IP:PORT or [IPv6]:PORT) instead of the system's",
        )
        parser.add_argument("--format", choices=("json", "text"), default="text")
        parser.add_argument(
            "--timeout", type=float, default=3.0, help="seconds for each lookup and connection"
        )
        parser.add_argument("--total", type=float, default=60.0, help="seconds for the whole check")
        parser.add_argument(
            "--cafile",
            help="also trust the certificate authorities in this PEM file (a private CA) for "
            "the SMTP and MTA-STS certificates, besides the system's",
        )

    def handle(self, *args, **options):
        resolver, port = None, 53
        if options["resolver"]:
            try:
                resolver, port = parse_resolver(options["resolver"])
            except ValueError as exc:
                raise CommandError(f"--resolver: {exc}", returncode=2) from None
        if not (0 < options["timeout"] <= 60 and 0 < options["total"] <= 3600):
            raise CommandError("--timeout must be 0-60 s and --total 0-3600 s", returncode=2)
        cafile = options["cafile"]
        if cafile:
            try:
                probes.trust(cafile)
            except (OSError, ssl.SSLError) as exc:
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                raise CommandError(
                    f"--cafile {cafile}: not a readable PEM file of certificates ({why})",
                    returncode=2,
                ) from None
        try:
            design = read_design(options["design"])
        except CommandError as exc:
            # An unreadable or invalid design is a bad argument here (CONTRACT §3: 2).
            raise CommandError(str(exc), returncode=2) from None
        report = check(
            design,
            planner.plan(design),
            Options(
                resolver=resolver,
                resolver_port=port,
                timeout=options["timeout"],
                total=options["total"],
                cafile=cafile,
                cafile_label=cafile or "",
            ),
        )
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(report.to_text(), ending="")
        if report.exit_code:
            raise SystemExit(report.exit_code)
