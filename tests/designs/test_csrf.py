"""CSRF everywhere: forms carry the token, htmx sends it as a header, a POST without it is refused.

(These checks began in tests/web/test_placeholders.py, against the placeholder pages that these
addresses replaced.)
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from architect.designs.models import Design
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


def csrf_client() -> tuple[Client, str]:
    """A client that enforces CSRF as a browser meets it, and the token its form would carry."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("designs:index")).text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    return client, token


def test_it_accepts_a_form_post_with_the_csrf_token():
    client, token = csrf_client()

    r = client.post(reverse("designs:new"), {"csrfmiddlewaretoken": token})

    assert r.status_code == 303
    assert Design.objects.count() == 1


def test_it_accepts_the_csrf_token_in_the_header_htmx_sends():
    client, token = csrf_client()
    client.post(reverse("designs:new"), {"csrfmiddlewaretoken": token})
    design = Design.objects.get()

    r = client.post(
        reverse("designs:part_add", args=[design.pk, "networks"]),
        {"name": "office", "zone": "internal"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )

    assert r.status_code == 200
    design.refresh_from_db()
    assert [n["name"] for n in design.document["networks"]] == ["internet", "office"]


@pytest.mark.parametrize("name", ["new", "import"])
def test_it_refuses_a_post_without_the_csrf_token(name):
    client, _token = csrf_client()

    r = client.post(reverse(f"designs:{name}"), {})

    assert r.status_code == 403
    assert Design.objects.count() == 0


def test_it_refuses_a_change_to_a_design_without_the_csrf_token():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    alice.handler.enforce_csrf_checks = True

    r = alice.post(
        reverse("designs:part_remove", args=[design.pk, "clients", "laptops"]),
        headers={"HX-Request": "true"},
    )

    assert r.status_code == 403
    design.refresh_from_db()
    assert len(design.document["clients"]) == 1


def test_it_explains_a_refused_post_in_plain_words():
    client, _token = csrf_client()

    r = client.post(reverse("designs:new"), {})

    assert "<h1>This form has expired</h1>" in r.text
    assert "CSRF verification failed" not in r.text


def test_it_puts_the_token_in_every_form_of_the_designer():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    page = alice.get(reverse("designs:detail", args=[design.pk])).text

    post_forms = re.findall(r'<form[^>]*method="post"[^>]*>.*?</form>', page, re.S)
    assert len(post_forms) > 5
    for form in post_forms:
        assert 'name="csrfmiddlewaretoken"' in form
