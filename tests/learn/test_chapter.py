"""A chapter page: its title, its anchors, its links, its live diagrams and its traces."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from architect import examples
from architect.core import learn
from architect.core.planner import plan
from architect.core.trace import trace
from architect.learn import chapters

SLUGS = [c.slug for c in chapters.CHAPTERS]

# Every term the product uses, as the issue lists them: each needs a glossary entry.
PRODUCT_TERMS = [
    "mua",
    "msa",
    "mta",
    "mda",
    "mx",
    "null-mx",
    "relay",
    "open-relay",
    "smarthost",
    "null-client",
    "hub",
    "gateway",
    "backscatter",
    "envelope",
    "lmtp",
    "mbox",
    "maildir",
    "spf",
    "dkim",
    "dmarc",
    "mta-sts",
    "tls-rpt",
    "dane",
    "ptr",
    "fcrdns",
    "submission",
    "starttls",
    "implicit-tls",
    "backup-mx",
    "implicit-mx",
    "imap",
    "pop3",
    "webmail",
]


class Page(HTMLParser):
    """What the tests look at in a page: ids, links, sections, figures and their SVGs."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.section_ids: list[str] = []
        self.hrefs: list[str] = []
        self.figures: list[dict] = []  # {"id", "svg": bool, "title": bool, "desc": bool}
        self._figure_depth = 0
        self._in_svg = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "section" and "id" in a:
            self.section_ids.append(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "figure":
            self._figure_depth += 1
            self.figures.append({"id": a.get("id"), "svg": False, "title": False, "desc": False})
        if tag == "svg":
            self._in_svg = True
            if self._figure_depth:
                self.figures[-1]["svg"] = True
                self.figures[-1]["svg_attrs"] = a
        if self._in_svg and self._figure_depth and tag in ("title", "desc"):
            self.figures[-1][tag] = True

    def handle_endtag(self, tag):
        if tag == "figure":
            self._figure_depth -= 1
        if tag == "svg":
            self._in_svg = False


@pytest.fixture(scope="module")
def pages(django_db_blocker) -> dict[str, str]:
    """Every chapter page and the index, fetched once: path -> HTML."""
    from django.test import Client

    client = Client()
    out = {}
    with django_db_blocker.unblock():
        for path in [reverse("learn:index")] + [reverse("learn:chapter", args=[s]) for s in SLUGS]:
            r = client.get(path)
            assert r.status_code == 200, path
            out[path] = r.text
    return out


def chapter_path(slug: str) -> str:
    return reverse("learn:chapter", args=[slug])


@pytest.mark.parametrize("slug", SLUGS)
def test_it_renders_every_chapter_with_its_title(client, slug):
    chapter = chapters.get(slug)

    r = client.get(chapter_path(slug))

    assert r.status_code == 200
    assert f'<h1 id="chapter-title">{chapter.title}</h1>' in r.text
    assert f"<title>{chapter.title} · Learn · Mail Architect</title>" in r.text


@pytest.mark.parametrize("slug", [s for s, anchors in learn.CHAPTERS.items() if anchors])
def test_it_gives_every_anchor_plans_link_to_as_a_section_id(pages, slug):
    found = Page(pages[chapter_path(slug)]).section_ids

    missing = [a for a in learn.CHAPTERS[slug] if a not in found]

    assert missing == [], f"/learn/{slug}/ lacks sections {missing}"


def test_it_has_no_broken_link_or_anchor_inside_the_tutorial(client, pages):
    known = dict(pages)
    broken = []
    for path, html in pages.items():
        for href in Page(html).hrefs:
            if href.startswith("#"):
                href = path + href
            if not href.startswith("/learn/"):
                continue
            target, _, fragment = href.partition("#")
            if target not in known:
                r = client.get(target)
                known[target] = r.text if r.status_code == 200 else None
            if known[target] is None:
                broken.append(f"{path} -> {href}: page not found")
            elif fragment and fragment not in Page(known[target]).ids:
                broken.append(f"{path} -> {href}: no element with that id")

    assert broken == []


@pytest.mark.parametrize("slug", SLUGS)
def test_it_uses_each_id_only_once_on_a_page(pages, slug):
    ids = Page(pages[chapter_path(slug)]).ids

    repeated = [i for i, n in Counter(ids).items() if n > 1]

    assert repeated == []


def test_it_defines_every_term_the_product_uses_in_the_glossary(pages):
    page = Page(pages[chapter_path("glossary")])

    missing = [t for t in PRODUCT_TERMS if t not in page.ids]

    assert missing == []


def test_it_links_each_glossary_term_to_where_it_is_explained(pages):
    html = pages[chapter_path("glossary")]

    for term in chapters.GLOSSARY:
        target, _, fragment = term.explained.partition("#")
        assert f'href="{term.explained}"' in html, term.anchor
        assert fragment in Page(pages[target]).section_ids, term.explained


@pytest.mark.parametrize("slug", SLUGS)
def test_it_draws_the_diagram_of_each_chapter(pages, slug):
    if shutil.which("dot") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Graphviz's dot is missing, and CI=true requires the diagrams")
        pytest.skip("Graphviz's dot is not installed: diagrams fall back to text")
    figures = Page(pages[chapter_path(slug)]).figures

    drawn = [f for f in figures if f["svg"]]

    assert len(drawn) == len(chapters.get(slug).figures) >= 1
    assert all(f["title"] and f["desc"] for f in drawn), "every SVG keeps its <title> and <desc>"
    assert all(f["svg_attrs"].get("role") == "img" for f in drawn)


def test_it_shows_the_plan_in_words_when_the_diagram_cannot_be_drawn(client, monkeypatch):
    from architect.web import diagram_cache

    monkeypatch.setattr(
        diagram_cache, "diagram_or_none", lambda *a, **kw: (None, "Graphviz is on holiday.")
    )

    r = client.get(chapter_path("journey"))

    assert r.status_code == 200
    assert "<strong>Diagram unavailable.</strong> Graphviz is on holiday." in r.text
    assert "<svg" not in r.text
    # The plan's own explanation stays, open, with its links into the tutorial.
    assert '<details class="diagram__words" open>' in r.text
    assert "How mail arrives" in r.text


@pytest.mark.parametrize(
    ("slug", "key"), [("journey", "leaving"), ("journey", "arriving"), ("transport", "outward")]
)
def test_it_lists_every_hop_of_a_traced_message(pages, slug, key):
    figure = next(f for f in chapters.get(slug).figures if f.key == key)
    expected = trace(plan(examples.load(figure.example)), figure.sender, figure.recipient)
    html = pages[chapter_path(slug)]

    listed = html.split(f'id="figure-{key}"', 1)[1].split("</figure>", 1)[0]

    assert listed.count('class="trace__hop"') == len(expected.hops) >= 2
    for step, hop in enumerate(expected.hops, 1):
        assert f'data-step="{step}"' in listed
        assert f"<code>{hop.source}</code>" in listed
        assert hop.why.split(" ", 1)[1] in listed


def test_it_answers_an_unknown_chapter_with_a_friendly_page(client):
    r = client.get("/learn/how-mail-moves/")

    assert r.status_code == 404
    assert "There is no chapter called “how-mail-moves”" in r.text
    for chapter in chapters.CHAPTERS:
        assert f'href="{chapter_path(chapter.slug)}"' in r.text


@pytest.mark.parametrize("slug", SLUGS)
def test_it_cites_the_rfcs_each_chapter_relies_on(pages, slug):
    html = pages[chapter_path(slug)]

    sources = html.split('id="sources"', 1)[1]
    for rfc in chapters.get(slug).rfcs:
        assert f'<a href="https://www.rfc-editor.org/rfc/rfc{rfc.number}">RFC {rfc.number}</a>' in (
            sources
        )


def test_it_leads_from_each_chapter_to_the_next_and_back(pages):
    for before, after in zip(chapters.CHAPTERS, chapters.CHAPTERS[1:], strict=False):
        assert f'href="{chapter_path(after.slug)}" rel="next"' in pages[chapter_path(before.slug)]
        assert f'href="{chapter_path(before.slug)}" rel="prev"' in pages[chapter_path(after.slug)]
    assert 'rel="prev"' not in pages[chapter_path("journey")]
    assert 'rel="next"' not in pages[chapter_path("glossary")]


def test_it_opens_every_standard_layout_in_the_designer(pages):
    html = pages[chapter_path("topologies")]

    for slug in examples.slugs():
        assert f'href="{reverse("examples:detail", args=[slug])}">Open in the designer' in html


@pytest.mark.parametrize("slug", SLUGS)
def test_it_lists_the_sections_in_the_table_of_contents(pages, slug):
    html = pages[chapter_path(slug)]
    contents = html.split('<nav class="learn-toc"', 1)[1].split("</nav>", 1)[0]

    links = Page(contents).hrefs

    assert len(links) >= 3
    assert links[-2:] == ["#designs", "#sources"]
    assert all(link[1:] in Page(html).section_ids for link in links)
