"""manage.py rules [--format text|json]: the catalogue of the planner's finding codes."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from architect.core import rules


class Command(BaseCommand):
    help = "List the planner's rules: one line per finding code, with its severity and title."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, **options):
        catalogue = rules.all_rules()
        if options["format"] == "json":
            rows = [
                {
                    "code": r.code,
                    "severity": r.severity,
                    "title": r.title,
                    "learn": r.learn,
                    "page": f"/learn/findings/{r.code}/",
                }
                for r in catalogue
            ]
            self.stdout.write(json.dumps(rows, indent=2) + "\n", ending="")
            return
        width = max(len(r.code) for r in catalogue)
        for r in catalogue:
            self.stdout.write(f"{r.code:<{width}}  {r.severity:<7}  {r.title}")
