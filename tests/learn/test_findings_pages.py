"""/learn/findings/ and /learn/findings/<code>/: the rule catalogue, one page per rule.

The pages are generated from core/rules/, so these tests walk the registry: every rule
has a page that answers 200 with its explanation, fix, sources and example drawn, and a
button that opens the example in the designer; the designer links each finding to it.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from architect.core import rules
from architect.designs.models import Design

RULES = rules.all_rules()


def test_the_catalogue_lists_every_rule_by_severity(client):
    r = client.get(reverse("learn:findings"))

    assert r.status_code == 200
    listed = re.findall(r'<a href="/learn/findings/([a-z0-9-]+)/"><code>', r.text)
    assert listed == [rule.code for rule in RULES]
    for severity, heading in (("error", "Errors"), ("warning", "Warnings"), ("info", "Notes")):
        assert f'id="rules-{severity}">{heading}' in r.text
    for rule in RULES:
        assert html.escape(rule.title) in r.text


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_each_rule_has_a_page_with_its_explanation_fix_and_sources(client, rule):
    r = client.get(reverse("learn:finding", args=[rule.code]))

    assert r.status_code == 200
    page = html.unescape(r.text)
    assert f'<h1 id="rule-title">{rule.title}</h1>' in page
    assert f"<p>{rule.explanation}</p>" in page
    assert f"<p>{rule.fix}</p>" in page
    for source in rule.sources:
        assert f'<a href="{source.url}">{source.label}</a>' in page
    assert f'<a href="{rule.learn}">' in page
    ids = re.findall(r'\sid="([^"]+)"', r.text)
    assert len(ids) == len(set(ids)), "an id is used twice"


@pytest.mark.parametrize("rule", [r for r in RULES if r.example], ids=lambda r: r.code)
def test_each_page_draws_the_example_and_quotes_the_finding(client, rule):
    r = client.get(reverse("learn:finding", args=[rule.code]))

    figure = re.search(r'<figure class="diagram" id="figure-example".*?</figure>', r.text, re.S)
    assert figure and "<svg" in figure.group(0) and 'role="img"' in figure.group(0)
    quoted = re.search(r'<ul class="rule-findings">(.*?)</ul>', r.text, re.S).group(1)
    assert f"rule-findings__item--{rule.severity}" in quoted
    # One form per design the rule carries, each a POST with its CSRF token.
    forms = re.findall(r'<form class="rule-open" method="post" action="([^"]+)">', r.text)
    assert forms == [reverse("learn:finding_open", args=[rule.code])] * 2
    assert r.text.count('name="csrfmiddlewaretoken"') == 2


def test_a_rule_no_design_reaches_says_so(client):
    rule = next(r for r in RULES if r.unreachable)

    r = client.get(reverse("learn:finding", args=[rule.code]))

    assert r.status_code == 200
    assert "No design triggers this rule today." in r.text
    assert '<figure class="diagram"' not in r.text


def test_the_tutorial_index_links_to_the_catalogue(client):
    assert 'href="/learn/findings/">catalogue of rules</a>' in client.get("/learn/").text


def test_an_unknown_code_is_404_with_a_way_back(client):
    r = client.get("/learn/findings/no-such-rule/")

    assert r.status_code == 404
    assert "There is no rule called “no-such-rule”" in r.text
    assert 'href="/learn/findings/"' in r.text


def test_the_example_downloads_as_a_design_file(client):
    rule = rules.get("mx-ipv6-only")

    r = client.get(reverse("learn:finding_design", args=[rule.code, "example"]))
    other = client.get(reverse("learn:finding_design", args=[rule.code, "counter-example"]))

    assert r.status_code == 200 and json.loads(r.content) == rule.example
    assert 'filename="mx-ipv6-only-example.json"' in r["Content-Disposition"]
    assert json.loads(other.content) == rule.counter_example
    assert client.get(f"/learn/findings/{rule.code}/other.json").status_code == 404


@pytest.mark.django_db
def test_the_button_opens_the_example_in_the_designer_with_the_finding_linked():
    browser = Client()
    rule = rules.get("mx-ipv6-only")

    r = browser.post(reverse("learn:finding_open", args=[rule.code]), {"which": "example"})

    design = Design.objects.get()
    assert r.status_code == 303
    assert r["Location"] == reverse("designs:detail", args=[design.pk])
    assert design.revisions.get().summary == "Opened the example of the rule mx-ipv6-only."
    page = browser.get(r["Location"]).text
    # Each finding keeps its "Learn why" and gains a link to its rule's page.
    finding = re.search(r'<li class="finding finding--warning">(.*?)</li>', page, re.S).group(1)
    assert f'href="{rule.learn}">Learn why' in finding
    assert f'href="/learn/findings/{rule.code}/">Rule <code>{rule.code}</code>' in finding


@pytest.mark.django_db
def test_the_counter_example_opens_too_and_get_is_refused(client):
    rule = rules.get("dkim-disabled")

    r = client.post(reverse("learn:finding_open", args=[rule.code]), {"which": "counter-example"})

    assert r.status_code == 303
    assert Design.objects.get().document["policy"]["dkim"] is True
    assert client.get(reverse("learn:finding_open", args=[rule.code])).status_code == 405
    missing = client.post(reverse("learn:finding_open", args=["no-such-rule"]))
    assert missing.status_code == 404


@pytest.mark.django_db
def test_every_finding_of_every_example_design_links_to_a_page(client):
    # The designer's link is built from the code: each code an example shows has a page.
    for slug in ("dmz-gateway", "backup-mx", "department-hub"):
        page = client.get(reverse("examples:detail", args=[slug])).text
        linked = re.findall(r'href="/learn/findings/([a-z0-9-]+)/">Rule', page)
        assert linked
        for code in linked:
            assert client.get(reverse("learn:finding", args=[code])).status_code == 200


@pytest.mark.django_db
def test_opening_examples_counts_against_the_limit_on_new_designs(settings):
    # Each open makes a design, as an example's copy button does, so it is limited alike.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "creates": (2, 3600)}
    browser = Client()
    url = reverse("learn:finding_open", args=["dkim-disabled"])

    assert [browser.post(url).status_code for _ in range(3)] == [303, 303, 429]
    assert Design.objects.count() == 2


@pytest.mark.django_db
def test_a_kept_rule_page_gives_each_visitor_a_token_the_button_accepts():
    # Rule pages are kept ready for everyone (web/shared_pages.py): the second visitor is
    # served the kept copy, with a token of their own that the open form accepts.
    url = reverse("learn:finding", args=["dkim-disabled"])
    tokens = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get(url).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        tokens.append(token)
        r = visitor.post(
            reverse("learn:finding_open", args=["dkim-disabled"]),
            {"which": "example", "csrfmiddlewaretoken": token},
        )
        assert r.status_code == 303
    assert tokens[0] != tokens[1]
    assert Design.objects.count() == 2
