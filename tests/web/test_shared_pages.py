"""Pages that are the same for everyone are worked out once per process (issue 15, speed).

The kept copy must still give each visitor a CSRF token of their own that works, and must
never keep what differs: other addresses, failures, query strings.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from architect.designs.views import examples as example_views
from architect.web import shared_pages

EXAMPLE = reverse("examples:detail", args=["department-hub"])


def tokens(page: str) -> set[str]:
    found = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    found |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', page))
    return found


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Each time the example page is really worked out (not served from the kept copy)."""
    calls: list[str] = []
    real = example_views.plan_context

    def counting(source):
        calls.append(source.title)
        return real(source)

    monkeypatch.setattr(example_views, "plan_context", counting)
    return calls


@pytest.mark.django_db
def test_it_works_out_an_example_page_once_and_each_visitor_can_copy_it(renders):
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    pages = [alice.get(EXAMPLE), bob.get(EXAMPLE)]

    assert renders == ["Department hub"]
    assert all(p.status_code == 200 for p in pages)
    assert pages[0].content[:400] == pages[1].content[:400]
    for page in pages:
        assert shared_pages.PLACEHOLDER not in page.text
    # Each visitor has a token of their own (in the form and in hx-headers, as Django puts
    # one token in both), and the copy form accepts it.
    (alice_token,), (bob_token,) = tokens(pages[0].text), tokens(pages[1].text)
    assert alice_token != bob_token
    assert pages[1].text.count(bob_token) == 2
    for client, token in ((alice, alice_token), (bob, bob_token)):
        copy = reverse("examples:copy", args=["department-hub"])
        r = client.post(copy, {"csrfmiddlewaretoken": token})
        assert r.status_code in (302, 303), r.status_code
        assert r["Location"].startswith("/designs/")


@pytest.mark.django_db
def test_it_keeps_each_address_apart_and_never_a_query_string(renders):
    client = Client()
    other = reverse("examples:detail", args=["solo-server"])
    assert b"Department hub" in client.get(EXAMPLE).content
    assert b"Solo server" in client.get(other).content
    client.get(EXAMPLE + "?utm=1")
    client.get(EXAMPLE + "?utm=2")
    assert renders == ["Department hub", "Solo server", "Department hub", "Department hub"]


def test_it_keeps_files_byte_for_byte_and_not_a_missing_example():
    client = Client()
    url = reverse("examples:export_zip", args=["department-hub"])
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200 and first.content == second.content
    assert second["Content-Type"] == "application/zip"
    assert "attachment" in second["Content-Disposition"]
    missing = reverse("examples:detail", args=["no-such-example"])
    assert client.get(missing).status_code == 404
    assert not [key for key in shared_pages._pages if key[1] == missing]


def test_a_kept_copy_is_worked_out_again_after_a_while(renders, monkeypatch):
    client = Client()
    client.get(EXAMPLE)
    client.get(EXAMPLE)
    now = shared_pages.time.monotonic() + shared_pages.KEEP_SECONDS + 1
    monkeypatch.setattr(shared_pages.time, "monotonic", lambda: now)
    client.get(EXAMPLE)
    assert renders == ["Department hub", "Department hub"]
