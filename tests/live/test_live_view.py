"""The designer's "Check what is deployed" page: run, store, compare, limit, escape.

The checker itself is tested against real servers in test_world.py; here it is replaced by
a recorder, so that no page test reaches any network.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from architect import live
from architect.core.live import Report, Row
from architect.designs.models import LiveCheck
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def checker(monkeypatch):
    cache.clear()
    calls = []
    state = {"mx": "match"}

    def fake(design, plan, options):
        calls.append(options)
        return Report(
            plan.design,
            "2026-01-01T00:00:00+00:00",
            "the system resolver",
            0.2,
            (
                Row(
                    "record",
                    "example.org.",
                    "MX",
                    state["mx"],
                    "10 mail.example.org.",
                    why="the MX",
                    learn="/learn/transport/#mx-records",
                ),
                Row(
                    "smtp",
                    "mail.example.org",
                    "SMTP",
                    "differ",
                    found="220 <script>alert(1)</script>",
                ),
            ),
        )

    monkeypatch.setattr("architect.core.live.check", fake)
    return calls, state


@pytest.fixture
def setup():
    f = Factory()
    alice = f.make_visitor()
    return f, alice, f.make_design(alice)


def test_it_offers_the_check_on_the_designer_and_works_without_javascript(setup, checker):
    f, alice, design = setup
    r = alice.get(f.url("detail", design.pk))
    assert f.url("live", design.pk) in r.text
    r = alice.get(f.url("live", design.pk))
    assert r.status_code == 200
    assert "has not been checked yet" in r.text
    assert f'<form method="post" action="{f.url("live", design.pk)}">' in r.text


def test_it_runs_stores_and_shows_a_check_with_probe_text_escaped(setup, checker):
    f, alice, design = setup
    r = alice.post(f.url("live", design.pk))
    assert r.status_code == 303
    r = alice.get(r["Location"])
    assert "1 OK, 1 differ" in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "<script>alert" not in r.text
    assert 'href="/learn/transport/#mx-records"' in r.text
    assert LiveCheck.objects.get(design=design).summary == "1 OK, 1 differ"


def test_it_says_what_changed_since_the_last_check(setup, checker):
    f, alice, design = setup
    _calls, state = checker
    alice.post(f.url("live", design.pk))
    state["mx"] = "differ"
    r = alice.get(alice.post(f.url("live", design.pk))["Location"])
    assert "0 OK, 2 differ" in r.text
    assert "MX example.org.: differ (was match)" in r.text
    assert LiveCheck.objects.filter(design=design).count() == 2


def test_it_refuses_with_429_when_the_site_is_busy(setup, checker):
    f, alice, design = setup
    cache.set("live-check:site", live.PER_SITE, timeout=60)
    r = alice.post(f.url("live", design.pk))
    assert r.status_code == 429
    assert r["Retry-After"] == "60"
    assert "The site is running as many checks as it can; try again in a minute." in r.text
    assert not LiveCheck.objects.exists()
    # The refused check gave its visitor slot back: the next one runs.
    cache.set("live-check:site", 0, timeout=60)
    assert alice.post(f.url("live", design.pk)).status_code == 303


def test_it_limits_checks_per_visitor_per_hour(setup, checker):
    f, alice, design = setup
    for _ in range(live.CHECKS_PER_HOUR):
        assert alice.post(f.url("live", design.pk)).status_code == 303
    r = alice.post(f.url("live", design.pk))
    assert r.status_code == 429
    assert f"You have run {live.CHECKS_PER_HOUR} checks in the last hour" in r.text


def test_the_web_check_refuses_private_addresses_unless_the_setting_allows(setup, checker):
    f, alice, design = setup
    calls, _ = checker
    alice.post(f.url("live", design.pk))
    assert calls[-1].allow_private is False
    assert "LIVE_CHECK_ALLOW_PRIVATE" in calls[-1].private_hint
    with override_settings(LIVE_CHECK_ALLOW_PRIVATE=True):
        cache.clear()
        alice.post(f.url("live", design.pk))
    assert calls[-1].allow_private is True


def test_another_visitor_gets_404(setup, checker):
    f, _alice, design = setup
    bob = f.make_visitor()
    assert bob.get(f.url("live", design.pk)).status_code == 404
    assert bob.post(f.url("live", design.pk)).status_code == 404
