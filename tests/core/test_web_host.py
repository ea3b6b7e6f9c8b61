"""The web host: who serves https://mta-sts.<domain>/ and https://autoconfig.<domain>/, and why."""

from __future__ import annotations

import json

from architect.core.plan import dumps
from tests.core.factory import DesignBuilder, codes, records


def office(**mail_kw) -> DesignBuilder:
    """One mail host on the internet, offering IMAP and submission, with MTA-STS on."""
    d = DesignBuilder("Web host")
    d.domain("example.org")
    d.network("hosting", "internet", ["198.51.100.0/24"])
    d.network("lan", "internal", ["10.0.0.0/24"])
    d.host(
        "mail.example.org",
        "hosting",
        ["198.51.100.10"],
        stores_mailboxes=True,
        services=["imap", "submission"],
        **mail_kw,
    )
    d.client("laptops", "desktop", network="lan")
    d.policy(mta_sts="testing")
    return d


def test_it_serves_both_names_from_the_mx_when_nothing_is_marked():
    plan = office().plan()

    assert plan.web is not None
    assert plan.web.host == "mail.example.org"
    assert [(n.name, n.serves) for n in plan.web.names] == [
        ("autoconfig.example.org", "autoconfig"),
        ("mta-sts.example.org", "mta-sts"),
    ]
    assert "no host is marked for web service" in plan.web.why
    assert "MX" in plan.web.why
    # The names lead to the host, and the host says why it runs a web server.
    assert records(plan, "mta-sts.example.org", "CNAME") == ["mail.example.org."]
    assert records(plan, "autoconfig.example.org", "CNAME") == ["mail.example.org."]
    reasons = [r.why for r in plan.host("mail.example.org").reasons if r.subject == "web"]
    assert reasons == [plan.web.why]


def test_it_prefers_a_host_the_design_marks_for_web_service():
    d = office()
    d.host("www.example.org", "hosting", ["198.51.100.20", "2001:db8::20"], services=["web"])
    plan = d.plan()

    assert plan.web.host == "www.example.org"
    assert plan.web.why.startswith("the design marks www.example.org for web service")
    assert records(plan, "mta-sts.example.org", "CNAME") == ["www.example.org."]
    # The web host's own name must resolve for the CNAME to lead anywhere.
    assert records(plan, "www.example.org", "A") == ["198.51.100.20"]
    assert records(plan, "www.example.org", "AAAA") == ["2001:db8::20"]


def test_it_prefers_the_webmail_host_over_the_mx():
    d = office()
    d.host("webmail.example.org", "hosting", ["198.51.100.30"], mta="none", services=["webmail"])
    plan = d.plan()

    assert plan.web.host == "webmail.example.org"
    assert "webmail" in plan.web.why


def test_it_passes_over_a_marked_host_the_internet_cannot_reach_and_says_so():
    d = office()
    d.host("intranet.example.org", "lan", ["10.0.0.5"], mta="none", services=["web"])
    plan = d.plan()

    assert plan.web.host == "mail.example.org"
    assert "web-host-unreachable" in codes(plan, "warning")


def test_it_reports_when_no_host_can_serve_the_names():
    d = DesignBuilder("Behind NAT")
    d.domain("example.org")
    d.network("dmz", "dmz", ["10.1.0.0/24"])
    d.host("mail.example.org", "dmz", ["10.1.0.10"], stores_mailboxes=True)
    d.policy(mta_sts="enforce")
    plan = d.plan()

    assert plan.web is None
    finding = next(f for f in plan.findings if f.code == "no-web-host")
    assert finding.severity == "warning"
    assert "mta-sts.example.org" in finding.subjects
    assert "service web" in finding.message
    assert records(plan, "mta-sts.example.org", "CNAME") == []


def test_it_needs_no_web_host_when_there_is_nothing_to_serve():
    plan = office().policy(mta_sts="none").plan()
    # Autoconfig still needs one; without MTA-STS only that name is served.
    assert [n.name for n in plan.web.names] == ["autoconfig.example.org"]

    d = DesignBuilder("Send only")
    d.domain("example.org")
    d.network("hosting", "internet", ["198.51.100.0/24"])
    d.host("app.example.org", "hosting", ["198.51.100.10"], accepts_internet_smtp=False)
    d.policy(mta_sts="none")
    plan = d.plan()
    assert plan.web is None
    assert "no-web-host" not in codes(plan)


def test_it_writes_the_choice_into_plan_json():
    data = json.loads(dumps(office().plan()))

    assert data["web"]["host"] == "mail.example.org"
    assert {n["name"] for n in data["web"]["names"]} == {
        "mta-sts.example.org",
        "autoconfig.example.org",
    }
