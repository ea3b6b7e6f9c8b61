"""With htmx (HX-Request), the designer answers with partials and out-of-band updates."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def setup():
    f = Factory()
    alice = f.make_visitor()
    return alice, f.make_design(alice)


def test_it_sends_only_the_form_to_put_in_place(setup):
    alice, design = setup

    r = alice.get(
        reverse("designs:part_edit", args=[design.pk, "hosts", "mail.example.org"]), headers=HX
    )

    assert r.status_code == 200
    assert r.text.lstrip().startswith('<form id="form-hosts-0" class="part-form"')
    assert "<html" not in r.text
    assert 'hx-target="#parts"' in r.text
    assert "HX-Request" in r["Vary"]


def test_it_answers_a_saved_change_with_the_parts_and_out_of_band_updates(setup):
    alice, design = setup

    r = alice.post(
        reverse("designs:part_add", args=[design.pk, "clients"]),
        {
            "name": "printers",
            "kind": "device",
            "count": "2",
            "network": "roaming",
            "domain": "example.org",
        },
        headers=HX,
    )

    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section id="parts"')
    assert '<div id="result" hx-swap-oob="innerHTML">' in r.text
    assert '<div id="details" hx-swap-oob="innerHTML">' in r.text
    assert '<div id="toolbar" hx-swap-oob="innerHTML">' in r.text
    assert "printers" in r.text
    assert '<p class="status">Added client printers.</p>' in r.text
    event = json.loads(r["HX-Trigger-After-Settle"])
    assert event["design-changed"]["message"] == "Added client printers."
    assert event["design-changed"]["focus"] == "clients-1"
    assert event["design-changed"]["target"] == "body"


def test_it_updates_the_findings_summary_with_the_change(setup):
    alice, design = setup
    before = alice.get(reverse("designs:detail", args=[design.pk])).text
    assert "0 errors, 0 warnings, 2 notes" in before

    # A device that cannot log in, on the road: the planner says it cannot send.
    r = alice.post(
        reverse("designs:part_add", args=[design.pk, "clients"]),
        {
            "name": "scanner",
            "kind": "device",
            "count": "1",
            "network": "roaming",
            "domain": "example.org",
        },
        headers=HX,
    )

    assert "0 errors, 0 warnings, 2 notes" not in r.text
    assert 'id="findings-summary"' in r.text


def test_it_keeps_a_refused_form_in_place_with_its_errors(setup):
    alice, design = setup

    r = alice.post(
        reverse("designs:part_edit", args=[design.pk, "hosts", "mail.example.org"]),
        {"name": "mail.example.org", "network": "hosting", "mta": "postfix", "addresses": "nope"},
        headers=HX,
    )

    assert r.status_code == 422
    assert r["HX-Retarget"] == "#form-hosts-0"
    assert r["HX-Reswap"] == "outerHTML"
    assert r.text.lstrip().startswith('<form id="form-hosts-0"')
    assert "&quot;nope&quot; is not an IPv4 or IPv6 address" in r.text
    design.refresh_from_db()
    assert design.document["hosts"][0]["addresses"] == ["192.0.2.10"]


def test_it_marks_a_refused_removal_beside_the_item(setup):
    alice, design = setup

    r = alice.post(
        reverse("designs:part_remove", args=[design.pk, "networks", "roaming"]), headers=HX
    )

    assert r.status_code == 422
    assert r.text.lstrip().startswith('<section id="parts"')
    assert '<li id="networks-1" class="item item--refused">' in r.text
    assert (
        'role="alert">Network roaming cannot be removed: it is used by client &quot;laptops&quot;'
        in r.text
    )


def test_it_sends_the_parts_column_for_cancel_and_redirects_without_htmx(setup):
    alice, design = setup
    url = reverse("designs:parts", args=[design.pk])

    with_htmx = alice.get(url, headers=HX)
    without = alice.get(url)

    assert with_htmx.status_code == 200
    assert with_htmx.text.lstrip().startswith('<section id="parts"')
    assert without.status_code == 302
    assert without["Location"] == reverse("designs:detail", args=[design.pk]) + "#parts"


def test_it_sends_the_plan_panel_alone(setup):
    alice, design = setup

    r = alice.get(reverse("designs:panel", args=[design.pk]), headers=HX)

    assert r.status_code == 200
    assert '<h2 id="result-title">The plan</h2>' in r.text
    assert "<svg" in r.text
    assert "<html" not in r.text


def test_it_undoes_with_htmx_and_updates_the_toolbar(setup):
    alice, design = setup
    alice.post(reverse("designs:part_remove", args=[design.pk, "clients", "laptops"]), headers=HX)

    r = alice.post(reverse("designs:undo", args=[design.pk]), headers=HX)

    assert r.status_code == 200
    assert "Undone: Removed client laptops." in r.text
    assert 'id="redo" class="button button--small">Redo' in r.text
    design.refresh_from_db()
    assert design.document["clients"][0]["name"] == "laptops"
