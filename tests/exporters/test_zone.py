"""The DNS exports: whole zone files that strict named-checkzone accepts, and the request lists.

Every zone is loaded by BIND's own checker with the strict flags the README
gives people, and the records it loads are compared with the plan's: the
file publishes exactly what the plan decided, plus the marked placeholders
(SOA, NS and the name servers' documentation addresses), and nothing else.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from architect import examples
from architect.core import design as model
from architect.core.exporters.zone import (
    PLACEHOLDER_NS_ADDRESSES,
    ZoneFiles,
    live_placeholder,
    record_line,
)
from architect.core.plan import DnsRecord
from architect.core.planner import plan as make_plan
from architect.core.planner.dns import PLACEHOLDER_PUBLIC_ADDRESS
from tests.strategies import designs


def zone_files(design, plan=None) -> dict[str, str]:
    return dict(ZoneFiles().files(design, plan or make_plan(design)))


def planned(plan, zone: str) -> dict[tuple[str, str, str], DnsRecord]:
    """The plan's publishable records for one zone, keyed as the zone dump reads them."""
    return {
        (r.name.lower(), r.type, r.value if r.type == "TXT" else " ".join(r.value.split())): r
        for r in plan.dns
        if r.zone == zone and (not r.placeholder or live_placeholder(r))
    }


def assert_only_placeholders(extra: set, zone: str, design) -> None:
    """Records beyond the plan's may only be the marked SOA/NS scaffolding."""
    apex = zone + "."
    children = {d.name + "." for d in design.domains if d.name.endswith("." + zone)}
    soa = [r for r in extra if r[1] == "SOA"]
    assert len(soa) == 1 and soa[0][0] == apex, soa
    for name, rtype, value in extra - set(soa):
        if rtype == "NS":
            assert name == apex or name in children, (name, value)
        elif rtype == "A":
            assert value in PLACEHOLDER_NS_ADDRESSES, (name, value)
        else:
            raise AssertionError(f"unexpected record {name} {rtype} {value}")


def check_zones(design, plan, files, run_checkzone, read_records) -> None:
    """Every design domain has a zone that strict checks accept, with the plan's records."""
    with tempfile.TemporaryDirectory() as tmp:
        for domain in (d.name for d in design.domains):
            text = files[f"dns/{domain}.zone"]
            path = Path(tmp) / f"{domain}.zone"
            path.write_text(text, encoding="utf-8")
            result = run_checkzone(domain, path)
            assert result.returncode == 0, result.stdout + result.stderr + text
            assert result.stdout.strip().endswith("OK"), result.stdout
            loaded = read_records(domain, path)
            wanted = planned(plan, domain)
            assert_only_placeholders(loaded - set(wanted), domain, design)
            for key in set(wanted) - loaded:
                # A record the plan wants but the zone leaves out is there, commented
                # out, with the reason: never dropped silently.
                record = wanted[key]
                assert record.type in ("MX", "SRV", "CNAME"), record
                assert "; NOT PUBLISHED:" in text and "; " + record_line(record) in text


def test_it_writes_zones_that_strict_named_checkzone_accepts_for_every_example(
    example, named_checkzone, zone_records
):
    _, design, plan = example
    files = zone_files(design, plan)
    check_zones(design, plan, files, named_checkzone, zone_records)
    # The examples give every mail host an address: nothing is held back.
    assert not any("NOT PUBLISHED" in text for text in files.values())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(design=designs())
def test_it_writes_zones_that_strict_named_checkzone_accepts_for_generated_designs(
    design, named_checkzone, zone_records
):
    plan = make_plan(design)
    check_zones(design, plan, zone_files(design, plan), named_checkzone, zone_records)


def test_it_keeps_text_typed_into_the_design_from_adding_records(
    evil_design, named_checkzone, zone_records
):
    design = evil_design
    plan = make_plan(design)
    files = zone_files(design, plan)
    check_zones(design, plan, files, named_checkzone, zone_records)
    text = files["dns/example.org.zone"]
    # The name is still there for the reader, on one comment line.
    assert '; Design: evil @ IN A 6.6.6.6 ; "quote" <script> $TTL 1' in text.splitlines()
    for line in text.splitlines():
        if not line.startswith(";"):
            assert "6.6.6.6" not in line and not line.startswith(("@", "$INCLUDE", "$TTL 1"))


def test_it_splits_a_long_spf_record_into_strings_receivers_join(
    named_checkzone, zone_records, tmp_path
):
    # A sending host with sixteen IPv6 addresses: its SPF record passes 255 bytes.
    addresses = [f"2001:db8:1::{i:x}" for i in range(1, 17)]
    design = model.load(
        {
            "format": "mail-design",
            "version": 1,
            "name": "Many addresses",
            "domains": [{"name": "example.org"}],
            "networks": [{"name": "net", "zone": "internet", "cidrs": ["2001:db8:1::/48"]}],
            "hosts": [
                {
                    "name": "mail.example.org",
                    "network": "net",
                    "addresses": addresses,
                    "stores_mailboxes": True,
                }
            ],
        }
    )
    plan = make_plan(design)
    spf = next(r for r in plan.dns if r.name == "example.org." and r.value.startswith("v=spf1"))
    assert len(spf.value) > 255
    path = tmp_path / "example.org.zone"
    path.write_text(zone_files(design, plan)["dns/example.org.zone"])

    result = named_checkzone("example.org", path, "-o", "-")
    assert result.returncode == 0, result.stderr
    dumped = next(line for line in result.stdout.splitlines() if "v=spf1 ip6" in line)
    strings = dumped.split("TXT", 1)[1].strip()
    assert strings.count('"') == 4  # two strings, each at most 255 bytes
    assert ("example.org.", "TXT", spf.value) in zone_records("example.org", path)


def test_it_escapes_quotes_and_backslashes_in_txt_values(named_checkzone, zone_records, tmp_path):
    design = examples.load("solo-server")
    plan = make_plan(design)
    odd = 'v=test; say "hi" \\ bye; ' + "x" * 300
    record = DnsRecord("odd.example.org.", "TXT", odd, "a test", "optional", "", "example.org")
    plan = dataclasses.replace(plan, dns=(*plan.dns, record))
    path = tmp_path / "example.org.zone"
    path.write_text(zone_files(design, plan)["dns/example.org.zone"])

    assert ("odd.example.org.", "TXT", odd) in zone_records("example.org", path)


def test_it_comments_out_the_dkim_key_until_it_is_filled_in():
    files = zone_files(examples.load("solo-server"))
    lines = files["dns/example.org.zone"].splitlines()
    dkim = next(i for i, line in enumerate(lines) if "mail._domainkey.example.org." in line)
    assert lines[dkim].startswith("; ")
    assert "FILL IN" in lines[dkim - 1]


def test_it_says_why_each_record_is_there_and_how_much_it_matters():
    design = examples.load("solo-server")
    plan = make_plan(design)
    lines = zone_files(design, plan)["dns/example.org.zone"].splitlines()
    mx = next(i for i, line in enumerate(lines) if " IN MX " in line and line[0] != ";")
    assert lines[mx - 1] == "; [required] the primary MX for example.org"
    assert "; ---- Where mail for the domain goes (MX) ----" in lines


def test_it_holds_back_an_mx_whose_host_has_no_address(
    doc_without_mx_address, named_checkzone, zone_records
):
    design = model.load(doc_without_mx_address)
    plan = make_plan(design)
    assert any(f.code == "mx-without-address" for f in plan.findings)
    files = zone_files(design, plan)
    check_zones(design, plan, files, named_checkzone, zone_records)

    text = files["dns/example.org.zone"]
    assert "; example.org.                               3600 IN MX    10 mail.example.org." in text
    assert "finding mx-without-address" in text


def test_it_delegates_a_subdomain_that_has_a_zone_of_its_own(named_checkzone, zone_records):
    design = model.load(
        {
            "format": "mail-design",
            "version": 1,
            "name": "Nested domains",
            "domains": [{"name": "example.org"}, {"name": "corp.example.org"}],
            "networks": [{"name": "net", "zone": "internet", "cidrs": ["192.0.2.0/24"]}],
            "hosts": [
                {
                    "name": "mx.corp.example.org",
                    "network": "net",
                    "addresses": ["192.0.2.25"],
                    "stores_mailboxes": True,
                }
            ],
        }
    )
    plan = make_plan(design)
    files = zone_files(design, plan)
    check_zones(design, plan, files, named_checkzone, zone_records)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "example.org.zone"
        path.write_text(files["dns/example.org.zone"])
        parent = zone_records("example.org", path)
    # The parent's MX points into the child, which the NS records hand over to.
    assert ("example.org.", "MX", "10 mx.corp.example.org.") in parent
    assert ("corp.example.org.", "NS", "ns1.example.org.") in parent
    assert "; ---- Delegation of corp.example.org ----" in files["dns/example.org.zone"]


def test_it_never_gives_a_real_host_a_placeholder_address(
    doc_without_mx_address, named_checkzone, zone_records
):
    doc = doc_without_mx_address
    doc["name"] = "A host called ns1"
    doc["networks"][0]["cidrs"] = ["192.0.2.0/24"]
    doc["hosts"][0].update(name="ns1.example.org", addresses=["192.0.2.1"])
    design = model.load(doc)
    plan = make_plan(design)
    files = zone_files(design, plan)
    check_zones(design, plan, files, named_checkzone, zone_records)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "example.org.zone"
        path.write_text(files["dns/example.org.zone"])
        loaded = zone_records("example.org", path)
    assert {r for r in loaded if r[0] == "ns1.example.org." and r[1] == "A"} == {
        ("ns1.example.org.", "A", "192.0.2.1")
    }
    assert ("example.org.", "NS", "dns1.example.org.") in loaded


def test_it_lists_the_ptr_records_to_request_per_address_block():
    text = zone_files(examples.load("solo-server"))["dns/ptr-requests.txt"]
    block = text.index("Address block 192.0.2.0/24 (network hosting)")
    entry = text.index("192.0.2.10  ->  mail.example.org.")
    assert block < entry
    assert "10.2.0.192.in-addr.arpa. PTR mail.example.org." in text


def test_it_leaves_out_request_files_that_would_be_empty():
    files = zone_files(examples.load("hosted-mailboxes"))
    assert set(files) == {
        "dns/example-startup.com.zone",
        "dns/notify.example-startup.com.zone",
    }


def test_it_keeps_inside_hosts_out_of_the_public_zone():
    design = examples.load("dmz-gateway")
    plan = make_plan(design)
    inside = DnsRecord(
        "store.example.com.",
        "A",
        "10.0.0.20",
        "the address of store.example.com for internal DNS only",
        "optional",
        "",
        None,
    )
    files = zone_files(design, dataclasses.replace(plan, dns=(*plan.dns, inside)))
    assert "10.0.0.20" not in files["dns/example.com.zone"]
    internal = files["dns/internal.txt"]
    assert record_line(inside) in internal
    assert "; [optional] the address of store.example.com for internal DNS only" in internal


def test_it_gives_the_same_bytes_for_the_same_design():
    first = zone_files(examples.load("multi-domain"))
    second = zone_files(examples.load("multi-domain"))
    assert first == second


def test_it_holds_back_a_cname_at_a_name_that_has_other_records(named_checkzone, zone_records):
    # BIND refuses a CNAME beside other data. The planner can produce one: a web
    # host called autoconfig.<domain> gets its address and the autoconfig CNAME.
    design = examples.load("solo-server")
    plan = make_plan(design)
    alias = DnsRecord(
        "mail.example.org.", "CNAME", "www.example.org.", "a test", "optional", "", "example.org"
    )
    plan = dataclasses.replace(plan, dns=(*plan.dns, alias))
    files = zone_files(design, plan)
    check_zones(design, plan, files, named_checkzone, zone_records)
    text = files["dns/example.org.zone"]
    held_back = next(line for line in text.splitlines() if line.startswith("; NOT PUBLISHED:"))
    assert "mail.example.org. also has other records" in held_back
    assert "; " + record_line(alias) in text


def test_it_publishes_the_mx_of_a_home_server_with_a_fill_in_public_address(
    named_checkzone, zone_records, tmp_path
):
    # A server behind NAT: the design knows only its private address.
    design = model.load(
        {
            "format": "mail-design",
            "version": 1,
            "name": "Home server",
            "domains": [{"name": "example.org"}],
            "networks": [{"name": "home", "zone": "dmz", "cidrs": ["192.168.1.0/24"]}],
            "hosts": [
                {
                    "name": "mail.example.org",
                    "network": "home",
                    "addresses": ["192.168.1.10"],
                    "stores_mailboxes": True,
                }
            ],
        }
    )
    plan = make_plan(design)
    assert "mx-private-address" in {f.code for f in plan.errors()}
    files = zone_files(design, plan)
    check_zones(design, plan, files, named_checkzone, zone_records)
    text = files["dns/example.org.zone"]
    assert "NOT PUBLISHED" not in text
    path = tmp_path / "example.org.zone"
    path.write_text(text)
    loaded = zone_records("example.org", path)
    assert ("example.org.", "MX", "10 mail.example.org.") in loaded
    assert ("mail.example.org.", "A", PLACEHOLDER_PUBLIC_ADDRESS) in loaded
    lines = text.splitlines()
    address = next(
        i for i, line in enumerate(lines) if PLACEHOLDER_PUBLIC_ADDRESS in line and line[0] != ";"
    )
    assert "FILL IN" in lines[address - 1]
    assert "192.168.1.10" not in "\n".join(line for line in lines if not line.startswith(";"))


def test_it_says_so_when_a_receiving_domain_has_no_mx(named_checkzone, zone_records):
    design = model.load(
        {
            "format": "mail-design",
            "version": 1,
            "name": "Inside only",
            "domains": [{"name": "example.org"}],
            "networks": [{"name": "home", "zone": "internal", "cidrs": ["192.168.1.0/24"]}],
            "hosts": [
                {
                    "name": "mail.example.org",
                    "network": "home",
                    "addresses": ["192.168.1.10"],
                    "stores_mailboxes": True,
                    "accepts_internet_smtp": True,
                }
            ],
        }
    )
    plan = make_plan(design)
    files = zone_files(design, plan)
    check_zones(design, plan, files, named_checkzone, zone_records)
    assert (
        "; ---- No MX record: mail for this domain cannot be delivered ----"
        in (files["dns/example.org.zone"])
    )


def test_it_publishes_an_autoconfig_name_only_where_the_bundle_has_the_file(example):
    from architect.core.exporters.autoconfig import AutoconfigFiles

    _, design, plan = example
    written = {path for path, _ in AutoconfigFiles().files(design, plan)}
    for r in plan.dns:
        if r.name.startswith("autoconfig.") and r.zone is not None:
            domain = r.name[len("autoconfig.") :].rstrip(".")
            assert f"autoconfig/{domain}/config-v1.1.xml" in written, r.name
