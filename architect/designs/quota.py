"""What one owner may store: a number of designs and a number of bytes.

An owner is a browser session without an account, or an account (``settings.DESIGN_QUOTAS``
holds a cap for each, docs/settings.md). The bytes are those of the design documents as
the database keeps them: each design's current document, and its undo history, counted as
that document once per revision kept (revisions of one design are of much the same size,
and reading every one of them on each save would cost more than the save).

``Design.commit`` calls ``check`` inside its transaction, before writing anything. At the
cap, a save of a design drops that design's oldest revisions (its undo history) to make
room; when even the design and its one newest revision would not fit, or a new design would
not, it is refused whole: ``OverQuota`` carries the sentence to show. Everything happens in
the save's transaction, so a save that fails for another reason drops nothing either.
Deleting a design frees its room at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery, TextField
from django.db.models.functions import Cast, Coalesce, Length

if TYPE_CHECKING:
    from .models import Design


class OverQuota(Exception):
    """Saving would go over the owner's cap: nothing was saved."""

    # 413 Content Too Large: more than the site will keep for this owner.
    status = 413

    def __init__(self, message: str, advice: str) -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice


@dataclass(frozen=True)
class Cap:
    designs: int
    bytes: int


@dataclass(frozen=True)
class Usage:
    designs: int
    bytes: int


def cap_of(design: Design) -> Cap:
    """The cap of the design's owner: an account's, or a session's without one."""
    kind = "anonymous" if design.owner_id is None else "account"
    return Cap(**settings.DESIGN_QUOTAS[kind])


def stored_size(document: Any) -> int:
    """Bytes of a document as a JSONField stores it (json.dumps with its defaults)."""
    return len(json.dumps(document).encode("utf-8"))


def _owned_like(design: Design):
    from .models import Design

    if design.owner_id is not None:
        return Design.objects.filter(owner_id=design.owner_id)
    return Design.objects.filter(owner__isnull=True, session_key=design.session_key)


def usage(design: Design, *, exclude_self: bool = False) -> Usage:
    """What the design's owner stores now: designs, and bytes with their history."""
    designs = _owned_like(design)
    if exclude_self and design.pk is not None:
        designs = designs.exclude(pk=design.pk)
    from .models import Revision

    # A subquery, not a join: grouping the join would group by every column, documents too.
    revisions = (
        Revision.objects.filter(design=OuterRef("pk"))
        .order_by()
        .values("design")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = designs.annotate(
        size=Length(Cast("document", TextField())),
        revision_count=Coalesce(Subquery(revisions), 0),
    ).values_list("size", "revision_count")
    total = count = 0
    for size, revisions in rows:
        count += 1
        total += (size or 0) * (1 + revisions)
    return Usage(count, total)


def _kept_after_save(design: Design, size: int) -> int:
    """How many revisions the design keeps after one more save (models._kept's rule)."""
    from . import models

    kept = max(models.MIN_REVISIONS, min(models.MAX_REVISIONS, models.HISTORY_BYTES // size))
    if design.pk is None:
        return 1
    # The redo tail (after ``position``) is dropped by the save.
    return min(kept, design.revisions.filter(number__lte=design.position).count() + 1)


def megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def check(design: Design, document: Any) -> None:
    """Raise OverQuota when saving ``document`` as ``design`` would go over its owner's cap."""
    cap = cap_of(design)
    anonymous = design.owner_id is None
    others = usage(design, exclude_self=True)
    advice = _advice(anonymous)
    if design.pk is None and others.designs + 1 > cap.designs:
        who = "A visitor without an account" if anonymous else "An account"
        raise OverQuota(
            f"{who} may keep {cap.designs} designs, and you have {others.designs}, so no "
            "new one was made.",
            advice,
        )
    size = stored_size(document)
    after = others.bytes + size * (1 + _kept_after_save(design, size))
    if after <= cap.bytes:
        return
    # How many revisions of this size fit beside the document, the new one included.
    fits = (cap.bytes - others.bytes) // max(size, 1) - 1
    if design.pk is not None and fits >= 1:
        # Room for the design, not for all of its history: its oldest undo steps go.
        _drop_oldest_revisions(design, keep=fits - 1)
        return
    least = others.bytes + 2 * size  # the document and its one revision
    where = "in this browser" if anonymous else "in your account"
    allowed = "a visitor without an account may store" if anonymous else "an account may store"
    raise OverQuota(
        f"Saving this would bring your designs {where} to {megabytes(least)}, over the "
        f"{megabytes(cap.bytes)} {allowed}. Nothing was saved.",
        advice,
    )


def _drop_oldest_revisions(design: Design, keep: int) -> None:
    """Keep the newest ``keep`` revisions up to the current one (the save adds one more)."""
    from .models import Revision

    older = (
        design.revisions.filter(number__lte=design.position)
        .order_by("-number")
        .values_list("pk", flat=True)[keep:]
    )
    Revision.objects.filter(pk__in=list(older)).delete()


def _advice(anonymous: bool) -> str:
    if anonymous:
        account = settings.DESIGN_QUOTAS["account"]
        return (
            "To make room, delete designs you no longer need (Your designs, then Delete), "
            f"or sign in: an account may keep {account['designs']} designs and "
            f"{megabytes(account['bytes'])}, and the designs of this browser become its own."
        )
    return "To make room, delete designs you no longer need (Your designs, then Delete)."
