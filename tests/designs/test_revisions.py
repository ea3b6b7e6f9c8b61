"""Undo, redo, the history, and "what changed" in one revision, in words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from architect.designs import models
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db

BACKUP = {
    "name": "mx2.example.org",
    "network": "hosting",
    "addresses": "192.0.2.20",
    "mta": "postfix",
    "always_on": "on",
}


@pytest.fixture
def setup():
    f = Factory()
    alice = f.make_visitor()
    return f, alice, f.make_design(alice)


def add_host(alice, design, data=BACKUP):
    return alice.post(reverse("designs:part_add", args=[design.pk, "hosts"]), data)


def test_it_undoes_and_redoes_a_change(setup):
    _f, alice, design = setup
    add_host(alice, design)

    undo = alice.post(reverse("designs:undo", args=[design.pk]))
    design.refresh_from_db()
    assert undo.status_code == 303
    assert [h["name"] for h in design.document["hosts"]] == ["mail.example.org"]
    assert "Undone: Added host mx2.example.org." in alice.get(undo["Location"]).text

    alice.post(reverse("designs:redo", args=[design.pk]))
    design.refresh_from_db()
    assert [h["name"] for h in design.document["hosts"]] == ["mail.example.org", "mx2.example.org"]


def test_it_drops_the_redo_tail_when_a_change_follows_an_undo(setup):
    _f, alice, design = setup
    add_host(alice, design)
    alice.post(reverse("designs:undo", args=[design.pk]))

    alice.post(reverse("designs:part_remove", args=[design.pk, "clients", "laptops"]))

    design.refresh_from_db()
    assert not design.can_redo()
    assert [r.summary for r in design.revisions.all()] == [
        "Made by the test factory.",
        "Removed client laptops.",
    ]
    alice.post(reverse("designs:redo", args=[design.pk]))
    design.refresh_from_db()
    assert design.document["clients"] == []


def test_it_says_so_when_there_is_nothing_to_undo(setup):
    _f, alice, design = setup

    r = alice.post(reverse("designs:undo", args=[design.pk]), follow=True)

    assert "Nothing to undo." in r.text
    assert 'id="undo" class="button button--small" disabled' in r.text


def test_it_refuses_undo_by_get(setup):
    _f, alice, design = setup

    assert alice.get(reverse("designs:undo", args=[design.pk])).status_code == 405


def test_it_lists_the_history_newest_first_with_the_current_one_marked(setup):
    _f, alice, design = setup
    add_host(alice, design)
    alice.post(reverse("designs:undo", args=[design.pk]))

    r = alice.get(reverse("designs:history", args=[design.pk]))

    assert r.status_code == 200
    assert r.text.index("Added host mx2.example.org.") < r.text.index("Made by the test factory.")
    assert '<span class="tag">undone</span>' in r.text
    assert '<strong class="tag">current</strong>' in r.text


def test_it_says_what_changed_in_the_design_and_in_the_plan(setup):
    _f, alice, design = setup
    add_host(alice, design)

    r = alice.get(reverse("designs:revision", args=[design.pk, 2]))

    assert r.status_code == 200
    assert "<li>Added host mx2.example.org.</li>" in r.text
    assert "mx2.example.org joins the plan as null-client." in r.text
    assert "mail.example.org gains the role hub." in r.text
    assert "DNS record added: mx2.example.org. MX 0 ." in r.text


def test_it_names_the_fields_that_changed_and_the_findings_that_appeared(setup):
    _f, alice, design = setup
    alice.post(
        reverse("designs:part_edit", args=[design.pk, "hosts", "mail.example.org"]),
        {
            **BACKUP,
            "name": "mail.example.org",
            "addresses": "",
            "stores_mailboxes": "on",
            "services": ["imap", "submission"],
        },
    )

    r = alice.get(reverse("designs:revision", args=[design.pk, 2]))

    assert "Changed host mail.example.org: addresses from 192.0.2.10 to none." in r.text
    assert "DNS record removed: mail.example.org. A 192.0.2.10" in r.text
    assert "New error:" in r.text


def test_it_says_where_the_design_began(setup):
    _f, alice, design = setup

    r = alice.get(reverse("designs:revision", args=[design.pk, 1]))

    assert "This is where the design began" in r.text


def test_it_answers_404_for_a_revision_that_does_not_exist(setup):
    _f, alice, design = setup

    assert alice.get(reverse("designs:revision", args=[design.pk, 99])).status_code == 404


def test_it_keeps_a_bounded_history(setup, monkeypatch):
    _f, alice, design = setup
    monkeypatch.setattr(models, "MAX_REVISIONS", 3)
    monkeypatch.setattr(models, "MIN_REVISIONS", 3)

    for count in range(2, 7):
        document = dict(design.document, clients=[dict(design.document["clients"][0], count=count)])
        design.commit(document, "count")

    assert list(design.revisions.values_list("number", flat=True)) == [4, 5, 6]
    assert design.undo() is not None
    assert design.undo() is not None
    assert design.undo() is None  # the oldest kept


def test_it_keeps_fewer_revisions_of_a_large_design(setup, monkeypatch):
    _f, alice, design = setup
    monkeypatch.setattr(models, "HISTORY_BYTES", 4 * len(str(design.document)))

    for count in range(2, 20):
        document = dict(design.document, clients=[dict(design.document["clients"][0], count=count)])
        design.commit(document, "count")

    assert design.revisions.count() == models.MIN_REVISIONS


def test_it_goes_back_to_an_earlier_version_as_a_new_revision(setup):
    _f, alice, design = setup
    add_host(alice, design)
    alice.post(reverse("designs:part_remove", args=[design.pk, "clients", "laptops"]))

    r = alice.post(reverse("designs:restore", args=[design.pk, 1]), follow=True)

    design.refresh_from_db()
    assert [h["name"] for h in design.document["hosts"]] == ["mail.example.org"]
    assert design.document["clients"][0]["name"] == "laptops"
    assert design.position == 4
    assert "Went back to: Made by the test factory." in r.text
    assert design.can_undo()


def test_it_offers_to_go_back_only_to_another_version(setup):
    _f, alice, design = setup
    add_host(alice, design)

    older = alice.get(reverse("designs:revision", args=[design.pk, 1])).text
    current = alice.get(reverse("designs:revision", args=[design.pk, 2])).text

    assert reverse("designs:restore", args=[design.pk, 1]) in older
    assert reverse("designs:restore", args=[design.pk, 2]) not in current
    assert "This is the design as it is now." in current


def test_it_refuses_to_save_over_a_change_it_has_not_seen(setup):
    # Two windows read the design; the first saves; the second must not overwrite it.
    _f, alice, design = setup
    first = models.Design.objects.get(pk=design.pk)
    second = models.Design.objects.get(pk=design.pk)
    first.commit(dict(first.document, clients=[]), "first")

    with pytest.raises(models.StaleDesign):
        second.commit(dict(second.document, description="second window"), "second")

    design.refresh_from_db()
    assert design.document["clients"] == []
    assert [r.summary for r in design.revisions.all()][-1] == "Removed client laptops."


@pytest.mark.parametrize("htmx", [False, True])
def test_it_says_so_when_a_change_meets_another_at_the_same_moment(setup, monkeypatch, htmx):
    _f, alice, design = setup

    def stale(*args, **kwargs):
        raise models.StaleDesign()

    monkeypatch.setattr(models.Design, "commit", stale)
    headers = {"HX-Request": "true"} if htmx else {}

    r = alice.post(
        reverse("designs:part_remove", args=[design.pk, "clients", "laptops"]), headers=headers
    )

    assert r.status_code == 409
    assert "changed in another window at the same moment" in r.text
    assert ("<html" in r.text) is not htmx
