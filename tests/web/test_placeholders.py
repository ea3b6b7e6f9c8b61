"""Addresses reserved for later parts answer "not built yet", never an error."""

from __future__ import annotations

import re

import pytest
from django.test import Client

PLACEHOLDER_URLS = [
    "/learn/",
    "/learn/how-mail-moves/",
    "/examples/",
    "/examples/small-office/",
    "/designs/",
    "/designs/new",
    "/designs/import",
    "/designs/42/",
    "/designs/42/design.json",
    "/designs/42/plan.json",
    "/designs/42/diagram.svg",
    "/designs/42/export.zip",
    "/designs/42/trace",
    "/s/AbC123-token_xyz/",
]


@pytest.mark.parametrize("url", PLACEHOLDER_URLS)
def test_it_says_not_built_yet(client, url):
    r = client.get(url)

    assert r.status_code == 200
    assert "<h1>This part is not built yet</h1>" in r.text
    assert "<title>Not built yet · Mail Architect</title>" in r.text


def csrf_client() -> tuple[Client, str]:
    """A client that enforces CSRF as a browser meets it, and the token its form would carry."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/designs/").text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    return client, token


@pytest.mark.parametrize("url", ["/designs/new", "/designs/import"])
def test_it_accepts_a_post_with_the_csrf_token(url):
    client, token = csrf_client()

    r = client.post(url, {"csrfmiddlewaretoken": token})

    assert r.status_code == 200
    assert "This part is not built yet" in r.text


def test_it_accepts_the_csrf_token_in_the_header_htmx_sends():
    client, token = csrf_client()

    r = client.post("/designs/new", headers={"X-CSRFToken": token, "HX-Request": "true"})

    assert r.status_code == 200


@pytest.mark.parametrize("url", ["/designs/new", "/designs/import"])
def test_it_refuses_a_post_without_the_csrf_token(url):
    client, _token = csrf_client()

    r = client.post(url, {})

    assert r.status_code == 403


def test_it_explains_a_refused_post_in_plain_words():
    client, _token = csrf_client()

    r = client.post("/designs/new", {})

    assert "<h1>This form has expired</h1>" in r.text
    assert "CSRF verification failed" not in r.text
