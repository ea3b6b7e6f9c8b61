"""Client autoconfiguration: well-formed Thunderbird-format files naming the plan's servers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given, settings

from architect import examples
from architect.core.exporters.autoconfig import AutoconfigFiles
from architect.core.planner import plan as make_plan
from tests.strategies import designs

SERVER_CHILDREN = ["hostname", "port", "socketType", "username", "authentication"]


def configs(design, plan=None) -> dict[str, ET.Element]:
    """Each domain's file, parsed: a file that is not well-formed XML fails here."""
    files = AutoconfigFiles().files(design, plan or make_plan(design))
    return {path.split("/")[1]: ET.fromstring(text.encode()) for path, text in files}


def servers(root: ET.Element, element: str) -> list[tuple[str, str, int, str, str]]:
    provider = root.find("emailProvider")
    return [
        (
            s.get("type"),
            s.findtext("hostname"),
            int(s.findtext("port")),
            s.findtext("socketType"),
            s.findtext("username"),
        )
        for s in provider.findall(element)
    ]


def check_format(design, plan) -> None:
    """The element set of the format (topologies.md §2.4), with servers the plan knows."""
    known = {h.name for h in plan.hosts} | {p.host for p in plan.providers}
    for domain, root in configs(design, plan).items():
        facts = plan.domain(domain)
        assert facts is not None and facts.mailbox_host is not None
        assert root.tag == "clientConfig" and root.get("version") == "1.1"
        provider = root.find("emailProvider")
        assert provider.get("id") == domain
        assert provider.findtext("domain") == domain
        assert provider.findtext("displayName")
        incoming = provider.findall("incomingServer")
        outgoing = provider.findall("outgoingServer")
        assert incoming and outgoing, domain
        for server in incoming + outgoing:
            assert [child.tag for child in server] == SERVER_CHILDREN
            assert server.findtext("hostname") in known
            assert server.findtext("socketType") in ("SSL", "STARTTLS")
            assert server.findtext("authentication") == "password-cleartext"
        assert {s.get("type") for s in incoming} <= {"imap", "pop3"}
        assert {s.get("type") for s in outgoing} == {"smtp"}


def test_it_writes_the_format_for_every_example(example):
    _, design, plan = example
    check_format(design, plan)


@settings(max_examples=60, deadline=None)
@given(design=designs())
def test_it_writes_the_format_for_generated_designs(design):
    check_format(design, make_plan(design))


def test_it_names_the_mailbox_host_and_the_submission_host():
    root = configs(examples.load("solo-server"))["example.org"]
    assert servers(root, "incomingServer") == [
        ("imap", "mail.example.org", 993, "SSL", "%EMAILADDRESS%")
    ]
    # Implicit TLS first, as RFC 8314 recommends, then STARTTLS on 587.
    assert servers(root, "outgoingServer") == [
        ("smtp", "mail.example.org", 465, "SSL", "%EMAILADDRESS%"),
        ("smtp", "mail.example.org", 587, "STARTTLS", "%EMAILADDRESS%"),
    ]


def test_it_offers_pop3_where_the_mailbox_host_serves_it():
    root = configs(examples.load("multi-domain"))["example.net"]
    assert [s[:4] for s in servers(root, "incomingServer")] == [
        ("imap", "mx.example.com", 993, "SSL"),
        ("pop3", "mx.example.com", 995, "SSL"),
    ]


def test_it_sends_through_the_gateway_and_reads_from_the_inside_store():
    root = configs(examples.load("dmz-gateway"))["example.com"]
    assert servers(root, "incomingServer")[0][1] == "store.example.com"
    assert {s[1] for s in servers(root, "outgoingServer")} == {"gw.example.com"}
    design = examples.load("dmz-gateway")
    text = dict(AutoconfigFiles().files(design, make_plan(design)))[
        "autoconfig/example.com/config-v1.1.xml"
    ]
    assert '<!-- store.example.com sits on the internal network "inside":' in text


def test_it_uses_the_providers_host_for_hosted_mailboxes():
    root = configs(examples.load("hosted-mailboxes"))["example-startup.com"]
    assert servers(root, "incomingServer") == [
        ("imap", "mx.mailhost.example", 993, "SSL", "%EMAILADDRESS%")
    ]
    assert servers(root, "outgoingServer") == [
        ("smtp", "mx.mailhost.example", 587, "STARTTLS", "%EMAILADDRESS%")
    ]


def test_it_logs_alias_domain_users_in_with_the_target_address():
    root = configs(examples.load("multi-domain"))["example-shop.com"]
    usernames = {s[4] for s in servers(root, "incomingServer") + servers(root, "outgoingServer")}
    assert usernames == {"%EMAILLOCALPART%@example.com"}


def test_it_leaves_out_domains_without_servers_to_name():
    # Shell users read their mail locally: no IMAP or POP3 server and no submission.
    assert configs(examples.load("timesharing")) == {}
    # A parked domain has no mailboxes at all.
    assert "parked-example.org" not in configs(examples.load("multi-domain"))
