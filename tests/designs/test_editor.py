"""/designs/<id>/: the designer page, its parts on the left and the plan on the right."""

from __future__ import annotations

import builtins
import re
import time

import pytest
from django.urls import reverse

from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor_and_design():
    f = Factory()
    alice = f.make_visitor()
    return alice, f.make_design(alice)


@pytest.fixture
def pk(visitor_and_design) -> int:
    # Never assume 1: PostgreSQL does not reuse ids between tests (tests/scale/test_postgres.py).
    return visitor_and_design[1].pk


@pytest.fixture
def page(visitor_and_design):
    alice, design = visitor_and_design
    r = alice.get(reverse("designs:detail", args=[design.pk]))
    assert r.status_code == 200
    return r.text


def test_it_lists_each_part_with_edit_and_remove_that_work_without_javascript(page, pk):
    for title in ("Domains", "Networks", "Hosts", "Clients", "Providers", "Policy"):
        assert f">{title} <" in page or f">{title}</h3>" in page
    edit = reverse("designs:part_edit", args=[pk, "hosts", "mail.example.org"])
    remove = reverse("designs:part_remove", args=[pk, "hosts", "mail.example.org"])
    assert f'href="{edit}" hx-get="{edit}"' in page
    assert f'method="post" action="{remove}" hx-post="{remove}"' in page
    assert f'href="{reverse("designs:part_add", args=[pk, "clients"])}"' in page


def test_it_shows_the_findings_summary_and_each_finding_with_its_tutorial_link(page):
    assert "0 errors, 0 warnings, 2 notes" in page
    assert 'href="/learn/topologies/#backup-mx"' in page or "/learn/" in page
    assert '<span class="finding__severity">Note</span>' in page


def test_it_draws_the_diagram_inline_with_links_to_the_forms(page, pk):
    assert '<div class="diagram__image"><svg' in page
    assert "<title>Mail flow diagram: Small office</title>" in page
    assert reverse("designs:part_edit", args=[pk, "hosts", "mail.example.org"]) in page


def test_it_explains_how_mail_moves_from_the_plans_reasons(page):
    assert "How mail moves here" in page
    assert "How new mail gets in" in page
    assert "Laptops submits mail on port 587 with STARTTLS and a password." in page
    assert 'href="/learn/injection/#submission"' in page
    assert "How mail arrives" in page
    assert "Why each host does what it does" in page


def test_it_shows_dns_records_as_a_providers_form_asks_for_them(page):
    # Name relative to the zone, type, priority split out, value, TTL, level, why.
    assert "<h3>example.org</h3>" in page
    assert re.search(
        r"<td><code>@</code></td>\s*<td>MX</td>\s*<td>10</td>\s*"
        r'<td class="dns__value"><code id="dns-1-\d+">mail.example.org.</code>',
        page,
    )
    assert 'class="button button--small button--quiet dns__copy" data-copy="dns-1-1" hidden' in page
    assert "weight 1, port 587" in page
    assert '<span class="level level--required">required</span>' in page
    assert "The zone file of example.org" in page
    assert "$ORIGIN" in page or "SOA" in page


def test_it_shows_each_hosts_files_with_explanation_copy_and_download(page, pk):
    assert "<code>main.cf</code>" in page
    assert "Postfix&#x27;s main settings" in page
    assert 'data-copy="file-postfix-mail-example-org-main-cf" hidden' in page
    url = reverse("designs:file", args=[pk, "postfix/mail.example.org/main.cf"])
    assert f'href="{url}" download' in page


def test_it_shows_the_client_settings_matrix(page):
    assert "Desktop mail programs" in page
    assert "SMTP submission" in page
    assert "<td>587</td><td>STARTTLS, password</td>" in page
    assert "<td>993</td><td>TLS</td><td>full address</td>" in page


def test_it_offers_a_trace_form_and_every_download(page, pk):
    assert f'action="{reverse("designs:trace", args=[pk])}"' in page
    assert '<option value="laptops">laptops</option>' in page
    for name in ("export_zip", "design_json", "plan_json", "diagram_svg", "diagram_png"):
        assert reverse(f"designs:{name}", args=[pk]) in page


def test_it_marks_the_plan_panel_as_a_live_region(page):
    assert (
        'id="result" class="designer__result" aria-labelledby="result-title" aria-live="polite"'
        in page
    )


def test_it_works_without_the_diagram_module(monkeypatch):
    # Until the diagram code is there, or when it fails: the plan in words, with a notice.
    real_import = builtins.__import__

    def no_diagrams(name, *args, **kwargs):
        if name == "architect.web" and args and "diagram_cache" in (args[2] or ()):
            raise ImportError("no diagram_cache")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_diagrams)
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    r = alice.get(reverse("designs:detail", args=[design.pk]))

    assert r.status_code == 200
    assert "Diagrams are not available on this server yet." in r.text
    assert "Mail plan for Small office" in r.text  # the plan as text


def test_it_shows_a_design_that_no_longer_loads_with_its_problems():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    type(design).objects.filter(pk=design.pk).update(
        document={**design.document, "hosts": [{"name": "bad host", "network": "hosting"}]}
    )

    r = alice.get(reverse("designs:detail", args=[design.pk]))

    assert r.status_code == 200
    assert "does not pass the checks as it stands" in r.text
    assert "<code>hosts[0].name</code>" in r.text


def test_it_keeps_the_page_whole_when_an_exporter_fails(monkeypatch):
    from architect.designs import analysis

    def broken(design, plan):
        raise RuntimeError("exporter bug")

    monkeypatch.setattr(analysis, "make_bundle", broken)
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    r = alice.get(reverse("designs:detail", args=[design.pk]))

    assert r.status_code == 200
    assert "The configuration files could not be written for this design." in r.text


def test_it_renders_a_design_at_the_size_limits_in_bounded_time_and_size():
    from architect.core.design import LIMITS

    f = Factory()
    alice = f.make_visitor()
    hosts = LIMITS["hosts"] - 1
    document = f.make_document(
        networks=[
            {"name": "hosting", "zone": "internet", "cidrs": ["192.0.2.0/24"]},
            {"name": "lan", "zone": "internal", "cidrs": ["10.0.0.0/8"]},
            {"name": "roaming", "zone": "remote"},
        ]
    )
    document["hosts"] += [
        {
            "name": f"h{i}.example.org",
            "network": "lan",
            "addresses": [f"10.{i // 250}.0.{i % 250 + 1}"],
        }
        for i in range(hosts)
    ]
    document["clients"] = [
        {"name": f"c{i}", "kind": "desktop", "network": "lan"} for i in range(LIMITS["clients"])
    ]
    design = f.make_design(alice, document=document)

    started = time.monotonic()
    r = alice.get(reverse("designs:detail", args=[design.pk]))
    elapsed = time.monotonic() - started

    assert r.status_code == 200
    assert elapsed < 20, elapsed
    assert len(r.content) < 3_000_000
    assert "And 4800 more hosts, not listed here" in r.text
    assert "too many files to show here" in r.text
