"""The live check as the web app runs it: settings, limits on concurrency and rate, storage.

The checking itself is ``architect.core.live`` (no Django). Here: the address guard is on
unless LIVE_CHECK_ALLOW_PRIVATE says otherwise; a visitor runs one check at a time and the
site a few (slots in the cache, so every app server shares them); a visitor runs at most
CHECKS_PER_HOUR; each result is stored with its time (``designs.LiveCheck``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

from architect.core import design as core_design
from architect.core import live
from architect.core.planner import plan as make_plan

PER_VISITOR = 1
PER_SITE = 4
CHECKS_PER_HOUR = 20
TIMEOUT = 3.0  # each lookup and connection
TOTAL = 30.0  # one whole check
KEEP = 20  # checks kept per design
# A slot outlives a crashed worker by this much at most.
SLOT_SECONDS = int(TOTAL) + 30


class Busy(Exception):
    """Too many checks at once or in the hour: the message says which, and when to retry."""


def options() -> live.Options:
    return live.Options(
        allow_private=getattr(settings, "LIVE_CHECK_ALLOW_PRIVATE", False),
        private_hint="the site does not probe such addresses; its operator can allow them "
        "with LIVE_CHECK_ALLOW_PRIVATE",
        timeout=TIMEOUT,
        total=TOTAL,
        cafile=getattr(settings, "LIVE_CHECK_CAFILE", None),
        # A page names the setting, never the path of a file on the server.
        cafile_label="the site's LIVE_CHECK_CAFILE",
    )


@contextmanager
def slot(visitor: str) -> Iterator[None]:
    """Hold one of the visitor's and one of the site's check slots, or raise Busy."""
    rate = f"live-check:rate:{visitor}"
    cache.add(rate, 0, timeout=3600)
    if _incr(rate) > CHECKS_PER_HOUR:
        raise Busy(f"You have run {CHECKS_PER_HOUR} checks in the last hour; try again later.")
    held = []
    try:
        for key, limit, words in (
            (f"live-check:visitor:{visitor}", PER_VISITOR, "Your previous check is still running"),
            ("live-check:site", PER_SITE, "The site is running as many checks as it can"),
        ):
            cache.add(key, 0, timeout=SLOT_SECONDS)
            held.append(key)
            if _incr(key) > limit:
                raise Busy(f"{words}; try again in a minute.")
        yield
    finally:
        for key in held:
            try:
                cache.decr(key)
            except ValueError:
                pass  # expired meanwhile


def _incr(key: str) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=SLOT_SECONDS)
        return 1


def run(design, visitor: str):
    """Check the deployed domain of a stored design, store the result and return it.

    Raises Busy when the limits say no, and core.design.DesignError for a design stored
    under older rules.
    """
    from architect.designs.models import LiveCheck

    loaded = core_design.load(design.document)
    with slot(visitor):
        report = live.check(loaded, make_plan(loaded), options())
    stored = LiveCheck.objects.create(
        design=design, report=report.to_dict(), summary=report.summary()[:200]
    )
    old = design.live_checks.values_list("pk", flat=True)[KEEP:]
    LiveCheck.objects.filter(pk__in=list(old)).delete()
    return stored


def changes(latest: dict, previous: dict | None) -> list[dict]:
    """Rows whose verdict changed since the previous check, appeared or went away."""
    if previous is None:
        return []
    rows = {_key(r): r for r in latest.get("rows", ())}
    before = {_key(r): r for r in previous.get("rows", ())}
    out = []
    for key, row in rows.items():
        old = before.get(key)
        if old is None:
            out.append({"row": row, "was": "not in the previous check"})
        elif old["status"] != row["status"] or old.get("found") != row.get("found"):
            out.append({"row": row, "was": old["status"].replace("_", " ")})
    for key, row in before.items():
        if key not in rows:
            out.append({"row": row, "was": "gone from this check"})
    return out


def _key(row: dict) -> str:
    return f"{row['kind']}|{row['name']}|{row['type']}"
