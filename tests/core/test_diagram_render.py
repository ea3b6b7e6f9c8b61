"""Diagrams rendered by the real `dot`: well-formed SVG, escaped text, and failures.

bin/test installs Graphviz, so `dot` is expected here; the tests that simulate a
missing or slow `dot` do so by changing PATH or ``subprocess.run``.
"""

from __future__ import annotations

import dataclasses
import subprocess
import xml.etree.ElementTree as ET

import pytest

from architect import examples
from architect.core import diagram
from architect.core.diagram import DiagramError
from architect.core.exporters import bundle
from architect.core.exporters.diagram import DiagramFile
from architect.core.plan import Plan
from architect.core.planner import plan as make_plan
from architect.core.trace import trace

SVG = "{http://www.w3.org/2000/svg}"
EVIL = 'Evil "quote" \\ <script>alert(1)</script> & ;\n'


def example(slug: str) -> Plan:
    return make_plan(examples.load(slug))


def texts(root: ET.Element) -> str:
    """All text a reader of the SVG sees, in <text> elements, joined."""
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_renders_every_example_as_an_svg_with_title_and_description(slug):
    plan = example(slug)
    root = ET.fromstring(diagram.svg(plan))
    assert root.tag == f"{SVG}svg"
    # The accessible name and description come first inside the root.
    assert root[0].tag == f"{SVG}title" and plan.design in root[0].text
    assert root[1].tag == f"{SVG}desc" and "host" in root[1].text
    seen = texts(root)
    for h in plan.hosts:
        assert h.name in seen
    for c in plan.clients:
        assert c.name in seen


@pytest.mark.parametrize("slug", ["department-hub", "filtering-edge"])
def test_it_renders_png(slug):
    data = diagram.render(diagram.dot_source(example(slug)), "png")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000


def test_it_renders_a_trace_with_its_hops_numbered():
    plan = example("department-hub")
    t = trace(plan, "staff-laptops", "friend@elsewhere.example")
    root = ET.fromstring(diagram.svg(plan, trace=t))
    seen = texts(root)
    assert "① submission 587 STARTTLS+AUTH" in seen
    assert "② SMTP 25 (STARTTLS)" in seen
    assert "staff-laptops to mailhub.cs.example.edu" in root[1].text


def test_it_puts_tooltips_and_links_in_the_svg():
    plan = example("solo-server")
    svg = diagram.svg(plan, link=lambda kind, name: f"/designs/7/#{kind}-{name}").decode()
    root = ET.fromstring(svg)
    xlink = "{http://www.w3.org/1999/xlink}"
    anchors = list(root.iter(f"{SVG}a"))
    assert any(a.get(f"{xlink}href") == "/designs/7/#host-mail.example.org" for a in anchors)
    titles = " ".join(a.get(f"{xlink}title") or "" for a in anchors)
    assert plan.hosts[0].reasons[0].why in titles
    assert plan.flows[0].why in titles


# -- hostile text ---------------------------------------------------------------


def evil_plan() -> Plan:
    plan = example("solo-server")
    host = plan.hosts[0]
    reason = dataclasses.replace(host.reasons[0], why=EVIL)
    return dataclasses.replace(
        plan, design=EVIL, hosts=(dataclasses.replace(host, reasons=(reason, *host.reasons)),)
    )


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_it_renders_hostile_text_without_breaking(fmt):
    data = diagram.render(diagram.dot_source(evil_plan()), fmt)
    assert data


def test_it_shows_hostile_text_as_text_never_as_markup():
    svg = diagram.svg(evil_plan())
    root = ET.fromstring(svg)
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1].lower() == "script"]
    assert b"<script>" not in svg
    # The design name is shown whole, as text: in the heading and in the accessible title.
    shown = 'Evil "quote" \\ <script>alert(1)</script> & ; '
    assert shown in texts(root)
    assert shown in root[0].text
    # Tooltips say it too, with the backslash as a look-alike that no Graphviz expands.
    xlink = "{http://www.w3.org/1999/xlink}"
    titles = [a.get(f"{xlink}title") or "" for a in root.iter(f"{SVG}a")]
    assert any('Evil "quote" \u29f5 <script>alert(1)</script> & ;' in t for t in titles)


def test_it_escapes_the_title_and_description_it_adds():
    svg = diagram.svg(example("solo-server"))
    out = diagram.with_title(svg, "</title><script>x</script>", "a & b < c")
    root = ET.fromstring(out)
    assert root[0].text == "</title><script>x</script>"
    assert root[1].text == "a & b < c"
    assert not [e for e in root.iter() if e.tag.endswith("script")]


# -- when dot cannot help ----------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_render_cache(monkeypatch):
    # The web app puts a cache in front of rendering (web/apps.py); these tests are about
    # dot itself, and a drawing cached by another test would hide what they look for.
    monkeypatch.setattr(diagram, "_cached_render", None)


def exported_svg(plan: Plan) -> str:
    files = dict(DiagramFile().files(None, plan))
    assert list(files) == ["diagram.svg"]
    return files["diagram.svg"]


def test_it_raises_a_clear_error_when_dot_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DiagramError, match="not installed"):
        diagram.render(diagram.dot_source(example("solo-server")), "svg")


def test_it_exports_a_fallback_svg_when_dot_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    plan = example("solo-server")
    text = exported_svg(plan)
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert "could not be rendered" in texts(root)
    assert "not installed" in texts(root)
    assert plan.design in root.find(f"{SVG}title").text
    # The whole bundle still builds.
    design = examples.load("solo-server")
    assert "could not be rendered" in bundle(design, plan)["diagram.svg"]


def test_it_raises_a_clear_error_when_dot_takes_too_long(monkeypatch):
    def slow(*args, **kwargs):
        raise subprocess.TimeoutExpired(args[0], kwargs["timeout"])

    monkeypatch.setattr(diagram.subprocess, "run", slow)
    with pytest.raises(DiagramError, match="longer than 2 seconds"):
        diagram.render("digraph {}", "svg", timeout=2)
    assert "took longer" in texts(ET.fromstring(exported_svg(example("solo-server"))))


def test_it_gives_dot_its_time_limit():
    seen = {}

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return subprocess.CompletedProcess(args[0], 0, b"<svg/>", b"")

    with pytest.MonkeyPatch.context() as m:
        m.setattr(diagram.subprocess, "run", spy)
        diagram.render("digraph {}", "svg", timeout=3.5)
    assert seen["timeout"] == 3.5


def test_it_raises_a_clear_error_when_dot_fails():
    with pytest.raises(DiagramError, match="dot program failed: .*syntax error"):
        diagram.render("digraph { a -> }", "svg")


def test_it_refuses_unknown_formats():
    with pytest.raises(ValueError, match="svg, png"):
        diagram.render("digraph {}", "pdf")


def test_it_never_lets_a_drawing_bug_break_the_export(monkeypatch):
    def broken(plan, **kw):
        raise KeyError("bug")

    monkeypatch.setattr(diagram, "dot_source", broken)
    root = ET.fromstring(exported_svg(example("solo-server")))
    assert "internal error" in texts(root)
