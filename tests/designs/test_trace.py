"""/designs/<id>/trace?from=&to=: a message followed hop by hop, as a page, a partial or JSON."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}


@pytest.fixture
def setup():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    return alice, design, reverse("designs:trace", args=[design.pk])


def test_it_shows_the_hops_in_words_and_on_the_diagram(setup):
    alice, _design, url = setup

    r = alice.get(url, {"from": "laptops", "to": "friend@example.net"})

    assert r.status_code == 200
    assert "From laptops to friend@example.net: sent out to the internet" in r.text
    assert '<span class="hop__path">laptops → mail.example.org</span>' in r.text
    assert "Laptops submits on port 587 with TLS and a password." in r.text
    assert '<figure class="diagram diagram--trace">' in r.text
    assert "Highlighted: a message from laptops to friend@example.net" in r.text


def test_it_answers_json_as_the_command_line_does(setup, tmp_path):
    alice, design, url = setup
    path = tmp_path / "design.json"
    path.write_bytes(alice.get(reverse("designs:design_json", args=[design.pk])).content)
    out = io.StringIO()
    call_command(
        "trace",
        str(path),
        "--from",
        "internet",
        "--to",
        "someone@example.org",
        "--format",
        "json",
        stdout=out,
    )

    r = alice.get(url, {"from": "internet", "to": "someone@example.org"}, headers=JSON)

    assert r.status_code == 200
    assert r["Content-Type"] == "application/json"
    assert r.text == out.getvalue()
    assert json.loads(r.text)["outcome"] == "delivered"
    assert "Accept" in r["Vary"]


def test_it_prefers_html_for_a_browser(setup):
    alice, _design, url = setup

    r = alice.get(
        url,
        {"from": "internet", "to": "a@example.org"},
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )

    assert r["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "fax-machine", "to": "a@example.org"}, "no client named &quot;fax-machine&quot;"),
        (
            {"from": "internet", "to": "not-an-address"},
            "is not an address such as user@example.org",
        ),
        ({"from": "internet", "to": "a@exa mple.org"}, "the domain of"),
        ({"from": "internet", "to": "a@b@c"}, "is not an address"),
        ({"from": "internet"}, "Give both a sender"),
        ({"to": "a@example.org"}, "Give both a sender"),
        (
            {"from": "internet", "to": "x" * 5000 + "@example.org"},
            "too long to be a client name or an address",
        ),
    ],
)
def test_it_answers_400_with_the_reason_for_a_bad_sender_or_address(setup, query, message):
    alice, _design, url = setup

    page = alice.get(url, query)
    data = alice.get(url, query, headers=JSON)

    assert page.status_code == 400
    assert message in page.text
    assert data.status_code == 400
    assert message.replace("&quot;", '"') in data.json()["error"]


def test_it_offers_the_form_without_a_question(setup):
    alice, _design, url = setup

    r = alice.get(url)

    assert r.status_code == 200
    assert '<select id="trace-from" name="from">' in r.text
    assert '<option value="internet">Someone on the internet</option>' in r.text


def test_it_sends_only_the_result_to_htmx(setup):
    alice, _design, url = setup

    r = alice.get(url, {"from": "internet", "to": "a@example.org"}, headers={"HX-Request": "true"})

    assert r.status_code == 200
    assert "<html" not in r.text
    assert "delivered to a mailbox" in r.text


def test_it_traces_through_a_shared_design_and_an_example(setup, client):
    _alice, design, _url = setup
    token = design.share()

    shared = client.get(
        reverse("share:trace", args=[token]),
        {"from": "internet", "to": "a@example.org"},
        headers=JSON,
    )
    example = client.get(
        reverse("examples:trace", args=["dmz-gateway"]),
        {"from": "internet", "to": "a@example.com"},
        headers=JSON,
    )

    assert shared.json()["outcome"] == "delivered"
    assert [h["to"] for h in example.json()["hops"]] == [
        "gw.example.com",
        "store.example.com",
        "store.example.com",
    ]


def test_it_keeps_element_ids_unique_beside_the_designers_own_diagram(setup):
    alice, _design, url = setup

    r = alice.get(url, {"from": "internet", "to": "a@example.org"}, headers={"HX-Request": "true"})

    assert 'id="trace-graph0"' in r.text
    assert 'id="graph0"' not in r.text
