"""The designer page of a design of many domains lists a bounded number of DNS zones."""

from __future__ import annotations

import pytest

from architect.designs.analysis import SHOWN_ZONES
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


def test_it_lists_the_first_zones_and_counts_the_rest():
    f = Factory()
    alice = f.make_visitor()
    extra = SHOWN_ZONES + 5
    domains = [{"name": "example.org"}] + [{"name": f"d{i}.example.net"} for i in range(extra)]
    design = f.make_design(alice, document=f.make_document(domains=domains))

    r = alice.get(f.url("detail", design.pk))

    assert r.status_code == 200
    html = r.text
    shown = html.count('<caption class="visually-hidden">DNS records of the zone ')
    assert shown == SHOWN_ZONES
    # Every domain has a zone, so six are left out: named by count, with the bundle's link.
    assert f"And {extra + 1 - SHOWN_ZONES} more zones with " in html
    assert f.url("export_zip", design.pk) in html


def test_a_design_of_few_domains_lists_every_zone():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    r = alice.get(f.url("detail", design.pk))

    assert r.text.count('<caption class="visually-hidden">DNS records of the zone ') == 1
    assert "more zone" not in r.text
