"""manage.py plan DESIGN.json [--format json|text]: print the plan of a design."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from architect.core import plan as plan_model
from architect.core import plan_text
from architect.core.planner import plan

from ._design import read_design


class Command(BaseCommand):
    help = "Print the mail plan derived from a design file (CONTRACT §2)."

    def add_arguments(self, parser):
        parser.add_argument("design", help="the design file (JSON), or - for standard input")
        parser.add_argument("--format", choices=("json", "text"), default="json")

    def handle(self, *args, **options):
        result = plan(read_design(options["design"]))
        if options["format"] == "json":
            self.stdout.write(plan_model.dumps(result), ending="")
        else:
            self.stdout.write(plan_text.to_text(result), ending="")
