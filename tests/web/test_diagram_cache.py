"""Rendered diagrams are cached by the hash of their DOT source."""

from __future__ import annotations

import hashlib
import time
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache

from architect import examples
from architect.core import diagram
from architect.core.diagram import DiagramError
from architect.core.planner import plan as make_plan
from architect.core.trace import trace
from architect.web import diagram_cache
from architect.web.diagram_cache import diagram_or_none, render_cached


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dot_runs(monkeypatch) -> list[str]:
    """Every call of the real renderer, by format."""
    calls: list[str] = []
    real = diagram.render

    def counting(source, fmt="svg", timeout=diagram.RENDER_TIMEOUT):
        calls.append(fmt)
        return real(source, fmt, timeout)

    monkeypatch.setattr(diagram, "render", counting)
    return calls


def plan(slug: str = "department-hub"):
    return make_plan(examples.load(slug))


def test_it_renders_an_unchanged_diagram_once(dot_runs):
    source = diagram.dot_source(plan())

    start = time.perf_counter()
    first = render_cached(source, "svg")
    first_took = time.perf_counter() - start

    start = time.perf_counter()
    second = render_cached(source, "svg")
    second_took = time.perf_counter() - start

    assert dot_runs == ["svg"]
    assert second == first
    assert second_took < first_took


def test_it_keys_the_cache_by_format_and_source_hash(dot_runs):
    source = diagram.dot_source(plan())
    digest = hashlib.sha256(source.encode()).hexdigest()
    png = render_cached(source, "png")
    assert cache.get(f"diagram:png:{digest}") == png
    render_cached(source, "svg")
    assert dot_runs == ["png", "svg"]
    # A changed design is a new source, so a new rendering.
    render_cached(diagram.dot_source(plan("solo-server")), "svg")
    assert dot_runs == ["png", "svg", "svg"]


def test_it_returns_the_diagram_with_its_accessible_title(dot_runs):
    data, error = diagram_or_none(plan(), "svg")
    assert error is None
    root = ET.fromstring(data)
    assert root[0].tag.endswith("title") and "Department hub" in root[0].text
    # The second page view reuses the rendering and still gets the title.
    again, _ = diagram_or_none(plan(), "svg")
    assert again == data
    assert dot_runs == ["svg"]


def test_it_passes_trace_and_link_on():
    p = plan()
    t = trace(p, "internet", "bob@cs.example.edu")
    data, error = diagram_or_none(p, "svg", trace=t, link=lambda kind, name: f"/d/#{name}")
    assert error is None
    assert "①".encode() in data and b'href="/d/#mailhub.cs.example.edu"' in data


def test_it_says_why_instead_of_failing_when_dot_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    data, error = diagram_or_none(plan(), "png")
    assert data is None
    assert "could not be drawn" in error and "not installed" in error


def test_it_says_why_when_dot_times_out_and_does_not_retry_at_once(monkeypatch):
    calls = []

    def slow(source, fmt="svg", timeout=diagram.RENDER_TIMEOUT):
        calls.append(fmt)
        raise DiagramError("drawing the diagram took longer than 5 seconds")

    monkeypatch.setattr(diagram, "render", slow)
    for _ in range(3):
        data, error = diagram_or_none(plan(), "svg")
        assert data is None and "took longer than 5 seconds" in error
    # A diagram that timed out is not tried again on every page view.
    assert calls == ["svg"]
    assert diagram_cache.FAILURE_SECONDS <= 300


@pytest.mark.django_db
def test_every_page_and_the_bundle_draw_an_unchanged_design_once(dot_runs):
    # The designer page, the example page and export.zip, each viewed three times.
    from django.urls import reverse

    from tests.designs.factory import Factory

    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    pages = [
        reverse("designs:detail", args=[design.pk]),
        reverse("designs:export_zip", args=[design.pk]),
        reverse("examples:detail", args=["department-hub"]),
        reverse("examples:export_zip", args=["department-hub"]),
    ]
    for _ in range(3):
        for page in pages:
            assert alice.get(page).status_code == 200

    # One drawing per distinct DOT source (page diagrams carry links, the bundle's not).
    assert 0 < len(dot_runs) <= 4, dot_runs


@pytest.mark.django_db
def test_a_hanging_dot_costs_one_timeout_not_one_per_view(monkeypatch):
    from django.urls import reverse

    timeouts: list[str] = []

    def hanging(source, fmt="svg", timeout=diagram.RENDER_TIMEOUT):
        timeouts.append(fmt)
        raise DiagramError(f"drawing the diagram took longer than {timeout:g} seconds")

    monkeypatch.setattr(diagram, "render", hanging)
    client = __import__("django.test", fromlist=["Client"]).Client()
    for _ in range(3):
        r = client.get(reverse("examples:export_zip", args=["department-hub"]))
        assert r.status_code == 200
        client.get(reverse("examples:detail", args=["department-hub"]))

    assert 0 < len(timeouts) <= 2, timeouts
