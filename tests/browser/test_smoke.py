"""The home page works in a real browser, under the Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page


def test_it_shows_the_home_page(page: Page, live_server, screenshot_dir):
    page.goto(live_server.url + "/")

    assert page.title() == "Mail Architect: design and explain how your mail moves"
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Design how your mail moves, and understand why"
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").all_inner_texts() == ["Learn", "Design", "Examples"]
    page.screenshot(path=screenshot_dir / "home-light.png", full_page=True)


def test_it_loads_htmx_under_the_content_security_policy(page: Page, live_server):
    page.goto(live_server.url + "/")

    assert page.evaluate("window.htmx && htmx.version").startswith("2.")
    # htmx was told not to inject its indicator <style>; the CSP would refuse it anyway.
    assert page.evaluate("document.querySelectorAll('style').length") == 0


def test_it_makes_the_skip_link_the_first_stop_for_the_keyboard(page: Page, live_server):
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")

    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    assert page.get_by_role("link", name="Skip to content").is_visible()

    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"


def test_it_follows_a_way_in_from_the_home_page(page: Page, live_server):
    page.goto(live_server.url + "/")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Learn").click()

    page.wait_for_url("**/learn/")
    assert page.get_by_role("heading", level=1).inner_text() == "How internet mail moves"
    current = page.get_by_role("navigation", name="Main").locator("[aria-current]")
    assert current.inner_text() == "Learn"


@pytest.mark.parametrize(
    ("name", "scheme", "width"),
    [("home-dark", "dark", 1280), ("home-narrow", "light", 360)],
)
def test_it_lays_out_the_home_page(
    browser: Browser, live_server, screenshot_dir, name, scheme, width
):
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    page.goto(live_server.url + "/")

    # Nothing sticks out sideways, down to a 360px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)
    context.close()
