"""DKIM keys in a real browser: generate a key, save the private half, see the record.

Screenshots go to test-artifacts/ (dkim-*.png) for a person to look at.
"""

from __future__ import annotations

import base64
import re

from cryptography.hazmat.primitives import serialization
from playwright.sync_api import Browser, Page, expect

from architect.core import dkim
from tests.browser.test_designer import start_design


def test_it_generates_a_key_downloads_the_private_half_and_shows_the_record(
    page: Page, live_server, screenshot_dir
):
    start_design(page, live_server.url)
    domains = page.locator("#part-domains")
    expect(domains).to_contain_text("no key")

    domains.get_by_role("link", name="Generate or paste DKIM keys").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("DKIM keys")
    section = page.locator("#dkim-0")
    expect(section).to_contain_text("No key yet")
    # Keyboard: the kind of key is a labelled radio, RSA by default.
    expect(section.get_by_role("radio", name=re.compile("^RSA, 2048 bits"))).to_be_checked()
    page.screenshot(path=screenshot_dir / "dkim-1-no-key.png", full_page=True)

    section.get_by_role("button", name="Generate a key for example.com").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Save the private key")

    with page.expect_download() as info:
        page.get_by_role(
            "link", name=re.compile(r"^Download s\d{4}a\.example\.com\.private$")
        ).click()
    pem = info.value.path().read_text()
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    record = page.locator("#new-record-value").inner_text()
    published = dkim.parse_public_key(record.split("p=")[1])
    raw = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert published.base64 == base64.b64encode(raw).decode()
    # The copy buttons appear with JavaScript; the zone line holds strings of <=255 bytes.
    expect(page.get_by_role("button", name="Copy the private key")).to_be_visible()
    zone = page.locator("#new-record-zone").inner_text()
    assert all(len(s) <= 255 for s in re.findall(r'"([^"]*)"', zone))
    page.screenshot(path=screenshot_dir / "dkim-2-private-key.png", full_page=True)

    page.get_by_role("link", name="Done: back to the DKIM keys").click()
    section = page.locator("#dkim-0")
    expect(section.locator("#dkim-0-value")).to_have_text(record)
    expect(page.locator("body")).not_to_contain_text("PRIVATE KEY")
    page.screenshot(path=screenshot_dir / "dkim-3-record.png", full_page=True)


def test_it_puts_the_reason_for_a_refused_key_beside_the_field(
    browser: Browser, live_server, screenshot_dir
):
    # A refused key answers 422, which Chromium logs as a failed request: expected here, so
    # this test has a context of its own.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 422" not in m.text else None
        ),
    )
    start_design(page, live_server.url)
    page.get_by_role("link", name="Generate or paste DKIM keys").click()
    section = page.locator("#dkim-0")

    section.get_by_role("textbox", name="Selector").fill("Not a label")
    section.get_by_role("textbox", name="Public key").fill(dkim.generate("ed25519")[1])
    section.get_by_role("button", name="Save the key of example.com").click()
    expect(page.locator("#dkim-0-dkim_selector_errors")).to_contain_text("DNS labels")
    expect(section.get_by_role("textbox", name="Selector")).to_have_attribute(
        "aria-invalid", "true"
    )

    section = page.locator("#dkim-0")
    section.get_by_role("textbox", name="Selector").fill("s2026z")
    section.get_by_role("textbox", name="Public key").fill("not a key!")
    section.get_by_role("button", name="Save the key of example.com").click()
    expect(page.locator("#dkim-0-dkim_public_key_errors")).to_contain_text("is not base64")
    expect(page.locator("#dkim-0")).to_contain_text("No key yet")
    page.screenshot(path=screenshot_dir / "dkim-4-paste-error.png", full_page=True)
    context.close()
    assert errors == []
