"""The home page says what Mail Architect is and offers the three ways in."""

from __future__ import annotations

import re

from django.urls import reverse


def test_it_shows_the_home_page(client):
    r = client.get("/")

    assert r.status_code == 200
    html = r.text
    assert "<title>Mail Architect: design and explain how your mail moves</title>" in html
    assert "<h1>Design how your mail moves, and understand why</h1>" in html
    assert "people learning how internet mail moves" in html
    assert "administrators designing or reviewing" in html


def test_it_links_the_three_ways_in_from_the_main_navigation(client):
    html = client.get("/").text

    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    assert '<a href="/learn/">Learn</a>' in nav
    assert '<a href="/designs/">Design</a>' in nav
    assert '<a href="/examples/">Examples</a>' in nav
    # The home page itself is none of the three.
    assert "aria-current" not in nav


def test_it_marks_the_current_section_in_the_navigation(client):
    nav = client.get(reverse("learn:index")).text
    assert '<a href="/learn/" aria-current="page">Learn</a>' in nav

    nav = client.get(reverse("learn:chapter", args=["transport"])).text
    assert '<a href="/learn/" aria-current="true">Learn</a>' in nav

    nav = client.get("/designs/7/").text
    assert '<a href="/designs/" aria-current="true">Design</a>' in nav
    assert '<a href="/learn/">Learn</a>' in nav


def test_it_has_a_skip_link_to_the_main_content(client):
    html = client.get("/").text

    body = html.split("<body", 1)[1]
    first_link = re.search(r"<a [^>]*>[^<]*</a>", body).group(0)
    assert first_link == '<a class="skip-link" href="#main">Skip to content</a>'
    assert '<main id="main"' in html
    assert '<a class="site-name" href="/">' in html
    assert '<html lang="en">' in html


def test_it_has_no_inline_script_or_style(client):
    html = client.get("/").text

    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "htmx should be loaded"
    assert all(" src=" in tag for tag in scripts)
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r"<[^>]+\son[a-z]+=", html), "inline event handler"


def test_it_configures_htmx_for_the_csp_and_csrf(client):
    html = client.get("/").text

    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in html
    assert re.search(r'<body hx-headers=\'\{"X-CSRFToken": "[A-Za-z0-9]{64}"\}\'>', html)


def test_it_sends_security_headers(client):
    r = client.get("/", secure=True)

    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]


def test_it_redirects_plain_http_to_https_when_asked(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    r = client.get("/")

    assert r.status_code == 301
    assert r.headers["Location"] == "https://testserver/"
