"""/examples/: the example designs, public and read-only, each copied with one button."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from architect import examples
from architect.designs.models import Design
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


def test_it_lists_every_example_with_its_topology(client):
    r = client.get(reverse("examples:index"))

    assert r.status_code == 200
    for slug, topology in examples.TOPOLOGIES.items():
        assert reverse("examples:detail", args=[slug]) in r.text
        assert topology in r.text


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_shows_an_example_with_its_diagram_findings_and_explanations(client, slug):
    r = client.get(reverse("examples:detail", args=[slug]))

    assert r.status_code == 200
    assert examples.load(slug).name in r.text
    assert "<svg" in r.text
    assert 'id="findings"' in r.text
    assert "How mail moves here" in r.text
    assert f'action="{reverse("examples:copy", args=[slug])}"' in r.text
    # Read-only: no form that edits, no share section.
    assert "/edit" not in r.text
    assert 'id="share"' not in r.text


def test_it_copies_an_example_into_the_visitors_designs():
    f = Factory()
    alice = f.make_visitor()

    r = alice.post(reverse("examples:copy", args=["dmz-gateway"]))

    design = Design.objects.get()
    assert r.status_code == 303
    assert r["Location"] == reverse("designs:detail", args=[design.pk])
    assert design.name == "DMZ gateway and inside store"
    assert design.revisions.get().summary == "Copied the example “DMZ gateway and inside store”."
    assert "DMZ gateway and inside store" in alice.get(reverse("designs:index")).text


def test_it_makes_a_session_for_a_visitor_who_copies_without_one():
    browser = Client()

    r = browser.post(reverse("examples:copy", args=["solo-server"]))

    assert r.status_code == 303
    assert browser.get(r["Location"]).status_code == 200
    assert Client().get(r["Location"]).status_code == 404


def test_it_refuses_to_copy_with_get(client):
    assert client.get(reverse("examples:copy", args=["solo-server"])).status_code == 405


def test_it_answers_404_for_an_unknown_example(client):
    assert client.get(reverse("examples:detail", args=["no-such-example"])).status_code == 404
    assert client.post(reverse("examples:copy", args=["no-such-example"])).status_code == 404


def test_it_serves_an_examples_files(client):
    r = client.get(reverse("examples:plan_json", args=["backup-mx"]))

    assert r.status_code == 200
    assert r.json()["design"] == "Primary and backup MX"
