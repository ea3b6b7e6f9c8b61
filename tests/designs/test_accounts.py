"""Accounts are optional; signing up or in claims the designs made in the session."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from architect.designs.models import Design
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_it_signs_up_and_claims_the_sessions_designs():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    r = alice.post(
        reverse("accounts:signup"),
        {"username": "alice", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.owner == get_user_model().objects.get(username="alice")
    page = alice.get(r["Location"]).text
    assert "1 design from this browser now belong" in page
    assert "Small office" in page


def test_it_signs_in_claims_designs_and_finds_them_from_another_browser():
    f = Factory()
    user = f.make_user("alice", PASSWORD)
    laptop = f.make_visitor()
    design = f.make_design(laptop)

    r = laptop.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.owner == user
    phone = Client()
    phone.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert phone.get(reverse("designs:detail", args=[design.pk])).status_code == 200


def test_it_keeps_the_designs_from_the_browser_after_signing_out():
    f = Factory()
    f.make_user("alice", PASSWORD)
    laptop = f.make_visitor()
    design = f.make_design(laptop)
    laptop.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})

    r = laptop.post(reverse("accounts:logout"))

    assert r.status_code == 303
    assert laptop.get(reverse("designs:detail", args=[design.pk])).status_code == 404
    assert Design.objects.get().owner is not None


def test_it_refuses_a_wrong_password_and_claims_nothing():
    f = Factory()
    f.make_user("alice", PASSWORD)
    mallory = f.make_visitor()
    design = f.make_design(mallory)

    r = mallory.post(reverse("accounts:login"), {"username": "alice", "password": "guess"})

    assert r.status_code == 400
    assert "Please enter a correct username and password." in r.text
    design.refresh_from_db()
    assert design.owner is None


def test_it_does_not_hand_one_users_designs_to_another_who_signs_in_later():
    f = Factory()
    f.make_user("alice", PASSWORD)
    f.make_user("bob", PASSWORD)
    shared_browser = f.make_visitor()
    design = f.make_design(shared_browser)
    shared_browser.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    shared_browser.post(reverse("accounts:logout"))

    shared_browser.post(reverse("accounts:login"), {"username": "bob", "password": PASSWORD})

    design.refresh_from_db()
    assert design.owner.username == "alice"
    assert shared_browser.get(reverse("designs:detail", args=[design.pk])).status_code == 404


def test_it_only_follows_a_next_address_on_this_site():
    f = Factory()
    f.make_user("alice", PASSWORD)

    r = Client().post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert r["Location"] == reverse("designs:index")


def test_it_signs_out_only_by_post(client):
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_it_shows_plain_sign_in_and_sign_up_pages(client):
    login = client.get(reverse("accounts:login"))
    signup = client.get(reverse("accounts:signup"))

    assert login.status_code == 200 and "<h1>Sign in</h1>" in login.text
    assert signup.status_code == 200 and "<h1>Create an account</h1>" in signup.text
