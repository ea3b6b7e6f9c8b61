"""The rule catalogue in a real browser: it fits phone and desktop, light and dark, without
JavaScript, and its button opens a rule's example in the designer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_rule_page_fits_the_screen_without_javascript(
    browser: Browser, live_server, screenshot_dir, viewport, scheme
):
    context = browser.new_context(viewport=viewport, color_scheme=scheme, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/learn/findings/")
        suffix = f"{viewport['width']}-{scheme}.png"
        page.screenshot(path=screenshot_dir / f"findings-index-{suffix}", full_page=True)
        page.get_by_role("link", name="mx-private-address").click()

        assert page.get_by_role("heading", level=1).inner_text() == (
            "An MX host has only private addresses"
        )
        width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1]
        diagram = page.locator("#figure-example svg")
        diagram.scroll_into_view_if_needed()
        assert diagram.is_visible() and diagram.bounding_box()["height"] > 150
        page.screenshot(path=screenshot_dir / f"findings-rule-{suffix}", full_page=True)
    finally:
        context.close()


def test_the_button_opens_the_example_in_the_designer(page, live_server, screenshot_dir):
    page.goto(live_server.url + "/learn/findings/mx-ipv6-only/")

    page.get_by_role("button", name="Open this design in the designer").click()

    page.wait_for_url("**/designs/*/")
    rule_link = page.get_by_role("link", name="Rule mx-ipv6-only")
    assert rule_link.is_visible()
    page.screenshot(path=screenshot_dir / "findings-opened-in-designer.png")
    rule_link.click()
    page.wait_for_url("**/learn/findings/mx-ipv6-only/")
