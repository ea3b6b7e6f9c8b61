"""POST /designs/import: a design file becomes a design; a bad one is refused with every problem."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from architect.designs.models import Design
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


def upload(content: bytes | str, name: str = "design.json") -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="application/json")


def test_it_imports_a_design_file_and_redirects_to_the_new_design():
    f = Factory()
    alice = f.make_visitor()

    r = alice.post(reverse("designs:import"), {"design": upload(json.dumps(f.make_document()))})

    design = Design.objects.get()
    assert r.status_code == 303
    assert r["Location"] == reverse("designs:detail", args=[design.pk])
    assert design.name == "Small office"
    assert alice.get(r["Location"]).status_code == 200
    assert design.revisions.get().summary == "Imported design.json."


def test_it_lists_every_problem_with_its_path_and_saves_nothing():
    f = Factory()
    alice = f.make_visitor()
    document = f.make_document()
    document["hosts"][0]["network"] = "dmzz"
    document["clients"][0]["kind"] = "fax"
    document["networks"][0]["cidrs"] = ["10.0.0.1/8"]

    r = alice.post(reverse("designs:import"), {"design": upload(json.dumps(document))})

    assert r.status_code == 400
    assert "3 problems to fix" in r.text
    assert "<code>hosts[0].network</code>: no network named &quot;dmzz&quot;" in r.text
    assert "<code>clients[0].kind</code>: must be one of" in r.text
    assert "<code>networks[0].cidrs[0]</code>" in r.text
    assert 'name="design"' in r.text  # the form again
    assert Design.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "file is not UTF-8 text"),
        (b"[]", "must be an object"),
        (b"", "The submitted file is empty."),
    ],
)
def test_it_refuses_a_file_that_is_not_a_design(content, message):
    alice = Factory().make_visitor()

    r = alice.post(reverse("designs:import"), {"design": upload(content)})

    assert r.status_code == 400
    assert message in r.text
    assert Design.objects.count() == 0


def test_it_refuses_a_post_without_a_file():
    alice = Factory().make_visitor()

    r = alice.post(reverse("designs:import"), {})

    assert r.status_code == 400
    assert "This field is required." in r.text


def test_it_refuses_a_file_over_the_size_limit(settings, monkeypatch):
    from architect.core import design as core_design

    monkeypatch.setitem(core_design.LIMITS, "json_bytes", 100)
    alice = Factory().make_visitor()

    r = alice.post(reverse("designs:import"), {"design": upload(" " * 101)})

    assert r.status_code == 400
    assert "file is larger than 100 bytes" in r.text


def test_it_offers_the_import_form_on_get(client):
    r = client.get(reverse("designs:import"))

    assert r.status_code == 200
    assert 'enctype="multipart/form-data"' in r.text
    assert '<label for="id_design">Design file</label>' in r.text


def test_it_gives_the_imported_design_to_the_importing_session_only():
    f = Factory()
    alice = f.make_visitor()
    r = alice.post(reverse("designs:import"), {"design": upload(json.dumps(f.make_document()))})

    assert f.make_visitor().get(r["Location"]).status_code == 404


@pytest.mark.parametrize("where", ["name", "description", "host"])
def test_it_refuses_a_lone_surrogate_with_its_path_and_saves_nothing(where):
    # The JSON escape "\ud800" is valid JSON text but no character: stored, it once broke
    # the designer, design.json and export.zip for good.
    f = Factory()
    alice = f.make_visitor()
    document = f.make_document()
    path = {"name": "name", "description": "description", "host": "hosts[0].name"}[where]
    if where == "host":
        document["hosts"][0]["name"] = "mail\ud800.example.org"
    else:
        document[where] = "Office \ud800"

    r = alice.post(reverse("designs:import"), {"design": upload(json.dumps(document))})

    assert r.status_code == 400
    assert f"<code>{path}</code>: holds a lone UTF-16 surrogate" in r.text
    assert Design.objects.count() == 0


def test_it_imports_a_design_at_the_size_limits_as_exported():
    # The design.json that export writes for a design at every limit is over 8 MB.
    from architect.core import design as core_design
    from benchmarks.bench_limits import full_document

    text = core_design.dumps(core_design.load(full_document()))
    assert len(text.encode()) > 8_000_000
    f = Factory()
    alice = f.make_visitor()

    r = alice.post(reverse("designs:import"), {"design": upload(text)})

    assert r.status_code == 303, r.content[:500]
    assert Design.objects.get().stats["hosts"] == core_design.LIMITS["hosts"]
