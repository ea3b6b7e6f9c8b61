"""The designer's plan panel: made once per content, and planned off the request when large.

BUNDLE_BACKGROUND_BYTES 0 makes the small office count as large; the requests, the pool
thread and the cache are the real ones.
"""

from __future__ import annotations

import re
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from architect.designs import analysis
from architect.designs.views import editor
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """One entry per rendering of a designer's plan panel and details."""
    cache.clear()
    made: list[str] = []
    real = editor.render_fragments

    def counting(source, link=None):
        made.append(source.title)
        return real(source, link)

    monkeypatch.setattr(editor, "render_fragments", counting)
    return made


def test_the_plan_panel_of_an_unchanged_design_is_rendered_once(renders, monkeypatch):
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    url = reverse("designs:detail", args=[design.pk])

    first = alice.get(url)
    # As on another app server: nothing loaded here, the shared cache has the panel.
    analysis.kept.clear()
    real_plan = analysis.make_plan
    monkeypatch.setattr(analysis, "make_plan", lambda design: pytest.fail("planned again"))
    second = alice.get(url)
    monkeypatch.setattr(analysis, "make_plan", real_plan)

    assert first.status_code == second.status_code == 200
    assert 'id="findings-summary"' in second.text and "<svg" in second.text
    assert second.text.count('id="findings-summary"') == 1
    assert renders == ["Small office"]
    # A change is a new document: a new panel.
    design.commit(f.make_document(name="Other office"), "Renamed.")
    assert "Other office" in alice.get(url).text
    assert renders == ["Small office", "Other office"]


def test_a_large_design_not_loaded_here_is_planned_off_the_request(renders, settings):
    settings.BUNDLE_BACKGROUND_BYTES = 0
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    analysis.kept.clear()  # as on an app server that did not save it
    url = reverse("designs:detail", args=[design.pk])
    poll = reverse("designs:panel", args=[design.pk]) + "?waiting=1"

    page = alice.get(url)

    # -- the parts at once, a notice in the plan panel that polls, a refresh without JS
    assert page.status_code == 200
    assert "Planning…" in page.text
    assert f'hx-get="{poll}"' in page.text
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page.text
    assert "mail.example.org" in page.text  # the parts column
    assert 'id="findings-summary"' not in page.text

    # -- the poll gets the panel and the details once they are made
    deadline = time.monotonic() + 60
    while True:
        answer = alice.get(poll, HTTP_HX_REQUEST="true")
        if "Planning…" not in answer.text or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert answer.status_code == 200
    assert 'id="findings-summary"' in answer.text and "<svg" in answer.text
    assert 'id="details" hx-swap-oob="innerHTML"' in answer.text

    # -- and the page itself shows the plan from then on, rendered that one time
    again = alice.get(url)
    assert "Planning…" not in again.text and 'id="findings-summary"' in again.text
    assert renders == ["Small office"]


def test_a_large_design_just_saved_here_is_shown_at_once(renders, settings):
    settings.BUNDLE_BACKGROUND_BYTES = 0
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)  # the save leaves its design and plan in this process

    page = alice.get(reverse("designs:detail", args=[design.pk]))

    assert page.status_code == 200
    assert "Planning…" not in page.text and 'id="findings-summary"' in page.text


def test_a_share_link_page_is_rendered_once_and_apart_from_the_designer(renders, monkeypatch):
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    token = design.share()
    url = reverse("share:detail", args=[token])
    bob = f.make_visitor()

    first = bob.get(url)
    analysis.kept.clear()
    monkeypatch.setattr(analysis, "make_plan", lambda design: pytest.fail("planned again"))
    second = bob.get(url)

    assert first.status_code == second.status_code == 200
    # The same page, but for the CSRF token, which is masked afresh on every answer.
    unmasked = [re.sub(r'"X-CSRFToken": "[^"]+"', "", r.text) for r in (first, second)]
    assert unmasked[0] == unmasked[1]
    assert 'id="findings-summary"' in second.text
    # The share page's links stay on the share link, never the owner's designer.
    assert f"/designs/{design.pk}/" not in second.text
    assert renders == ["Small office"]


def test_the_trace_page_draws_the_trace_and_not_the_whole_plan(monkeypatch):
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    monkeypatch.setattr(editor, "diagram", lambda *a, **k: pytest.fail("drew the plan"))

    page = alice.get(
        reverse("designs:trace", args=[design.pk]), {"from": "internet", "to": "a@example.org"}
    )

    assert page.status_code == 200
    assert 'id="trace-' in page.text and "<svg" in page.text  # the trace's own diagram
