"""manage.py expire_designs [--days N] [--dry-run]: remove abandoned designs without an account.

A design made without an account belongs to a browser session. Once nobody has changed it
for N days (settings.EXPIRE_ANONYMOUS_DAYS, 30 unless EXPIRE_ANONYMOUS_DAYS says) and its
session has expired or is gone, no one can reach it again: it only takes room. This removes
each such design with what hangs on it (its revisions, its share link, its live checks),
one line per design, then a total. Designs of accounts are never touched. Run it daily from
cron or a systemd timer (docs/settings.md).
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from architect.designs.models import Design


def _session_live(store_class, key: str, cache: dict[str, bool]) -> bool:
    """Whether the browser that made a design can still open it (its session loads)."""
    if key not in cache:
        # load() gives {} for a session that has expired or does not exist, whichever
        # session backend the site uses.
        cache[key] = bool(key) and bool(store_class(session_key=key).load())
    return cache[key]


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Command(BaseCommand):
    help = (
        "Remove designs made without an account that nobody has changed for --days days "
        "and whose browser session has ended, with their revisions, share links and live "
        "checks. Accounts' designs are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="remove designs not changed for this many days "
            f"(default {settings.EXPIRE_ANONYMOUS_DAYS}, from EXPIRE_ANONYMOUS_DAYS)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print what would be removed and remove nothing",
        )

    def handle(self, *args, **options):
        days = options["days"] if options["days"] is not None else settings.EXPIRE_ANONYMOUS_DAYS
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        dry_run = options["dry_run"]
        cutoff = timezone.now() - timedelta(days=days)
        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        sessions: dict[str, bool] = {}

        candidates = (
            Design.objects.filter(owner__isnull=True, updated__lt=cutoff)
            .annotate(revision_count=Count("revisions", distinct=True))
            .annotate(check_count=Count("live_checks", distinct=True))
            .order_by("updated", "pk")
            .values_list(
                "pk",
                "name",
                "session_key",
                "updated",
                "share_token",
                "revision_count",
                "check_count",
            )
        )
        verb = "would remove" if dry_run else "removed"
        totals = {"design": 0, "revision": 0, "share link": 0, "live check": 0}
        for pk, name, key, updated, token, revisions, checks in candidates.iterator():
            if _session_live(store_class, key, sessions):
                continue
            if not dry_run:
                # Only if it is still abandoned: a save since the query made it someone's.
                deleted, _ = Design.objects.filter(
                    pk=pk, owner__isnull=True, updated__lt=cutoff
                ).delete()
                if not deleted:
                    continue
            totals["design"] += 1
            totals["revision"] += revisions
            totals["share link"] += 1 if token else 0
            totals["live check"] += checks
            extras = [_count(revisions, "revision")]
            if checks:
                extras.append(_count(checks, "live check"))
            if token:
                extras.append("its share link")
            self.stdout.write(
                f"{verb} design {pk} “{name}”, last changed {updated:%Y-%m-%d}: "
                + ", ".join(extras)
            )
        summary = ", ".join(_count(n, what) for what, n in totals.items())
        self.stdout.write(
            f"{verb} {summary} (designs without an account, unchanged for {days} days)."
        )
