"""The files of a design (CONTRACT §5): the same bytes the command line writes."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from architect import examples
from architect.core import design as core_design
from architect.core.exporters import bundle
from architect.core.planner import plan
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


def cli(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_serves_plan_json_byte_for_byte_as_the_command_line_makes_it(tmp_path, slug):
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice, document=json.loads(examples.text(slug)))

    design_file = alice.get(f.url("design_json", design.pk))
    web_plan = alice.get(f.url("plan_json", design.pk))

    path = tmp_path / "design.json"
    path.write_bytes(design_file.content)
    assert web_plan.status_code == 200
    assert web_plan["Content-Type"] == "application/json"
    assert web_plan.content.decode("utf-8") == cli("plan", str(path))
    # The same plan as the example file itself gives: storing changed nothing.
    original = tmp_path / "original.json"
    original.write_text(examples.text(slug), encoding="utf-8")
    assert web_plan.content.decode("utf-8") == cli("plan", str(original))


def test_it_serves_the_design_file_that_imports_again():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    r = alice.get(f.url("design_json", design.pk))

    assert r.status_code == 200
    assert r["Content-Disposition"] == 'attachment; filename="small-office.design.json"'
    loaded = core_design.loads(r.content)
    assert loaded == core_design.load(f.make_document())


def test_it_serves_the_diagram_as_svg_png_and_dot():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    svg = alice.get(f.url("diagram_svg", design.pk))
    png = alice.get(f.url("diagram_png", design.pk))
    dot = alice.get(f.url("diagram_dot", design.pk))

    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content and b"mail.example.org" in svg.content
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert dot.status_code == 200
    assert dot["Content-Type"].startswith("text/vnd.graphviz")
    assert dot["Content-Disposition"] == 'attachment; filename="small-office.dot"'
    assert dot.text.startswith("digraph")


def test_it_says_why_when_the_diagram_cannot_be_drawn(monkeypatch):
    from architect.web import diagram_cache

    monkeypatch.setattr(
        diagram_cache, "diagram_or_none", lambda *a, **k: (None, "dot took too long")
    )
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    r = alice.get(f.url("diagram_svg", design.pk))

    assert r.status_code == 503
    assert "dot took too long" in r.text


def test_it_zips_the_bundle_with_stable_bytes_order_and_timestamps():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    expected = bundle(core_design.load(design.document), plan(core_design.load(design.document)))

    first = alice.get(f.url("export_zip", design.pk))
    second = alice.get(f.url("export_zip", design.pk))

    assert first.status_code == 200
    assert first["Content-Type"] == "application/zip"
    assert first["Content-Disposition"] == 'attachment; filename="small-office.zip"'
    assert first.content == second.content
    archive = zipfile.ZipFile(io.BytesIO(first.content))
    assert archive.namelist() == sorted(expected)
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    for name in archive.namelist():
        assert archive.read(name).decode("utf-8") == expected[name]


def test_it_serves_one_file_of_the_bundle_for_download():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    r = alice.get(reverse("designs:file", args=[design.pk, "postfix/mail.example.org/main.cf"]))

    assert r.status_code == 200
    assert r["Content-Type"] == "text/plain; charset=utf-8"
    assert r["Content-Disposition"] == 'attachment; filename="postfix_mail.example.org_main.cf"'
    assert "myhostname = mail.example.org" in r.text


@pytest.mark.parametrize("path", ["nope.txt", "postfix/other.example.org/main.cf", "../x"])
def test_it_answers_404_for_a_file_the_bundle_does_not_have(path):
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    r = alice.get(reverse("designs:file", args=[design.pk, path]))

    assert r.status_code == 404


def test_it_explains_a_stored_design_that_no_longer_loads_instead_of_failing():
    # A design saved under older, looser rules: its files say why there is no plan.
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    broken = dict(design.document, networks=[])
    type(design).objects.filter(pk=design.pk).update(document=broken)

    assert alice.get(f.url("detail", design.pk)).status_code == 200
    assert alice.get(f.url("design_json", design.pk)).status_code == 200
    for name in ("plan_json", "diagram_svg", "diagram_png", "diagram_dot", "export_zip"):
        r = alice.get(f.url(name, design.pk))
        assert r.status_code == 409, name
        assert "networks: must list at least one network" in r.text
