"""DNS decisions that cut across topologies."""

from __future__ import annotations

from architect import examples
from architect.core.planner import plan
from architect.core.planner.dns import PLACEHOLDER_PUBLIC_ADDRESS
from tests.core.factory import DesignBuilder, codes, records


def test_two_providers_sharing_an_spf_include_name_it_once():
    p = plan(examples.load("hosted-mailboxes"))
    assert records(p, "example-startup.com", "TXT") == ["v=spf1 include:spf.mailhost.example -all"]


def test_no_cname_is_published_beside_a_host_of_the_same_name():
    d = DesignBuilder()
    d.domain("example.org")
    d.network("pub", "internet", ["192.0.2.0/24"])
    d.host("autoconfig.example.org", "pub", ["192.0.2.9"], services=["webmail"])
    d.host("mail.example.org", "pub", ["192.0.2.10"], stores_mailboxes=True, services=["imap"])
    p = d.plan()
    assert records(p, "autoconfig.example.org", "CNAME") == []
    assert records(p, "autoconfig.example.org", "A") == ["192.0.2.9"]


def test_private_addresses_of_public_hosts_stay_in_internal_dns():
    d = DesignBuilder()
    d.domain("example.org")
    d.network("dmz", "dmz", ["172.16.5.0/24"])
    d.network("roaming", "remote")
    d.host("mail.example.org", "dmz", ["172.16.5.10"], stores_mailboxes=True)
    d.client("phones", "mobile", network="roaming")
    p = d.plan()
    published = [r for r in p.dns if r.name == "mail.example.org." and r.type == "A"]
    # The private address stays inside; the zone gets a FILL IN for the public one.
    assert sorted((r.value, r.zone, r.placeholder) for r in published) == [
        ("172.16.5.10", None, False),
        (PLACEHOLDER_PUBLIC_ADDRESS, "example.org", True),
    ]
    assert "mx-private-address" in codes(p, "error")


def test_a_service_host_without_address_is_reported():
    d = DesignBuilder()
    d.domain("example.org")
    d.network("pub", "internet", ["192.0.2.0/24"])
    d.network("roaming", "remote")
    d.host("mail.example.org", "pub", [], stores_mailboxes=True)
    d.client("phones", "mobile", network="roaming")
    assert {"service-host-without-address", "mx-without-address"} <= codes(d.plan())


def test_hosts_others_relay_through_resolve_inside():
    p = plan(examples.load("dmz-gateway"))
    inside = [(r.value, r.zone) for r in p.dns if r.name == "store.example.com."]
    assert inside == [("10.0.0.20", None)]
