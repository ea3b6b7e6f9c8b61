"""diff: what changed between two design documents, and between their plans (no database)."""

from __future__ import annotations

from architect.core import design as core_design
from architect.core.planner import plan
from architect.designs import diff
from tests.designs.factory import Factory


def test_it_names_added_removed_and_changed_items():
    old = Factory().make_document()
    new = Factory().make_document()
    new["hosts"][0]["services"] = ["imap"]
    new["clients"] = [{"name": "phones", "kind": "mobile", "network": "roaming"}]
    new["domains"].append({"name": "example.net"})

    lines = diff.design_changes(old, new)

    assert "Added domain example.net." in lines
    assert (
        "Renamed client laptops to phones, and changed count from 3 to default; "
        "kind from desktop to mobile." in lines
    )
    assert "Changed host mail.example.org: services from imap, submission to imap." in lines


def test_it_names_policy_and_name_changes():
    old = Factory().make_document()
    new = Factory().make_document(
        name="HQ", policy={"dmarc": "reject", "reports_to": "postmaster@example.org"}
    )

    assert diff.design_changes(old, new) == [
        "Renamed the design from “Small office” to “HQ”.",
        "Changed the policy: dmarc from default to reject.",
    ]


def test_it_summarises_a_revision_in_a_few_changes():
    old = Factory().make_document()
    new = Factory().make_document(clients=[], providers=[], hosts=[])

    assert diff.summary(None, new, "Started.") == "Started."
    assert diff.summary(old, old, "Nothing.") == "Nothing."
    assert diff.summary(old, new, "x") == "Removed host mail.example.org. Removed client laptops."


def test_it_says_how_the_plan_changes():
    old = Factory().make_document()
    new = Factory().make_document()
    new["hosts"].append(
        {"name": "mx2.example.org", "network": "hosting", "addresses": ["192.0.2.20"]}
    )
    new["policy"]["backup_mx"] = True

    lines = diff.plan_changes(plan(core_design.load(old)), plan(core_design.load(new)))

    assert "mx2.example.org joins the plan as backup-mx, outbound." in lines
    assert (
        "MX of example.org changes from 10 mail.example.org "
        "to 10 mail.example.org, 20 mx2.example.org." in lines
    )
    assert "DNS record added: example.org. MX 20 mx2.example.org." in lines
    assert any(line.startswith("Resolved note: example.org has a single MX host") for line in lines)


def test_it_caps_long_lists_of_records():
    old = Factory().make_document()
    new = Factory().make_document()
    new["hosts"] += [
        {"name": f"h{i}.example.org", "network": "hosting", "addresses": [f"192.0.2.{100 + i}"]}
        for i in range(40)
    ]

    lines = diff.plan_changes(plan(core_design.load(old)), plan(core_design.load(new)))

    added = [line for line in lines if line.startswith("DNS record added")]
    assert len(added) == diff.MAX_LINES
    assert any(
        line.startswith("… and ") and line.endswith("more DNS records added.") for line in lines
    )
