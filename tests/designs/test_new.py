"""Starting a design: POST /designs/new, the guided first step, duplicate and delete."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from architect.designs.models import Design
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


def test_it_starts_a_design_and_lands_on_the_guided_first_step():
    browser = Client()

    r = browser.post(reverse("designs:new"))

    design = Design.objects.get()
    assert r.status_code == 303
    assert r["Location"] == reverse("designs:start", args=[design.pk])
    page = browser.get(r["Location"])
    assert page.status_code == 200
    assert "Three questions to begin" in page.text
    assert "<legend>Where will your mail server live?</legend>" in page.text
    assert "<legend>Who sends and reads mail?</legend>" in page.text
    # The visitor had no session: one was made, and the design belongs to it.
    assert design.session_key == browser.session.session_key
    assert Client().get(r["Location"]).status_code == 404


def test_it_offers_a_button_on_get(client):
    r = client.get(reverse("designs:new"))

    assert r.status_code == 200
    assert f'<form method="post" action="{reverse("designs:new")}">' in r.text


@pytest.mark.parametrize(
    ("where", "who", "expect"),
    [
        ("hosting", ["roaming"], {"hosts": 1, "clients": 2, "roles": "mx"}),
        ("office", ["office", "devices"], {"hosts": 1, "clients": 2, "roles": "mx"}),
        ("provider", ["roaming", "programs"], {"hosts": 1, "clients": 3, "roles": "null-client"}),
    ],
)
def test_it_builds_a_sensible_first_design_from_the_answers(where, who, expect):
    f = Factory()
    alice = f.make_visitor()
    alice.post(reverse("designs:new"))
    design = Design.objects.get()

    r = alice.post(
        reverse("designs:start", args=[design.pk]),
        {"domain": "Example.COM", "where": where, "address": "", "who": who},
    )

    assert r.status_code == 303
    assert r["Location"] == reverse("designs:detail", args=[design.pk])
    design.refresh_from_db()
    assert design.name == "Mail for example.com"
    assert design.document["domains"][0]["name"] == "example.com"
    assert len(design.document["hosts"]) == expect["hosts"]
    assert len(design.document["clients"]) == expect["clients"]
    page = alice.get(r["Location"]).text
    assert expect["roles"] in page
    assert "<svg" in page


def test_it_puts_a_bad_domain_or_address_beside_its_field():
    f = Factory()
    alice = f.make_visitor()
    alice.post(reverse("designs:new"))
    design = Design.objects.get()
    before = design.document

    r = alice.post(
        reverse("designs:start", args=[design.pk]),
        {"domain": "exa mple", "where": "hosting", "address": "999.1.1.1", "who": ["roaming"]},
    )

    assert r.status_code == 422
    assert 'id="id_domain_errors"' in r.text
    assert 'id="id_address_errors"' in r.text
    assert 'value="exa mple"' in r.text
    design.refresh_from_db()
    assert design.document == before


def test_it_duplicates_a_design():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    r = alice.post(reverse("designs:duplicate", args=[design.pk]))

    copy = Design.objects.exclude(pk=design.pk).get()
    assert r.status_code == 303
    assert r["Location"] == reverse("designs:detail", args=[copy.pk])
    assert copy.name == "Copy of Small office"
    assert copy.session_key == design.session_key
    assert copy.document["hosts"] == design.document["hosts"]


def test_it_asks_before_deleting_and_deletes_on_post():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    ask = alice.get(reverse("designs:delete", args=[design.pk]))
    assert ask.status_code == 200
    assert "Delete “Small office”?" in ask.text
    assert Design.objects.count() == 1

    r = alice.post(reverse("designs:delete", args=[design.pk]))

    assert r.status_code == 303
    assert r["Location"] == reverse("designs:index")
    assert Design.objects.count() == 0
    assert "Deleted the design “Small office”." in alice.get(r["Location"]).text
