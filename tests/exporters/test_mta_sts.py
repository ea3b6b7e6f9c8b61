"""MTA-STS policies: one per receiving domain, listing exactly its MX hosts (RFC 8461 §3.2)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings

from architect import examples
from architect.core.exporters.mta_sts import MtaStsPolicies
from architect.core.planner import plan as make_plan
from tests.strategies import designs


def policies(design, plan=None) -> dict[str, str]:
    return dict(MtaStsPolicies().files(design, plan or make_plan(design)))


def parse(text: str) -> list[tuple[str, str]]:
    """The policy as (key, value) pairs in order, the way a sender reads it."""
    pairs = []
    for line in text.split("\r\n")[:-1]:
        key, value = line.split(":", 1)
        pairs.append((key, value.strip()))
    return pairs


def sts_id(plan, domain: str) -> str | None:
    record = next((r for r in plan.dns if r.name == f"_mta-sts.{domain}."), None)
    return record.value.split("id=")[1] if record else None


def check_policies(design, plan) -> None:
    files = policies(design, plan)
    for domain in plan.domains:
        path = f"mta-sts/{domain.name}/mta-sts.txt"
        # A policy exactly where the zone announces one with its _mta-sts record.
        assert (path in files) == (sts_id(plan, domain.name) is not None), path
        if path not in files:
            continue
        pairs = parse(files[path])
        assert pairs[:2] == [("version", "STSv1"), ("mode", design.policy.mta_sts)]
        mx = {m.host for m in plan.mx_for(domain.name)}
        assert {v for k, v in pairs if k == "mx"} == mx
        assert pairs[-1] == ("max_age", {"testing": "86400", "enforce": "604800"}[pairs[1][1]])


def test_it_lists_exactly_the_mx_hosts_of_each_domain(example):
    _, design, plan = example
    check_policies(design, plan)


@settings(max_examples=60, deadline=None)
@given(design=designs())
def test_it_lists_exactly_the_mx_hosts_of_generated_designs(design):
    check_policies(design, make_plan(design))


def test_it_writes_one_mx_line_per_host_in_preference_order():
    files = policies(examples.load("backup-mx"))
    assert files["mta-sts/example.net/mta-sts.txt"] == (
        "version: STSv1\r\n"
        "mode: enforce\r\n"
        "mx: mx1.example.net\r\n"
        "mx: mx2.example.net\r\n"
        "max_age: 604800\r\n"
    )


def test_it_ends_every_line_with_crlf():
    for text in policies(examples.load("multi-domain")).values():
        assert text.endswith("\r\n")
        assert text.count("\n") == text.count("\r\n")


def test_it_writes_no_policy_for_a_domain_that_receives_no_mail():
    files = policies(examples.load("multi-domain"))
    assert "mta-sts/parked-example.org/mta-sts.txt" not in files
    assert "mta-sts/example-shop.com/mta-sts.txt" in files  # an alias receives mail too


def test_it_writes_no_policy_when_mta_sts_is_off():
    design = examples.load("solo-server")
    off = dataclasses.replace(design, policy=dataclasses.replace(design.policy, mta_sts="none"))
    assert policies(off) == {}
    assert sts_id(make_plan(off), "example.org") is None


def test_it_changes_the_txt_id_whenever_the_policy_changes():
    design = examples.load("backup-mx")

    def variant(**policy):
        d = dataclasses.replace(design, policy=dataclasses.replace(design.policy, **policy))
        plan = make_plan(d)
        return policies(d, plan)["mta-sts/example.net/mta-sts.txt"], sts_id(plan, "example.net")

    base = variant()
    testing = variant(mta_sts="testing")  # another mode
    one_mx = variant(backup_mx=False)  # another MX set
    assert len({base[0], testing[0], one_mx[0]}) == 3
    assert len({base[1], testing[1], one_mx[1]}) == 3
    # The same policy keeps its id, so senders do not refetch for nothing.
    assert variant() == base
