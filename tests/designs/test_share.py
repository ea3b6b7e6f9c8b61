"""Read-only share links: the owner makes and revokes them; /s/<token>/ shows the design."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    f = Factory()
    alice = f.make_visitor()
    return alice, f.make_design(alice)


def test_it_makes_a_link_with_an_unguessable_token(setup):
    alice, design = setup

    r = alice.post(reverse("designs:share", args=[design.pk]), follow=True)

    design.refresh_from_db()
    assert len(design.share_token) >= 43  # secrets.token_urlsafe(32)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", design.share_token)
    assert f"/s/{design.share_token}/" in r.text
    assert "Turn the link off" in r.text


def test_it_shows_the_shared_design_read_only(setup):
    alice, design = setup
    token = design.share()

    r = Client().get(reverse("share:detail", args=[token]))

    assert r.status_code == 200
    assert "A design shared with you, read-only" in r.text
    assert "<svg" in r.text
    assert 'id="findings"' in r.text
    assert "How mail moves here" in r.text
    assert 'id="dns"' in r.text and 'id="configs"' in r.text and 'id="trace"' in r.text
    assert reverse("share:export_zip", args=[token]) in r.text
    assert reverse("share:file", args=[token, "postfix/mail.example.org/main.cf"]) in r.text
    # Nothing that edits: no forms posting anywhere, no designer addresses.
    assert 'method="post"' not in r.text
    assert f"/designs/{design.pk}/" not in r.text
    assert r["X-Robots-Tag"] == "noindex"


def test_it_serves_the_shared_designs_files(setup):
    alice, design = setup
    token = design.share()

    own = alice.get(reverse("designs:plan_json", args=[design.pk]))
    shared = Client().get(reverse("share:plan_json", args=[token]))

    assert shared.status_code == 200
    assert shared.content == own.content


def test_it_turns_the_link_off(setup):
    alice, design = setup
    token = design.share()

    r = alice.post(reverse("designs:unshare", args=[design.pk]))

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.share_token is None
    assert Client().get(reverse("share:detail", args=[token])).status_code == 404


def test_it_shows_the_latest_version_to_the_link(setup):
    alice, design = setup
    token = design.share()
    alice.post(reverse("designs:settings", args=[design.pk]), {"name": "Renamed office"})

    r = Client().get(reverse("share:detail", args=[token]))

    assert "Renamed office" in r.text
