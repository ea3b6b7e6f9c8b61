"""manage.py load_examples: every example loads, plans and exports; nothing is stored."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from architect import examples
from architect.designs.models import Design

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("load_examples", stdout=out)
    return out.getvalue()


def test_it_prints_a_line_per_example_and_stores_nothing():
    output = run()

    lines = output.splitlines()
    assert len(lines) == len(examples.slugs()) + 1
    for slug, line in zip(examples.slugs(), lines, strict=False):
        assert line.startswith(f"{slug}: {examples.load(slug).name}: ")
    assert lines[-1] == f"All {len(examples.slugs())} examples load and plan."
    assert Design.objects.count() == 0


def test_it_can_run_twice():
    assert run() == run()


def test_it_fails_naming_an_example_that_does_not_load(monkeypatch):
    real = examples.text

    def broken(slug: str) -> str:
        return "{}" if slug == "backup-mx" else real(slug)

    monkeypatch.setattr(examples, "text", broken)

    with pytest.raises(CommandError, match="1 example\\(s\\) failed: backup-mx"):
        run()
