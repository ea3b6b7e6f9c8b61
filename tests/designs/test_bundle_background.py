"""The bundle of a large design is built off the request: 202, a page that follows, the zip.

BUNDLE_BACKGROUND_BYTES is set to 0 here, so that the small office counts as large: the
requests, the pool thread and the cache are the real ones.
"""

from __future__ import annotations

import io
import threading
import time
import urllib.request
import zipfile

import pytest
from django.core.cache import cache
from django.urls import reverse

from architect.designs import analysis
from architect.designs.views import files
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(settings):
    """Every design counts as large; the bundle cache starts empty."""
    settings.BUNDLE_BACKGROUND_BYTES = 0
    cache.clear()


def _until(fetch, done, seconds: float = 60.0):
    """Ask again every 0.1 s, as the waiting page does, until ``done`` holds."""
    deadline = time.monotonic() + seconds
    while True:
        response = fetch()
        if done(response) or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def test_it_answers_202_and_then_serves_the_same_zip_as_one_built_in_the_request(large, settings):
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    url = f.url("export_zip", design.pk)

    waiting = alice.get(url)

    # -- the first download: a page that says so, refreshes without JavaScript, polls with it
    assert waiting.status_code == 202
    assert waiting["Retry-After"] == str(files.RETRY_SECONDS)
    assert "Preparing the bundle (export.zip)" in waiting.text
    assert f'<noscript><meta http-equiv="refresh" content="{files.RETRY_SECONDS}">' in waiting.text
    assert f'hx-get="{url}?waiting=1"' in waiting.text

    # -- the build ends, and the same address gives the zip
    ready = _until(lambda: alice.get(url), lambda r: r.status_code != 202)
    assert ready.status_code == 200
    assert ready["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(ready.content)).namelist()
    assert "README.md" in names and "dns/example.org.zone" in names

    # -- the same bytes as a bundle built in the request (a small design, as before)
    settings.BUNDLE_BACKGROUND_BYTES = 10**9
    cache.clear()
    inline = alice.get(url)
    assert inline.status_code == 200
    assert inline.content == ready.content


def test_the_poll_gets_its_progress_and_then_a_download_link(large, monkeypatch):
    release = threading.Event()
    real = analysis.make_bundle

    def slow(design, plan):
        assert release.wait(30)
        return real(design, plan)

    monkeypatch.setattr(analysis, "make_bundle", slow)
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    url = f.url("export_zip", design.pk)
    assert alice.get(url).status_code == 202

    poll = _until(
        lambda: alice.get(url + "?waiting=1", HTTP_HX_REQUEST="true"),
        lambda r: "Writing the configuration files" in r.text,
    )
    assert poll.status_code == 202
    assert 'id="progress"' in poll.text and "hx-trigger" in poll.text
    assert "Writing the configuration files" in poll.text
    assert "<html" not in poll.text  # the fragment only

    release.set()
    done = _until(
        lambda: alice.get(url + "?waiting=1", HTTP_HX_REQUEST="true"),
        lambda r: r.status_code != 202,
    )
    assert done.status_code == 200
    assert f'href="{url}"' in done.text
    assert "Download export.zip" in done.text and "hx-trigger" not in done.text


def test_one_build_runs_for_many_downloads_of_the_same_design(large, monkeypatch):
    release = threading.Event()
    builds: list[str] = []
    real = analysis.make_bundle

    def slow(design, plan):
        builds.append(design.name)
        assert release.wait(30)
        return real(design, plan)

    monkeypatch.setattr(analysis, "make_bundle", slow)
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    url = f.url("export_zip", design.pk)
    one_file = reverse("designs:file", args=[design.pk, "dns/example.org.zone"])

    answers = [alice.get(url) for _ in range(3)] + [alice.get(one_file)]
    release.set()
    ready = _until(lambda: alice.get(one_file), lambda r: r.status_code != 202)

    assert [r.status_code for r in answers] == [202] * 4
    assert "Preparing <code>dns/example.org.zone</code>" in answers[-1].text
    assert ready.status_code == 200 and "SOA" in ready.text
    assert builds == ["Small office"]


def test_a_build_that_fails_is_shown_never_a_500_and_not_retried_at_once(large, monkeypatch):
    attempts: list[str] = []

    def broken(design, plan):
        attempts.append(design.name)
        raise RuntimeError("an exporter bug")

    monkeypatch.setattr(analysis, "make_bundle", broken)
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    url = f.url("export_zip", design.pk)

    first = alice.get(url)
    failed = _until(lambda: alice.get(url), lambda r: r.status_code != 202)
    poll = alice.get(url + "?waiting=1", HTTP_HX_REQUEST="true")

    assert first.status_code == 202
    assert failed.status_code == 503
    assert "could not be written" in failed.text
    # htmx swaps the failure into the waiting page in place of the progress.
    assert poll.status_code == 200 and "could not be prepared" in poll.text
    assert attempts == ["Small office"]


def test_when_every_builder_is_taken_it_says_to_try_again(large, monkeypatch):
    monkeypatch.setattr(files, "_queued", threading.BoundedSemaphore(1))
    assert files._queued.acquire(blocking=False)  # taken by another design's build
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    busy = alice.get(f.url("export_zip", design.pk))

    assert busy.status_code == 503
    assert busy["Retry-After"] == str(files.RETRY_SECONDS)
    assert "try again in a minute" in busy.text


def test_a_small_design_is_still_built_in_the_request(settings):
    settings.BUNDLE_BACKGROUND_BYTES = 500_000
    cache.clear()
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    assert alice.get(f.url("export_zip", design.pk)).status_code == 200


def test_through_a_real_http_server_an_example_answers_202_and_then_its_zip(live_server, large):
    # A real server and real HTTP, as a script would ask: 202 with Retry-After, then the
    # zip at the same address. An example needs no session.
    url = live_server.url + reverse("examples:export_zip", args=["solo-server"])

    with urllib.request.urlopen(url) as first:
        assert first.status == 202
        assert first.headers["Retry-After"] == str(files.RETRY_SECONDS)
        assert "Preparing the bundle" in first.read().decode()

    def fetch():
        with urllib.request.urlopen(url) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()

    status, kind, body = _until(fetch, lambda r: r[0] != 202)
    assert (status, kind) == (200, "application/zip")
    assert "README.md" in zipfile.ZipFile(io.BytesIO(body)).namelist()
