"""manage.py export DESIGN.json --out DIR [--force]: write the export bundle (CONTRACT §4)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from architect.core.exporters import bundle
from architect.core.planner import plan

from ._design import read_design


class Command(BaseCommand):
    help = "Write the export bundle of a design: DNS zones, MTA configs, the plan and more."

    def add_arguments(self, parser):
        parser.add_argument("design", help="the design file (JSON), or - for standard input")
        parser.add_argument("--out", required=True, help="the folder to write into")
        parser.add_argument(
            "--force", action="store_true", help="write into a folder that is not empty"
        )

    def handle(self, *args, **options):
        design = read_design(options["design"])
        out = Path(options["out"])
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} exists and is not a folder", returncode=1)
        if out.is_dir() and any(out.iterdir()) and not options["force"]:
            raise CommandError(f"{out} is not empty; use --force to write into it", returncode=1)
        files = bundle(design, plan(design))
        for relative, text in files.items():
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {len(files)} files to {out}\n", ending="")
