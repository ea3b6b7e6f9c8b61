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
    from architect.designs import models

    cache.clear()
    plans: list[str] = []
    real = analysis.make_plan

    def counting(design):
        plans.append(design.name)
        return real(design)

    # The save plans (for the counts in the list of designs), and the views may plan.
    monkeypatch.setattr(analysis, "make_plan", counting)
    monkeypatch.setattr(models, "make_plan", counting)
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    assert plans == ["Small office"]

    first = [alice.get(f.url(name, design.pk)) for name in ("plan_json", "diagram_svg")]
    # As on another app server, which has not loaded the design: the cache has the files.
    analysis.kept.clear()
    again = [
        alice.get(f.url(name, design.pk)) for _ in range(2) for name in ("plan_json", "diagram_svg")
    ]

    assert [r.status_code for r in first + again] == [200] * 6
    assert [r.content for r in again] == [r.content for r in first] * 2
    # The save's plan served the first downloads; the cache every later one.
    assert plans == ["Small office"]
    design.commit(f.make_document(name="Other office"), "Renamed.")
    assert '"design": "Other office"' in alice.get(f.url("plan_json", design.pk)).text
    assert plans == ["Small office", "Other office"]


def test_the_designer_after_a_save_neither_loads_nor_plans_the_design_again(monkeypatch):
    from architect.core import design as core_design

    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    loads: list[object] = []
    real_load = core_design.load

    def counting_load(document):
        loads.append(document)
        return real_load(document)

    monkeypatch.setattr(core_design, "load", counting_load)
    monkeypatch.setattr(analysis, "make_plan", lambda design: pytest.fail("planned again"))

    page = alice.get(reverse("designs:detail", args=[design.pk]))

    assert page.status_code == 200
    assert "Small office" in page.text and "mx" in page.text
    assert loads == []
    # A process that has not loaded it, with nothing in the shared cache, loads once.
    analysis.kept.clear()
    cache.clear()
    monkeypatch.setattr(analysis, "make_plan", lambda design: real_plan(design))
    assert alice.get(reverse("designs:detail", args=[design.pk])).status_code == 200
    assert len(loads) == 1


def real_plan(design):
    from architect.core.planner import plan

    return plan(design)


def test_kept_designs_are_bounded_by_the_size_of_their_documents(monkeypatch):
    monkeypatch.setattr(analysis, "KEPT_DOCUMENT_BYTES", 1000)
    f = Factory()
    documents = [f.make_document(name=f"Office {i}") for i in range(4)]
    sizes = [len(analysis.canonical_json(d)) for d in documents]
    assert all(334 < size < 500 for size in sizes), sizes  # two fit in 1,000 bytes

    for document in documents:
        assert analysis.Analysis(document).ok

    # Only the two most recent fit within the bound; the older ones would be loaded again.
    digests = [analysis.document_digest(d) for d in documents]
    assert [analysis.kept.get(d) is not None for d in digests] == [False, False, True, True]
