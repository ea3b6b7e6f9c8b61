"""manage.py trace DESIGN.json --from CLIENT|internet --to ADDRESS: follow one message.

Exit status: 0 when the message is delivered, sent out, or rightly refused;
1 for an invalid design; 2 for a bad --from/--to; 3 when the plan leaves the
message stuck (the findings say why).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from architect.core import trace as trace_model
from architect.core.planner import plan

from ._design import read_design


class Command(BaseCommand):
    help = "Show the hops a message takes from a client (or the internet) to an address."

    def add_arguments(self, parser):
        parser.add_argument("design", help="the design file (JSON), or - for standard input")
        parser.add_argument(
            "--from", dest="sender", required=True, help="a client name or internet"
        )
        parser.add_argument("--to", dest="recipient", required=True, help="an address, user@domain")
        parser.add_argument("--format", choices=("json", "text"), default="text")

    def handle(self, *args, **options):
        result = plan(read_design(options["design"]))
        try:
            t = trace_model.trace(result, options["sender"], options["recipient"])
        except trace_model.TraceError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["format"] == "json":
            self.stdout.write(trace_model.dumps(t), ending="")
        else:
            self.stdout.write(trace_model.to_text(t), ending="")
        if not t.ok:
            raise CommandError(f"the message is not delivered: {t.outcome}", returncode=3)
