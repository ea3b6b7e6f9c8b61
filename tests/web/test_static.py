"""Static files are linked by hashed names and served by WhiteNoise for a year."""

from __future__ import annotations

import re

import pytest

HASHED = r"\.[0-9a-f]{12}\."


@pytest.fixture
def home(client) -> str:
    return client.get("/").text


def test_it_links_the_stylesheet_by_a_hashed_name(home):
    assert re.search(rf'<link rel="stylesheet" href="/static/css/site{HASHED}css">', home)
    assert 'href="/static/css/site.css"' not in home


def test_it_loads_htmx_2_by_a_hashed_name(home):
    assert re.search(rf'<script src="/static/django_htmx/htmx-2\.min{HASHED}js" defer>', home)


@pytest.mark.parametrize(
    ("pattern", "content_type", "marker"),
    [
        (rf"/static/css/site{HASHED}css", "text/css", b"prefers-color-scheme"),
        (rf"/static/django_htmx/htmx-2\.min{HASHED}js", "text/javascript", b'version:"2.'),
    ],
)
def test_it_serves_hashed_files_for_a_year(client, home, pattern, content_type, marker):
    url = re.search(pattern, home).group(0)

    r = client.get(url)

    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith(content_type)
    cache_control = r.headers["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
    assert max_age >= 365 * 24 * 3600
    assert "immutable" in cache_control
    assert marker in b"".join(r.streaming_content)


def test_it_serves_a_compressed_copy_to_clients_that_accept_it(client, home):
    url = re.search(rf"/static/css/site{HASHED}css", home).group(0)

    r = client.get(url, headers={"Accept-Encoding": "gzip"})

    assert r.status_code == 200
    assert r.headers["Content-Encoding"] == "gzip"
