"""The designer's "Check what is deployed" page: start, follow, store, compare, limit, escape.

The check runs in a thread off the request (architect/live), so these tests use real HTTP
against pytest-django's live server, and a database the thread can see (transactional).
The checker itself is tested against real servers in test_world.py; here it is replaced
by a recorder that can be held mid-check, so that no page test reaches any network.
"""

from __future__ import annotations

import datetime as dt
import http.client
import re
import threading
import time
import urllib.parse

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from architect import live
from architect.core.live import Report, Row
from architect.designs.models import LiveCheck
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db(transaction=True)


class Checker:
    """Stands for core.live.check: records its options, reports progress, can be held."""

    def __init__(self) -> None:
        self.calls: list = []
        self.mx = "match"
        self.hold = threading.Event()
        self.hold.set()  # not held unless a test clears it
        self.started = threading.Event()
        self.fail = False

    def __call__(self, design, plan, options, progress=None):
        self.calls.append(options)
        self.started.set()
        if progress:
            progress(3, 5, "SMTP mail.example.org")
        assert self.hold.wait(20)
        if self.fail:
            raise RuntimeError("a fault in the checker")
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
                    self.mx,
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


@pytest.fixture
def checker(monkeypatch):
    cache.clear()
    fake = Checker()
    monkeypatch.setattr("architect.core.live.check", fake)
    yield fake
    fake.hold.set()


class Browser:
    """A visitor over real HTTP. Cookies are sent by hand: they are Secure (debug off), so
    a cookie jar would not send them back over the live server's plain HTTP."""

    def __init__(self, server, session: str) -> None:
        self.server = server
        self.cookies = {settings.SESSION_COOKIE_NAME: session}
        self.token = ""

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        """One request, redirects not followed: (status, headers, body text)."""
        url = self.server.url + path
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent = {"Cookie": cookie, "Referer": url, **(headers or {})}
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **data})
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        where = urllib.parse.urlsplit(self.server.url)
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=20)
        try:
            connection.request("POST" if data is not None else "GET", path, body, sent)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for value in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        if found:
            self.token = found.group(1)
        return response.status, response.headers, text

    def get(self, path: str, **headers):
        return self.request(path, headers=headers)

    def post(self, path: str):
        if not self.token:
            self.get(path)
        return self.request(path, data={})


@pytest.fixture
def setup(live_server):
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    browser = Browser(live_server, alice.cookies[settings.SESSION_COOKIE_NAME].value)
    return f, browser, design, live_server


def wait_done(design, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while LiveCheck.objects.filter(design=design, state=LiveCheck.RUNNING).exists():
        assert time.monotonic() < deadline, "the check did not finish"
        time.sleep(0.05)


def test_it_offers_the_check_on_the_designer_and_works_without_javascript(setup, checker):
    f, browser, design, _server = setup
    status, _h, text = browser.get(f.url("detail", design.pk))
    assert f.url("live", design.pk) in text
    status, _h, text = browser.get(f.url("live", design.pk))
    assert status == 200
    assert "has not been checked yet" in text
    assert f'<form method="post" action="{f.url("live", design.pk)}">' in text


def test_the_post_returns_at_once_and_the_page_follows_the_check(setup, checker):
    f, browser, design, _server = setup
    url = f.url("live", design.pk)
    checker.hold.clear()
    started = time.monotonic()
    status, headers, _ = browser.post(url)
    # The POST only starts the check: it answers while the check is still held.
    assert status == 303, status
    assert headers["Location"] == url + "#progress"
    assert time.monotonic() - started < 5
    assert checker.started.wait(5)
    assert LiveCheck.objects.get(design=design).state == LiveCheck.RUNNING

    # -- while it runs: progress, polled by htmx, refreshed without JavaScript
    status, _h, text = browser.get(url)
    assert status == 200
    assert "Checking…" in text
    assert "3 of 5 checked; now SMTP mail.example.org." in text
    assert f'<noscript><meta http-equiv="refresh" content="2; url={url}"></noscript>' in text
    assert f'hx-get="{url}?part=progress" hx-trigger="every 1s"' in text
    assert f'<a href="{url}#progress">Reload</a>' in text
    assert '<form method="post"' not in text  # no second check while one runs
    status, _h, part = browser.get(url + "?part=progress", **{"HX-Request": "true"})
    assert status == 200
    assert part.lstrip().startswith('<section id="progress"')
    assert "<html" not in part
    assert "3 of 5 checked" in part

    # -- done: the poll asks for the whole page, which shows the stored result, escaped
    checker.hold.set()
    wait_done(design)
    status, headers, _ = browser.get(url + "?part=progress", **{"HX-Request": "true"})
    assert status == 200
    assert headers["HX-Refresh"] == "true"
    status, _h, text = browser.get(url)
    assert "Checking…" not in text
    assert "<noscript><meta" not in text
    assert "1 OK, 1 differ" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert" not in text
    assert 'href="/learn/transport/#mx-records"' in text
    stored = LiveCheck.objects.get(design=design)
    assert (stored.state, stored.summary) == (LiveCheck.DONE, "1 OK, 1 differ")
    assert stored.finished is not None


def test_a_second_check_while_one_runs_is_refused_with_429(setup, checker):
    f, browser, design, _server = setup
    url = f.url("live", design.pk)
    checker.hold.clear()
    assert browser.post(url)[0] == 303
    status, headers, text = browser.post(url)
    assert status == 429
    assert headers["Retry-After"] == "60"
    assert "Your previous check is still running; try again in a minute." in text
    checker.hold.set()
    wait_done(design)
    # The finished check gave its slots back: the next one runs.
    assert browser.post(url)[0] == 303
    wait_done(design)
    states = list(LiveCheck.objects.filter(design=design).values_list("pk", "state", "summary"))
    assert [s for _pk, s, _ in states] == [LiveCheck.DONE] * 2, states


def test_a_failing_check_is_stored_as_failed_and_shown_never_a_500(setup, checker):
    f, browser, design, _server = setup
    url = f.url("live", design.pk)
    checker.fail = True
    assert browser.post(url)[0] == 303
    wait_done(design)
    stored = LiveCheck.objects.get(design=design)
    assert stored.state == LiveCheck.FAILED
    assert stored.summary == "The check failed (RuntimeError); try again later."
    status, _h, text = browser.get(url)
    assert status == 200
    assert "The check failed (RuntimeError); try again later." in text
    assert "Check again" in text
    # Its slots came back too.
    checker.fail = False
    assert browser.post(url)[0] == 303
    wait_done(design)


def test_a_check_past_its_time_bound_is_stored_as_failed(setup, checker):
    f, browser, design, _server = setup
    # A check whose thread is gone (a worker restarted mid-check): still running long after
    # its time bound. Looking at the page gives it up, with the reason.
    stalled = LiveCheck.objects.create(design=design, state=LiveCheck.RUNNING)
    LiveCheck.objects.filter(pk=stalled.pk).update(
        created=timezone.now() - dt.timedelta(seconds=live.STALLED + 1)
    )
    status, _h, text = browser.get(f.url("live", design.pk))
    assert status == 200
    assert f"The check did not finish within {live.STALLED:g} s; try again." in text
    assert LiveCheck.objects.get(pk=stalled.pk).state == LiveCheck.FAILED
    assert "Checking…" not in text


def test_it_says_what_changed_since_the_last_check(setup, checker):
    f, browser, design, _server = setup
    url = f.url("live", design.pk)
    browser.post(url)
    wait_done(design)
    checker.mx = "differ"
    browser.post(url)
    wait_done(design)
    text = browser.get(url)[2]
    assert "0 OK, 2 differ" in text
    assert "MX example.org.: differ (was match)" in text
    assert LiveCheck.objects.filter(design=design).count() == 2


def test_it_refuses_with_429_when_the_site_is_busy(setup, checker):
    f, browser, design, _server = setup
    url = f.url("live", design.pk)
    cache.set("live-check:site", live.PER_SITE, timeout=60)
    status, headers, text = browser.post(url)
    assert status == 429
    assert headers["Retry-After"] == "60"
    assert "The site is running as many checks as it can; try again in a minute." in text
    assert not LiveCheck.objects.exists()
    # The refused check gave its visitor slot back: the next one runs.
    cache.set("live-check:site", 0, timeout=60)
    assert browser.post(url)[0] == 303
    wait_done(design)


def test_it_limits_checks_per_visitor_per_hour(setup, checker):
    f, browser, design, _server = setup
    url = f.url("live", design.pk)
    for _ in range(live.CHECKS_PER_HOUR):
        assert browser.post(url)[0] == 303
        wait_done(design)
    status, _h, text = browser.post(url)
    assert status == 429
    assert f"You have run {live.CHECKS_PER_HOUR} checks in the last hour" in text


def test_the_web_check_takes_its_settings(setup, checker, tmp_path):
    f, browser, design, _server = setup
    url = f.url("live", design.pk)
    browser.post(url)
    wait_done(design)
    assert checker.calls[-1].allow_private is False
    assert "LIVE_CHECK_ALLOW_PRIVATE" in checker.calls[-1].private_hint
    assert checker.calls[-1].cafile is None
    ca = tmp_path / "ca.pem"
    ca.write_text("")
    with override_settings(LIVE_CHECK_ALLOW_PRIVATE=True, LIVE_CHECK_CAFILE=str(ca)):
        cache.clear()
        browser.post(url)
        wait_done(design)
    assert checker.calls[-1].allow_private is True
    assert checker.calls[-1].cafile == str(ca)
    assert checker.calls[-1].cafile_label == "the site's LIVE_CHECK_CAFILE"


def test_another_visitor_gets_404(setup, checker):
    f, _browser, design, server = setup
    visitor = f.make_visitor()
    own = f.make_design(visitor)
    bob = Browser(server, visitor.cookies[settings.SESSION_COOKIE_NAME].value)
    assert bob.get(f.url("live", own.pk))[0] == 200  # his own page, for a CSRF token
    assert bob.get(f.url("live", design.pk))[0] == 404
    partial = bob.get(f.url("live", design.pk) + "?part=progress", **{"HX-Request": "true"})
    assert partial[0] == 404
    assert bob.request(f.url("live", design.pk), data={})[0] == 404
    assert not LiveCheck.objects.exists()
