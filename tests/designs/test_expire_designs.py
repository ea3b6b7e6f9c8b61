"""manage.py expire_designs removes abandoned anonymous designs, and nothing else."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from architect.designs.models import Design, LiveCheck, Revision
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


def age(design: Design, days: int) -> None:
    Design.objects.filter(pk=design.pk).update(updated=timezone.now() - timedelta(days=days))


def abandoned(f: Factory, days: int, name: str = "Abandoned") -> Design:
    """A design of a browser session that has ended, last changed ``days`` ago."""
    design = Design(session_key="a-session-that-has-ended-long-ago")
    design.commit(f.make_document(name=name), "Made by the test.")
    age(design, days)
    return design


def expire(*args: str) -> str:
    out = io.StringIO()
    call_command("expire_designs", *args, stdout=out)
    return out.getvalue()


def test_it_removes_an_abandoned_design_with_its_revisions_share_link_and_live_checks():
    f = Factory()
    old = abandoned(f, 40, "Old office")
    old.commit({**old.document, "description": "second"}, "Second.")
    age(old, 40)
    old.share()
    LiveCheck.objects.create(design=old, report={"rows": []}, summary="nothing")

    out = expire()

    assert not Design.objects.filter(pk=old.pk).exists()
    assert Revision.objects.filter(design_id=old.pk).count() == 0
    assert LiveCheck.objects.count() == 0
    assert f"removed design {old.pk} “Old office”" in out
    assert "2 revisions, 1 live check, its share link" in out
    assert out.splitlines()[-1] == (
        "removed 1 design, 2 revisions, 1 share link, 1 live check "
        "(designs without an account, unchanged for 30 days)."
    )


def test_it_keeps_recent_account_and_still_reachable_designs():
    f = Factory()
    recent = abandoned(f, 5, "Recent")
    user = f.make_user_client("alice")
    owned = f.make_design(user)
    age(owned, 400)
    visitor = f.make_visitor()  # a session that is still live
    reachable = f.make_design(visitor)
    age(reachable, 400)
    gone = abandoned(f, 31, "Gone")

    out = expire()

    assert set(Design.objects.values_list("pk", flat=True)) == {recent.pk, owned.pk, reachable.pk}
    assert f"design {gone.pk} “Gone”" in out
    assert "Recent" not in out
    assert "removed 1 design," in out


def test_it_only_says_what_it_would_remove_on_a_dry_run_and_takes_days():
    f = Factory()
    design = abandoned(f, 10)

    assert "removed 0 designs" in expire()  # 10 days is under the default 30
    out = expire("--days", "7", "--dry-run")
    assert f"would remove design {design.pk} “Abandoned”" in out
    assert Design.objects.filter(pk=design.pk).exists()
    assert "removed 1 design," in expire("--days", "7")
    assert not Design.objects.filter(pk=design.pk).exists()


def test_it_refuses_days_under_one():
    with pytest.raises(CommandError, match="--days must be 1 or more"):
        expire("--days", "0")
