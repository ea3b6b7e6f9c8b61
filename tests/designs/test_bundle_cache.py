"""export.zip, plan.json, design.json and the diagram: made once per content and code."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.cache import cache
from django.urls import reverse

from architect.designs import analysis
from architect.designs.views import files
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch) -> list[str]:
    """The names of the designs whose bundle was written, one entry per build."""
    cache.clear()
    made: list[str] = []
    real = analysis.make_bundle

    def counting(design, plan):
        made.append(design.name)
        return real(design, plan)

    monkeypatch.setattr(analysis, "make_bundle", counting)
    return made


def test_it_builds_the_bundle_of_an_unchanged_design_once(builds):
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    first = alice.get(f.url("export_zip", design.pk))
    second = alice.get(f.url("export_zip", design.pk))
    one_file = alice.get(reverse("designs:file", args=[design.pk, "dns/example.org.zone"]))

    assert first.status_code == second.status_code == one_file.status_code == 200
    assert second.content == first.content
    # One file of the bundle is read out of the cached zip, not written again.
    assert one_file.text == zipfile.ZipFile(io.BytesIO(first.content)).read(
        "dns/example.org.zone"
    ).decode("utf-8")
    assert builds == ["Small office"]


def test_it_builds_the_bundle_again_when_the_design_changes(builds):
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    before = alice.get(f.url("export_zip", design.pk))

    design.commit(f.make_document(name="Small office, renamed"), "Renamed.")
    after = alice.get(f.url("export_zip", design.pk))

    assert after.status_code == 200
    assert after.content != before.content
    assert builds == ["Small office", "Small office, renamed"]
    readme = zipfile.ZipFile(io.BytesIO(after.content)).read("README.md").decode("utf-8")
    assert "Small office, renamed" in readme


def test_the_key_names_the_code_as_well_as_the_document(monkeypatch):
    document = Factory().make_document()
    key = files.bundle_key(document)

    monkeypatch.setattr(files, "code_version", lambda: "other-code")

    assert files.bundle_key(document) != key
    assert files.bundle_key(document).startswith("bundle:other-code:")


def test_a_failing_bundle_is_tried_once_a_minute_not_on_every_download(monkeypatch):
    cache.clear()
    attempts: list[str] = []

    def broken(design, plan):
        attempts.append(design.name)
        raise RuntimeError("an exporter bug")

    monkeypatch.setattr(analysis, "make_bundle", broken)
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    answers = [alice.get(f.url("export_zip", design.pk)) for _ in range(3)]

    assert [r.status_code for r in answers] == [503, 503, 503]
    assert "could not be written" in answers[-1].text
    assert attempts == ["Small office"]
    assert files.BUNDLE_FAILURE_SECONDS <= 300


def test_plan_json_and_the_diagram_of_an_unchanged_design_are_planned_once(monkeypatch):
    cache.clear()
    plans: list[str] = []
    real = analysis.make_plan

    def counting(design):
        plans.append(design.name)
        return real(design)

    monkeypatch.setattr(analysis, "make_plan", counting)
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    first = [alice.get(f.url(name, design.pk)) for name in ("plan_json", "diagram_svg")]
    planned = len(plans)
    again = [
        alice.get(f.url(name, design.pk)) for _ in range(2) for name in ("plan_json", "diagram_svg")
    ]

    assert [r.status_code for r in first + again] == [200] * 6
    assert [r.content for r in again] == [r.content for r in first] * 2
    # One plan for each file's first download, none for the later ones.
    assert plans == ["Small office"] * planned and planned == 2
    design.commit(f.make_document(name="Other office"), "Renamed.")
    assert '"design": "Other office"' in alice.get(f.url("plan_json", design.pk)).text
    assert plans[planned:] == ["Other office"]
