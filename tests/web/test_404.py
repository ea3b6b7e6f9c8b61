"""A missing page gets a friendly 404 that gives nothing away."""

from __future__ import annotations


def test_it_shows_a_friendly_page_for_a_missing_address(client, settings):
    assert settings.DEBUG is False

    r = client.get("/no/such/page/")

    assert r.status_code == 404
    assert "<h1>We could not find that page</h1>" in r.text
    assert '<a href="/">Go to the home page</a>' in r.text
    # In the site's layout, so the way back is there too.
    assert '<nav aria-label="Main">' in r.text


def test_it_leaks_no_debug_detail(client):
    r = client.get("/no/such/page/?q=<script>")

    for leak in ("Traceback", "URLconf", "architect.urls", "DEBUG", "SECRET", "Page not found at"):
        assert leak not in r.text
    assert "<script>" not in r.text.split("</head>")[1]


def test_it_answers_404_for_a_wrong_kind_of_placeholder_id(client):
    # /designs/<int:pk>/ only: a word where the number goes is not a design.
    r = client.get("/designs/not-a-number/")

    assert r.status_code == 404
    assert "We could not find that page" in r.text
