"""Check what is deployed in a real browser: with htmx polling, and without JavaScript.

The checker is held mid-check (test_live_view.Checker), so the progress can be seen; once
it is let go the page shows the result: with htmx by itself (its poll gets HX-Refresh),
without JavaScript through the Reload link. Screenshots: test-artifacts/live-*.png.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.test_designer import start_design
from tests.live.test_live_view import checker  # noqa: F401 - fixture


def follow(page: Page, base: str, checker, screenshot_dir, tag: str, reload: bool) -> None:  # noqa: F811
    start_design(page, base)
    pk = re.search(r"/designs/(\d+)/", page.url).group(1)
    page.goto(f"{base}/designs/{pk}/live")
    checker.hold.clear()
    page.get_by_role("button", name="Check now").click()
    progress = page.locator("#progress")
    expect(progress).to_contain_text("Checking…")
    expect(progress).to_contain_text("3 of 5 checked; now SMTP mail.example.org.")
    expect(page.get_by_role("button", name="Check now")).to_have_count(0)
    page.screenshot(path=screenshot_dir / f"live-{tag}-1-running.png", full_page=True)
    checker.hold.set()
    if reload:
        # Playwright turns scripts off but not the parser's scripting flag, so Chromium reads
        # the <noscript> meta refresh as text here (test_live_view checks it is sent): the
        # Reload link stands in for it, as it does for a person.
        page.get_by_role("link", name="Reload").click()
    # With htmx nobody clicks: the page itself comes back with the stored result.
    expect(page.locator("#result-title")).to_have_text("1 OK, 1 differ", timeout=10_000)
    expect(progress).to_have_count(0)
    expect(page.get_by_role("button", name="Check again")).to_be_visible()
    expect(page.locator("table.live")).to_contain_text("220 <script>alert(1)</script>")
    page.screenshot(path=screenshot_dir / f"live-{tag}-2-done.png", full_page=True)


def test_the_page_follows_the_check_with_htmx(page, live_server, checker, screenshot_dir):  # noqa: F811 - checker
    follow(page, live_server.url, checker, screenshot_dir, "htmx", reload=False)


def test_the_page_follows_the_check_without_javascript(
    browser: Browser,
    live_server,
    checker,  # noqa: F811
    screenshot_dir,
):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        follow(page, live_server.url, checker, screenshot_dir, "nojs", reload=True)
    finally:
        context.close()
