"""The tutorial's pages: the chapter list and one chapter with its live diagrams.

Each diagram is drawn by the planner from an example design, through the same
diagram cache the designer uses, so the tutorial can never show a picture the
product would not draw. A diagram that cannot be drawn leaves the plan's own
explanation in words and a notice; the page itself never fails for it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from architect import examples
from architect.core import trace as tracing
from architect.core.explain import Section, explain, sentence
from architect.core.plan import Plan
from architect.core.planner import plan as make_plan
from architect.web.shared_pages import same_for_everyone

from . import chapters

logger = logging.getLogger(__name__)


@same_for_everyone
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "learn/index.html", {"chapters": chapters.CHAPTERS})


@same_for_everyone
@require_GET
def chapter(request: HttpRequest, slug: str) -> HttpResponse:
    chapter = chapters.get(slug)
    if chapter is None:
        context = {"slug": slug, "chapters": chapters.CHAPTERS}
        return render(request, "learn/not_found.html", context, status=404)
    context = {
        "chapter": chapter,
        "figures": {f.key: _figure(f) for f in chapter.figures},
        "glossary": _glossary_by_letter() if slug == "glossary" else (),
        "designs": [(s, example_plan(s).design) for s in chapter.examples],
    }
    body = render_to_string(chapter.template, context, request=request)
    before, after = chapters.neighbours(slug)
    number = chapters.CHAPTERS.index(chapter) + 1
    context.update(
        body=body,
        contents=outline(body),
        number=number,
        total=len(chapters.CHAPTERS),
        previous=before,
        next=after,
    )
    return render(request, "learn/chapter.html", context)


# -- figures -----------------------------------------------------------------------------


PROTOCOLS = {
    "smtp": "SMTP",
    "submission": "submission",
    "submissions": "submission over implicit TLS",
    "lmtp": "LMTP",
    "local": "local delivery",
    "sendmail-command": "the sendmail command",
    "imap": "IMAP",
    "pop3": "POP3",
}
ACTIONS = {
    "accept": "accepted",
    "relay": "passed on",
    "deliver": "delivered",
    "reject": "refused",
    "bounce": "bounced",
}
OUTCOMES = {
    "delivered": "The message reaches the recipient's mailbox.",
    "sent-out": "The message has left the organisation: the recipient's own MX takes it from here.",
    "rejected": "The message is refused, as it should be, before anyone accepts responsibility "
    "for it.",
    "bounced": "The message is refused at once, and the sender learns why.",
    "stuck": "The message has no route: the plan cannot deliver it.",
}


@dataclass(frozen=True)
class HopView:
    step: int
    source: str
    target: str
    how: str
    action: str
    why: str


@dataclass(frozen=True)
class FigureView:
    """What a chapter template needs to show one figure."""

    figure: chapters.Figure
    html_id: str
    example_title: str
    svg: SafeString | None
    error: str | None
    trace: tracing.Trace | None
    hops: list[HopView]
    outcome: str
    explanation: list[Section]
    plan: Plan


@lru_cache(maxsize=32)
def example_plan(slug: str) -> Plan:
    """The plan of an example design; examples never change while the server runs."""
    return make_plan(examples.load(slug))


def _figure(figure: chapters.Figure) -> FigureView:
    plan = example_plan(figure.example)
    trace = tracing.trace(plan, figure.sender, figure.recipient) if figure.traced else None
    html_id = "figure-" + figure.key.replace("_", "-")
    data, error = _draw(plan, trace)
    svg = _inline_svg(data, prefix=f"{html_id}-") if data else None
    if data and svg is None:
        error = "The drawing did not contain an SVG image."
    return FigureView(
        figure=figure,
        html_id=html_id,
        example_title=plan.design,
        svg=svg,
        error=error,
        trace=trace,
        hops=_hops(trace),
        outcome=OUTCOMES.get(trace.outcome, trace.outcome) if trace else "",
        explanation=explain(plan),
        plan=plan,
    )


def _hops(trace: tracing.Trace | None) -> list[HopView]:
    if trace is None:
        return []
    out = []
    for step, hop in enumerate(trace.hops, 1):
        how = PROTOCOLS.get(hop.protocol, hop.protocol)
        if hop.port:
            how += f", port {hop.port}"
        action = ACTIONS.get(hop.action, hop.action)
        out.append(HopView(step, hop.source, hop.target, how, action, sentence(hop.why)))
    return out


def _draw(plan: Plan, trace: tracing.Trace | None) -> tuple[bytes | None, str | None]:
    """SVG bytes from the shared diagram cache, or None and the reason it could not draw."""
    try:
        from architect.web.diagram_cache import diagram_or_none
    except ImportError:
        return None, "The diagram renderer is not installed on this server."
    try:
        return diagram_or_none(plan, "svg", trace=trace, link=None)
    except Exception:
        # A tutorial page must not fail because one of its pictures did.
        logger.exception("drawing the diagram of %s failed", plan.design)
        return None, "The diagram could not be drawn."


_SVG_ROOT = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'\s(width|height)="[^"]*"')
_VIEWBOX = re.compile(r'viewBox="([-\d.]+)[ ,]+([-\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)"')
_ID = re.compile(r'\bid="([^"]*)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]*)')


def _inline_svg(data: bytes, *, prefix: str) -> SafeString | None:
    """Graphviz's SVG made fit to sit inside an HTML page, or None if there is no <svg>.

    The markup comes from ``diagram_or_none``, which builds it from escaped data, so it
    may be marked safe; this only rewrites attributes whose values we write ourselves:
    ids get ``prefix`` (a page holds several diagrams, and Graphviz numbers every one
    from node1), the size becomes one CSS pixel per diagram unit, and the image is
    labelled by its own <title> and <desc>.
    """
    text = data.decode("utf-8", "replace")
    root = _SVG_ROOT.search(text)
    if root is None:
        return None
    # Drop the XML declaration, doctype and comments that precede the root element.
    text = text[root.start() :]
    text = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)
    text = re.sub(r"<title>", f'<title id="{prefix}title">', text, count=1)
    text = re.sub(r"<desc>", f'<desc id="{prefix}desc">', text, count=1)
    tag = _SVG_ROOT.match(text).group(0)
    new_tag = _SIZE.sub("", tag)
    box = _VIEWBOX.search(new_tag)
    size = f' width="{float(box[3]):.0f}" height="{float(box[4]):.0f}"' if box else ""
    labels = ""
    if f'id="{prefix}title"' in text:
        labels += f' aria-labelledby="{prefix}title"'
    if f'id="{prefix}desc"' in text:
        labels += f' aria-describedby="{prefix}desc"'
    new_tag = new_tag[:-1] + f'{size} class="diagram__svg" role="img"{labels}>'
    return mark_safe(new_tag + text[len(tag) :])  # safe: see the docstring


# -- the page's table of contents ---------------------------------------------------------


@dataclass
class Entry:
    anchor: str
    title: str
    children: list[Entry]
    # <section data-toc="shallow">: its subsections stay out of the contents
    shallow: bool = False


class _Outline(HTMLParser):
    """Collects each <section id> with the text of its first h2 or h3."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Entry] = []
        self.stack: list[Entry | None] = []  # one item per open <section>
        self.heading: Entry | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            attributes = dict(attrs)
            anchor = attributes.get("id")
            entry = (
                Entry(anchor, "", [], attributes.get("data-toc") == "shallow") if anchor else None
            )
            if entry is not None:
                parent = next((e for e in reversed(self.stack) if e is not None), None)
                if parent is None:
                    self.entries.append(entry)
                elif parent in self.entries and not parent.shallow:
                    parent.children.append(entry)
                # deeper sections stay out of the contents
            self.stack.append(entry)
        elif tag in ("h2", "h3") and self.stack and self.stack[-1] is not None:
            if not self.stack[-1].title:
                self.heading = self.stack[-1]

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.stack:
            self.stack.pop()
        elif tag in ("h2", "h3"):
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self.heading is not None:
            self.heading.title += data


def outline(html: str) -> list[Entry]:
    """The sections of a chapter, two levels deep, for its table of contents."""
    parser = _Outline()
    parser.feed(html)
    parser.close()

    def tidy(entries: list[Entry]) -> list[Entry]:
        return [
            Entry(e.anchor, " ".join(e.title.split()), tidy(e.children))
            for e in entries
            if e.title.strip()
        ]

    return tidy(parser.entries)


def _glossary_by_letter() -> list[tuple[str, list[chapters.Term]]]:
    letters: dict[str, list[chapters.Term]] = {}
    for term in sorted(chapters.GLOSSARY, key=lambda t: t.term.casefold()):
        letters.setdefault(term.term[0].upper(), []).append(term)
    return list(letters.items())
