"""Past the write limit, the designer says so in place of the form, in a real browser."""

from __future__ import annotations

import time

from django.conf import settings
from django.test import override_settings
from playwright.sync_api import Browser, expect

from tests.browser.test_designer import add_host, start_design


def test_it_shows_the_429_message_in_the_form_and_keeps_what_was_typed(
    browser: Browser, live_server, screenshot_dir
):
    # Chromium logs the 429 answer as a failed request: expected here, so a context of its own.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 429" not in m.text else None
        ),
    )
    # The guided start is two writes (new, start), one host a third; the limit counts in
    # one-minute windows, so begin in a fresh minute should this one be nearly over.
    if 60 - time.time() % 60 < 20:
        time.sleep(60 - time.time() % 60 + 0.1)
    with override_settings(RATE_LIMITS={**settings.RATE_LIMITS, "writes": (3, 60)}):
        start_design(page, live_server.url)
        add_host(page, "relay.example.com", "192.0.2.20")
        expect(page.locator("#parts")).to_contain_text("relay.example.com")
        page.evaluate("window.__marker = 1")

        add_host(page, "backup.example.com", "192.0.2.21")
        form = page.locator("#form-hosts-new")
        notice = form.locator("[data-refusal]")
        expect(notice).to_contain_text("You have sent 3 changes in the last minute")
        expect(notice).to_contain_text("Try again in")
        # What was typed is still in the form, the page was not reloaded, nothing was added.
        expect(form.get_by_label("Host name")).to_have_value("backup.example.com")
        assert page.evaluate("window.__marker") == 1
        expect(page.locator("#parts .part__items").nth(2)).not_to_contain_text("backup")

        # Sent again: still one notice, not a pile.
        form.get_by_role("button", name="Add").click()
        expect(form.locator("[data-refusal]")).to_have_count(1)
        form.screenshot(path=screenshot_dir / "designer-limit-429-light.png")
    context.close()
    assert errors == []
