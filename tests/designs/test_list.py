"""/designs/: the visitor's designs, with counts and findings, and the ways to start one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


def test_it_lists_the_visitors_designs_with_counts_and_findings():
    f = Factory()
    alice = f.make_visitor()
    f.make_design(alice)

    r = alice.get(reverse("designs:index"))

    assert r.status_code == 200
    assert "Small office" in r.text
    assert "1 domain, 1 host, 1 client" in r.text
    assert "0 errors, 0 warnings, 2 notes" in r.text


def test_it_does_not_list_another_visitors_designs():
    f = Factory()
    f.make_design(f.make_visitor())
    bob = f.make_visitor()

    r = bob.get(reverse("designs:index"))

    assert "Small office" not in r.text
    assert "You have no designs yet." in r.text


def test_it_offers_a_new_design_and_an_import_form_that_work_without_javascript(client):
    r = client.get(reverse("designs:index"))

    assert f'<form method="post" action="{reverse("designs:new")}">' in r.text
    assert 'enctype="multipart/form-data"' in r.text
    assert 'name="design"' in r.text


def test_it_lists_the_designs_of_a_signed_in_user():
    f = Factory()
    alice = f.make_user_client("alice")
    f.make_design(alice)

    r = alice.get(reverse("designs:index"))

    assert "Small office" in r.text
    assert "signed in as <strong>alice</strong>" in r.text
