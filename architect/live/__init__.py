"""The live check as the web app runs it: settings, limits, a small job queue, storage.

The checking itself is ``architect.core.live`` (no Django). Here: the address guard is on
unless LIVE_CHECK_ALLOW_PRIVATE says otherwise; a visitor runs one check at a time and the
site a few (slots in the cache, so every app server shares them); a visitor runs at most
CHECKS_PER_HOUR. ``start`` takes the slots in the request, stores a running
``designs.LiveCheck`` and hands the check to a pool of PER_SITE threads, so the request
returns at once; the thread writes the progress and then the result (or the failure) to
that row and gives the slots back.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.utils import timezone

from architect.core import design as core_design
from architect.core import live
from architect.core.planner import plan as make_plan

log = logging.getLogger(__name__)

PER_VISITOR = 1
PER_SITE = 4
CHECKS_PER_HOUR = 20
TIMEOUT = 3.0  # each lookup and connection
TOTAL = 30.0  # one whole check
KEEP = 20  # checks kept per design
# A running check not finished this long after it started is given up as failed (a
# worker that died, a thread stuck past every timeout), and its slots expire then too.
STALLED = TOTAL + 30.0
SLOT_SECONDS = int(STALLED)
PROGRESS_EVERY = 0.5  # seconds between progress writes: one UPDATE, not one per lookup

_pool = ThreadPoolExecutor(max_workers=PER_SITE, thread_name_prefix="live-check")


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


def hold(visitor: str) -> list[str]:
    """Take one of the visitor's and one of the site's check slots, or raise Busy.

    Returns the keys held, for ``release`` once the check is over.
    """
    rate = f"live-check:rate:{visitor}"
    cache.add(rate, 0, timeout=3600)
    if _incr(rate) > CHECKS_PER_HOUR:
        raise Busy(f"You have run {CHECKS_PER_HOUR} checks in the last hour; try again later.")
    held: list[str] = []
    try:
        for key, limit, words in (
            (f"live-check:visitor:{visitor}", PER_VISITOR, "Your previous check is still running"),
            ("live-check:site", PER_SITE, "The site is running as many checks as it can"),
        ):
            cache.add(key, 0, timeout=SLOT_SECONDS)
            held.append(key)
            if _incr(key) > limit:
                raise Busy(f"{words}; try again in a minute.")
    except BaseException:
        release(held)
        raise
    return held


def release(held: list[str]) -> None:
    """Give back the slots ``hold`` took."""
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


def start(design, visitor: str):
    """Start a check of the deployed domain of a stored design; return its running row.

    Raises Busy when the limits say no, and core.design.DesignError for a design stored
    under older rules; in both cases nothing is stored and no slot stays taken.
    """
    from architect.designs.models import LiveCheck

    loaded = core_design.load(design.document)
    held = hold(visitor)
    try:
        row = LiveCheck.objects.create(
            design=design, state=LiveCheck.RUNNING, progress="Waiting to start"
        )
        _pool.submit(_job, row.pk, loaded, held)
    except BaseException:
        release(held)
        raise
    return row


def _job(pk: int, loaded, held: list[str]) -> None:
    """The check in a pool thread: progress, then the result or the failure, in row pk."""
    from architect.designs.models import LiveCheck

    close_old_connections()
    running = LiveCheck.objects.filter(pk=pk, state=LiveCheck.RUNNING)
    last = [0.0]

    def progress(done: int, total: int, what: str) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < PROGRESS_EVERY:
            return
        last[0] = now
        text = f"{done} of {total} checked" + (f"; now {what}" if what else "")
        running.update(progress=text[:200])

    released = False
    try:
        report = live.check(loaded, make_plan(loaded), options(), progress=progress)
        # The slots go back before the row says done: a visitor who sees the result and
        # starts again at once must not be told the previous check is still running.
        release(held)
        released = True
        # Only a row still running takes the result: one given up as stalled stays failed.
        running.update(
            state=LiveCheck.DONE,
            report=report.to_dict(),
            summary=report.summary()[:200],
            progress="",
            finished=timezone.now(),
        )
        design_id = LiveCheck.objects.filter(pk=pk).values_list("design_id", flat=True).first()
        if design_id is not None:
            done = LiveCheck.objects.filter(design_id=design_id).exclude(state=LiveCheck.RUNNING)
            old = list(done.values_list("pk", flat=True)[KEEP:])
            LiveCheck.objects.filter(pk__in=old).delete()
    except Exception as exc:  # noqa: BLE001 - stored as a failed check, never lost
        log.exception("live check %s failed", pk)
        if not released:
            release(held)
            released = True
        running.update(
            state=LiveCheck.FAILED,
            summary=f"The check failed ({type(exc).__name__}); try again later.",
            progress="",
            finished=timezone.now(),
        )
    finally:
        if not released:
            release(held)
        connection.close()


def settle(design) -> None:
    """Mark the design's checks that ran past STALLED as failed: their thread is gone."""
    from architect.designs.models import LiveCheck

    limit = timezone.now() - dt.timedelta(seconds=STALLED)
    design.live_checks.filter(state=LiveCheck.RUNNING, created__lt=limit).update(
        state=LiveCheck.FAILED,
        summary=f"The check did not finish within {STALLED:g} s; try again.",
        progress="",
        finished=timezone.now(),
    )


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
