"""A stored design is one document, validated by core/design/ alone, with its revisions.

``Design.document`` always holds the stored form (``parts.stored_form``, the canonical dump)
of a design that ``core.design.load`` accepted, and equals the document of the revision
numbered ``position``. Undo and redo move ``position`` through the revisions; a save after
an undo drops the revisions after ``position`` (the redo tail), as every editor does.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from architect.core import design as core_design
from architect.core.planner import plan as make_plan

from . import analysis, diff, quota
from .parts import stored_form

# Older revisions than this are dropped: undo reaches back this many saves. A revision holds
# the whole document, so an unbounded history would let one design fill the database: a
# large design keeps fewer (about HISTORY_BYTES of documents), but never fewer than
# MIN_REVISIONS.
MAX_REVISIONS = 100
MIN_REVISIONS = 10
HISTORY_BYTES = 50_000_000
SUMMARY_CHARS = 300
PARTS = ("domains", "networks", "hosts", "clients", "providers")


class StaleDesign(Exception):
    """The design was saved by another request since this one read it: nothing was saved."""


def stats_of(design: core_design.Design, findings: tuple = ()) -> dict[str, int]:
    """Counts shown in the list of designs, kept with the row so the list never plans."""
    out = {part: len(getattr(design, part)) for part in PARTS}
    out["errors"] = sum(f.severity == "error" for f in findings)
    out["warnings"] = sum(f.severity == "warning" for f in findings)
    out["notes"] = sum(f.severity == "info" for f in findings)
    return out


class Design(models.Model):
    # A copy of document["name"], for ordering and the list of designs.
    name = models.CharField(max_length=core_design.LIMITS["name_chars"])
    document = models.JSONField()
    # Who may see it: the account, or (for a visitor without one) the session.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="designs",
    )
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    # The number of the revision that ``document`` is.
    position = models.PositiveIntegerField(default=0)
    # secrets.token_urlsafe(32); None when the design is not shared.
    share_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    stats = models.JSONField(default=dict)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated", "-id"]

    def __str__(self) -> str:
        return self.name

    # -- saving -----------------------------------------------------------------

    def commit(self, document: Any, fallback: str) -> bool:
        """Make ``document`` the current revision, after validating it as a whole design.

        Raises ``core.design.DesignError`` (and changes nothing) when the document is not a
        valid design. Returns False when the document equals the current one: no revision.
        The revision's "what changed" is worked out from the documents; ``fallback`` is used
        when there is no earlier one to compare with.
        """
        design = core_design.load(document)
        canonical = stored_form(design)
        if self.pk is not None and canonical == self.document:
            return False
        summary = diff.summary(self.document if self.pk else None, canonical, fallback)
        planned = make_plan(design)
        findings = planned.findings
        try:
            with transaction.atomic():
                self._check_fresh()
                # At the owner's storage cap: room made from this design's oldest
                # revisions, or quota.OverQuota and nothing written.
                quota.check(self, canonical)
                self._save_revision(design, canonical, summary, findings)
        except IntegrityError:
            # Two saves of the same design at once (SQLite cannot lock the row first).
            raise StaleDesign() from None
        # The page that follows a save shows this design: it is loaded and planned already.
        analysis.remember(canonical, design, planned)
        return True

    def _check_fresh(self) -> None:
        """Refuse to save over a revision this request has not seen (another window)."""
        if self.pk is None:
            return
        position = (
            Design.objects.select_for_update()
            .filter(pk=self.pk)
            .values_list("position", flat=True)
            .first()
        )
        if position != self.position:
            raise StaleDesign()

    def _save_revision(self, design, canonical, summary: str, findings) -> None:
        self.document = canonical
        self.name = design.name
        self.stats = stats_of(design, findings)
        self.updated = timezone.now()
        if self.pk is None:
            self.save()
        else:
            self.revisions.filter(number__gt=self.position).delete()
        self.position += 1
        Revision.objects.create(
            design=self,
            number=self.position,
            document=canonical,
            summary=_short(summary),
            created=self.updated,
        )
        self.save()
        self.revisions.filter(number__lte=self.position - _kept(canonical)).delete()

    # -- undo and redo ----------------------------------------------------------

    def can_undo(self) -> bool:
        return self.revisions.filter(number__lt=self.position).exists()

    def can_redo(self) -> bool:
        return self.revisions.filter(number__gt=self.position).exists()

    def undo(self) -> Revision | None:
        """Go back one revision; returns the revision undone, or None at the oldest."""
        undone = self.revisions.filter(number=self.position).first()
        target = self.revisions.filter(number__lt=self.position).order_by("-number").first()
        if target is None:
            return None
        self._move_to(target)
        return undone

    def redo(self) -> Revision | None:
        """Go forward one revision; returns the revision redone, or None at the newest."""
        target = self.revisions.filter(number__gt=self.position).order_by("number").first()
        if target is None:
            return None
        self._move_to(target)
        return target

    def _move_to(self, revision: Revision) -> None:
        try:
            design = core_design.load(revision.document)
        except core_design.DesignError:
            # Stored under older, looser rules: keep the counts we had.
            design = None
        with transaction.atomic():
            self._check_fresh()
            self.document = revision.document
            self.position = revision.number
            self.updated = timezone.now()
            if design is None:
                self.name = str(revision.document.get("name", self.name))[:100]
            else:
                planned = make_plan(design)
                self.name = design.name
                self.stats = stats_of(design, planned.findings)
            self.save()
        if design is not None:
            analysis.remember(revision.document, design, planned)

    # -- sharing ----------------------------------------------------------------

    def share(self) -> str:
        """Give the design a read-only link (a new one if it had one), and return its token."""
        self.share_token = secrets.token_urlsafe(32)
        self.save(update_fields=["share_token"])
        return self.share_token

    def unshare(self) -> None:
        self.share_token = None
        self.save(update_fields=["share_token"])


class Revision(models.Model):
    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    summary = models.CharField(max_length=SUMMARY_CHARS)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["design", "number"], name="unique_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.design_id}#{self.number}: {self.summary}"


def _kept(document: dict[str, Any]) -> int:
    size = len(json.dumps(document, separators=(",", ":")))
    return max(MIN_REVISIONS, min(MAX_REVISIONS, HISTORY_BYTES // max(size, 1)))


def _short(summary: str) -> str:
    summary = " ".join(summary.split())
    if len(summary) <= SUMMARY_CHARS:
        return summary
    return summary[: SUMMARY_CHARS - 1] + "…"


class LiveCheck(models.Model):
    """One check of what is deployed against the design's plan (architect/live), kept with
    its time so the designer can say what changed since the previous one."""

    RUNNING, DONE, FAILED = "running", "done", "failed"
    STATES = [(RUNNING, "running"), (DONE, "done"), (FAILED, "failed")]

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="live_checks")
    created = models.DateTimeField(default=timezone.now)
    # The check runs off the request (architect/live): running until it is done, or
    # failed (an error, or no end within its time bound) with the reason in summary.
    state = models.CharField(max_length=10, choices=STATES, default=DONE)
    progress = models.CharField(max_length=200, blank=True, default="")
    finished = models.DateTimeField(null=True, blank=True)
    # core.live.Report.to_dict(): rows, summary, counts, resolver, seconds ({} until done).
    report = models.JSONField(default=dict)
    summary = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.design_id} at {self.created:%Y-%m-%d %H:%M}: {self.summary}"
