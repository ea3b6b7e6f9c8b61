"""/learn/ lists the chapters, with what each covers, in the order they are meant to be read."""

from __future__ import annotations

import re

from django.urls import reverse

from architect.learn import chapters


def test_it_lists_every_chapter_in_reading_order(client):
    r = client.get(reverse("learn:index"))

    assert r.status_code == 200
    assert "<title>Learn how internet mail moves · Mail Architect</title>" in r.text
    listed = re.findall(r'<a href="/learn/([a-z-]+)/"><span class="chapter-list__number">', r.text)
    assert listed == [c.slug for c in chapters.CHAPTERS]


def test_it_says_what_each_chapter_covers(client):
    html = client.get(reverse("learn:index")).text

    for number, chapter in enumerate(chapters.CHAPTERS, 1):
        assert f"{number}</span> {chapter.title}</a>" in html
        assert f"<p>{chapter.summary}</p>" in html


def test_it_marks_learn_as_the_current_part_of_the_site(client):
    html = client.get(reverse("learn:index")).text

    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    assert '<a href="/learn/" aria-current="page">Learn</a>' in nav


def test_it_loads_its_stylesheet_and_script_from_static_files(client):
    html = client.get(reverse("learn:index")).text

    assert re.search(r'<link rel="stylesheet" href="/static/css/learn\.[0-9a-f]+\.css">', html)
    assert re.search(r'<script src="/static/js/learn\.[0-9a-f]+\.js" defer></script>', html)
    # No inline script: the Content-Security-Policy would refuse it.
    assert "<script>" not in html
