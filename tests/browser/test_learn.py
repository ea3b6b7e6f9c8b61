"""The tutorial in a real browser: phone and desktop layouts, keyboard, print, stepping a trace."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAGES = {"index": "/learn/", "journey": "/learn/journey/", "transport": "/learn/transport/"}


@pytest.fixture
def open_page(browser: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """Opens a tutorial page in a fresh context; console errors (a CSP refusal) fail the test."""
    contexts = []
    errors: list[str] = []

    def open_(path: str, viewport=DESKTOP, scheme: str = "light", javascript=True) -> Page:
        context = browser.new_context(
            viewport=viewport, color_scheme=scheme, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(live_server.url + path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == [], f"errors in the browser console: {errors}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("name", list(PAGES))
def test_it_fits_the_screen_and_shows_the_diagram(
    open_page, screenshot_dir, name, viewport, scheme
):
    page = open_page(PAGES[name], viewport, scheme)

    # Nothing sticks out sideways: wide diagrams and code scroll inside their own frames.
    width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1]
    if name != "index":
        diagram = page.locator("figure.diagram svg").first
        diagram.scroll_into_view_if_needed()
        assert diagram.is_visible()
        assert diagram.bounding_box()["height"] > 150
    page.screenshot(
        path=screenshot_dir / f"learn-{name}-{viewport['width']}-{scheme}.png", full_page=True
    )


def test_it_reaches_the_table_of_contents_with_the_keyboard(open_page):
    page = open_page(PAGES["journey"])

    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.learn-toc')"):
            break

    assert page.evaluate("document.activeElement.closest('.learn-toc') !== null")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#stages"
    page.keyboard.press("Enter")
    page.wait_for_url("**/learn/journey/#stages")


def test_it_prints_the_text_without_navigation(open_page, screenshot_dir):
    page = open_page(PAGES["journey"])

    page.emulate_media(media="print")

    for hidden in [
        "nav[aria-label=Main]",
        "nav[aria-label=Breadcrumb]",
        "nav.learn-toc",
        "nav[aria-label=Chapters]",
        ".diagram__tools",
    ]:
        found = page.locator(hidden)
        assert found.count() >= 1, hidden
        assert not any(found.nth(i).is_visible() for i in range(found.count())), hidden
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator("figure.diagram svg").first.is_visible()
    page.screenshot(path=screenshot_dir / "learn-journey-print.png", full_page=True)


def test_it_steps_through_the_hops_of_a_trace(open_page):
    page = open_page(PAGES["transport"])
    figure = page.locator("#figure-outward")
    hops = figure.locator(".trace__hop")

    figure.get_by_role("button", name="Step through the hops").click()

    assert figure.locator(".diagram__status").inner_text() == "Hop 1 of 3"
    assert hops.nth(0).get_attribute("aria-current") == "step"
    # The diagram fades everything but the current hop's line and its two ends.
    lit = figure.locator("svg g.edge:not(.is-dimmed)")
    assert lit.count() == 1
    assert "①" in lit.first.text_content()

    figure.get_by_role("button", name="Next hop").click()
    figure.get_by_role("button", name="Next hop").click()

    assert figure.locator(".diagram__status").inner_text() == "Hop 3 of 3"
    assert hops.nth(2).get_attribute("aria-current") == "step"
    assert figure.get_by_role("button", name="Next hop").is_disabled()

    figure.get_by_role("button", name="Show all hops").click()

    assert figure.locator("svg g.is-dimmed").count() == 0
    assert figure.locator("[aria-current=step]").count() == 0


def test_it_lists_every_hop_without_javascript(open_page):
    page = open_page(PAGES["transport"], javascript=False)
    figure = page.locator("#figure-outward")

    hops = figure.locator(".trace__hop")

    assert hops.count() == 3
    assert all(hops.nth(i).is_visible() for i in range(3))
    assert figure.get_by_role("button").count() == 0
    assert figure.locator("svg").is_visible()
