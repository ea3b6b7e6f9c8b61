"""manage.py load_examples: check that every example design loads and plans cleanly.

The example gallery reads architect/examples/*.json at request time, so nothing is stored:
this command is an idempotent check (bin/run runs it at start-up), printing one line per
example and failing when one does not load, plan or export.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from architect import examples
from architect.core.design import DesignError
from architect.core.exporters import bundle
from architect.core.planner import plan


class Command(BaseCommand):
    help = "Check that every example design loads, plans and exports (nothing is stored)."

    def handle(self, *args, **options):
        failed = []
        for slug in examples.slugs():
            try:
                design = examples.load(slug)
                result = plan(design)
                files = bundle(design, result)
            except DesignError as exc:
                failed.append(slug)
                self.stderr.write(f"{slug}: not a valid design:\n{exc}")
                continue
            except Exception as exc:  # an exporter or planner bug: say which example
                failed.append(slug)
                self.stderr.write(f"{slug}: {type(exc).__name__}: {exc}")
                continue
            errors = sum(f.severity == "error" for f in result.findings)
            self.stdout.write(
                f"{slug}: {design.name}: {len(result.hosts)} hosts, {len(files)} files, "
                f"{errors} error findings"
            )
        if failed:
            raise CommandError(f"{len(failed)} example(s) failed: {', '.join(failed)}")
        self.stdout.write(f"All {len(examples.slugs())} examples load and plan.")
