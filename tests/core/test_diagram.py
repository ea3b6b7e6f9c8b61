"""The diagram's DOT structure: lanes, nodes, edges, aggregation, trace and findings.

These tests read the DOT text that ``diagram.dot_source`` produces and never run
`dot` (tests/core/test_diagram_render.py does).
"""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import sys
from dataclasses import dataclass

import pytest

from architect import examples
from architect.core import diagram
from architect.core.design import load
from architect.core.plan import Finding, Flow, Plan
from architect.core.planner import plan as make_plan
from architect.core.trace import trace

# -- reading DOT ---------------------------------------------------------------


@dataclass
class Item:
    """A node or an edge of the DOT text, with the clusters it sits in."""

    id: str
    attrs: str
    clusters: tuple[str, ...]
    head: str | None = None

    def attr(self, name: str) -> str | None:
        return attr(self.attrs, name)

    @property
    def text(self) -> str:
        """The label as a reader sees it: tags dropped, entities decoded."""
        label = self.attr("label") or ""
        return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", label)).split())


@dataclass
class Dot:
    source: str
    nodes: dict[str, Item]
    edges: list[Item]
    clusters: dict[str, str]  # name -> its attribute lines

    def node_with(self, text: str) -> Item:
        """The node whose label starts with ``text`` or, failing that, says it."""
        nodes = list(self.nodes.values())
        found = [n for n in nodes if n.text.startswith(text)] or [
            n for n in nodes if text in n.text
        ]
        assert found, f"no node says {text!r}"
        return found[0]

    def edges_labelled(self, text: str) -> list[Item]:
        return [e for e in self.edges if text in (e.attr("label") or "")]

    def cluster_label(self, name: str) -> str:
        return html.unescape(re.sub(r"<[^>]*>", " ", attr(self.clusters[name], "label") or ""))


def attr(attrs: str, name: str) -> str | None:
    """One attribute's value from a DOT attribute list: quoted, HTML-like or bare."""
    match = re.search(rf"(?:^|\s){name}=", attrs)
    if match is None:
        return None
    rest = attrs[match.end() :]
    if rest.startswith('"'):
        value = re.match(r'"((?:[^"\\]|\\.)*)"', rest).group(1)
        return value.replace('\\"', '"')
    if rest.startswith("<"):
        depth = 0
        for i, ch in enumerate(rest):
            depth += {"<": 1, ">": -1}.get(ch, 0)
            if depth == 0:
                return rest[1:i]
    return re.match(r"[^\s\]]+", rest).group(0)


def parse(source: str) -> Dot:
    nodes: dict[str, Item] = {}
    edges: list[Item] = []
    clusters: dict[str, str] = {}
    stack: list[str | None] = []
    for line in source.splitlines():
        text = line.strip()
        if opened := re.match(r"subgraph (\w+) \{$", text):
            stack.append(opened.group(1))
            clusters[opened.group(1)] = ""
        elif text == "{":
            stack.append(None)
        elif text == "}":
            if stack:
                stack.pop()
        elif edge := re.match(r"(\w+) -> (\w+)(?: \[(.*)\])?$", text):
            inside = tuple(c for c in stack if c)
            edges.append(Item(edge.group(1), edge.group(3) or "", inside, edge.group(2)))
        elif node := re.match(r"(\w+) \[(.*)\]$", text):
            if node.group(1) not in ("graph", "node", "edge"):
                nodes[node.group(1)] = Item(node.group(1), node.group(2), tuple(stack_ids(stack)))
        elif stack and stack[-1] and "=" in text:
            clusters[stack[-1]] += " " + text
    return Dot(source, nodes, edges, clusters)


def stack_ids(stack: list[str | None]) -> list[str]:
    return [c for c in stack if c]


def drawn(plan: Plan, **kw) -> Dot:
    return parse(diagram.dot_source(plan, **kw))


def example(slug: str) -> Plan:
    return make_plan(examples.load(slug))


def flow_edges(dot: Dot) -> list[Item]:
    """Edges that stand for mail moving (not layout helpers)."""
    return [e for e in dot.edges if e.attr("style") != "invis"]


# -- designs built in code -------------------------------------------------------


def design(**parts) -> dict:
    doc = {
        "format": "mail-design",
        "version": 1,
        "name": "Test design",
        "domains": [{"name": "example.org"}],
        "networks": [{"name": "servers", "zone": "internet", "cidrs": ["192.0.2.0/24"]}],
        "hosts": [],
        "clients": [],
    }
    doc.update(parts)
    return doc


def campus(null_clients: int) -> Plan:
    """One public mail hub and ``null_clients`` workstations on an internal LAN."""
    hosts = [
        {
            "name": "hub.example.org",
            "network": "servers",
            "addresses": ["192.0.2.10"],
            "stores_mailboxes": True,
        }
    ]
    hosts += [
        {"name": f"ws{i}.example.org", "network": "dept-lan", "addresses": [f"10.0.0.{i + 2}"]}
        for i in range(null_clients)
    ]
    return make_plan(
        load(
            design(
                networks=[
                    {"name": "servers", "zone": "internet", "cidrs": ["192.0.2.0/24"]},
                    {"name": "dept-lan", "zone": "internal", "cidrs": ["10.0.0.0/24"]},
                ],
                hosts=hosts,
            )
        )
    )


def many_servers(networks: int, per_network: int) -> Plan:
    """Public hosts that each hold the mailboxes of their own domain: nothing aggregates."""
    nets, hosts, domains = [], [], []
    for n in range(networks):
        nets.append({"name": f"site{n}", "zone": "internet", "cidrs": [f"2001:db8:{n}::/48"]})
        for i in range(per_network):
            name = f"mail{i}.site{n}.example"
            hosts.append(
                {
                    "name": name,
                    "network": f"site{n}",
                    "addresses": [f"2001:db8:{n}::{i + 1:x}"],
                    "stores_mailboxes": True,
                }
            )
            domains.append({"name": f"d{i}.site{n}.example", "mailbox_host": name})
    return make_plan(load(design(networks=nets, hosts=hosts, domains=domains)))


# -- lanes and placement ---------------------------------------------------------


def test_it_draws_a_lane_for_each_zone_in_use():
    dot = drawn(example("dmz-gateway"))
    assert {"cluster_lane_internet", "cluster_lane_dmz", "cluster_lane_internal"} <= set(
        dot.clusters
    )
    assert "Internet" in dot.cluster_label("cluster_lane_internet")
    assert "DMZ" in dot.cluster_label("cluster_lane_dmz")

    solo = drawn(example("solo-server"))
    assert "cluster_lane_dmz" not in solo.clusters
    assert "cluster_lane_internal" not in solo.clusters


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_puts_each_host_inside_its_zone_and_network(slug):
    plan = example(slug)
    dot = drawn(plan)
    for h in plan.hosts:
        node = dot.node_with(h.name)
        assert node.clusters[0] == f"cluster_lane_{h.zone}", h.name
        network_cluster = node.clusters[1]
        assert dot.cluster_label(network_cluster).strip() == f"network {h.network}"


def test_it_draws_the_internet_end_and_providers_in_the_internet_lane():
    dot = drawn(example("hosted-mailboxes"))
    internet = dot.node_with("other mail servers")
    assert internet.clusters == ("cluster_lane_internet",)
    assert internet.attr("shape") == "ellipse"
    relay = dot.node_with("mailhost-relay")
    assert relay.clusters == ("cluster_lane_internet",)
    assert "smarthost" in relay.text


def test_it_shows_clients_by_kind_with_their_count():
    dot = drawn(example("department-hub"))
    assert "desktop" in dot.node_with("staff-laptops × 30").text
    assert "device" in dot.node_with("printers × 4").text
    # A single program has no count to show.
    assert "×" not in dot.node_with("nightly-builds").text
    assert dot.node_with("staff-laptops").attr("shape") != dot.node_with("mailhub").attr("shape")


def test_it_puts_programs_beside_the_host_they_run_on():
    dot = drawn(example("department-hub"))
    shell = dot.node_with("shell.cs.example.edu")
    mutt = dot.node_with("mutt-users × 40")
    assert mutt.clusters == shell.clusters
    assert "terminal on shell.cs.example.edu" in mutt.text


def test_it_puts_clients_in_the_lane_of_the_network_they_sit_on():
    dot = drawn(example("department-hub"))
    laptops = dot.node_with("staff-laptops")
    assert laptops.clusters[0] == "cluster_lane_remote"
    desktops = dot.node_with("staff-desktops")
    assert desktops.clusters[0] == "cluster_lane_internal"
    assert dot.cluster_label(desktops.clusters[1]).strip() == "network dept-lan"


def test_it_puts_roaming_clients_in_the_remote_lane():
    dot = drawn(example("solo-server"))
    assert dot.node_with("laptops × 8").clusters[0] == "cluster_lane_remote"


# -- what nodes say --------------------------------------------------------------


def test_it_badges_roles_mx_preferences_and_software():
    dot = drawn(example("backup-mx"))
    primary = dot.node_with("mx1.example.net").text
    backup = dot.node_with("mx2.example.net").text
    assert "MX 10" in primary and "mailbox" in primary and "submission" in primary
    assert "backup MX 20" in backup
    assert "Postfix" in primary

    timesharing = drawn(example("timesharing")).node_with("unix.example.edu").text
    assert "sendmail" in timesharing and "local delivery" in timesharing

    edge = drawn(example("filtering-edge")).node_with("gw2.example.org").text
    assert "filter" in edge and "gateway" in edge


def test_it_draws_the_mailbox_store_of_a_host_that_delivers_itself():
    dot = drawn(example("solo-server"))
    store = dot.node_with("mailboxes")
    host = dot.node_with("mail.example.org")
    assert store.attr("shape") == "cylinder"
    assert store.clusters == host.clusters
    lmtp = dot.edges_labelled("LMTP")
    assert {(e.id, e.head) for e in lmtp} == {(host.id, store.id)}


def test_it_fades_hosts_without_a_mail_role():
    plan = make_plan(
        load(
            design(
                hosts=[
                    {"name": "mail.example.org", "network": "servers", "addresses": ["192.0.2.1"]},
                    {"name": "web.example.org", "network": "servers", "mta": "none"},
                ]
            )
        )
    )
    dot = drawn(plan)
    idle = dot.node_with("web.example.org")
    assert "dashed" in idle.attr("style")
    assert diagram.FADED_TEXT in idle.attr("label")
    assert "dashed" not in dot.node_with("mail.example.org").attr("style")


# -- edges -------------------------------------------------------------------------


def test_it_labels_edges_with_protocol_port_tls_and_auth():
    labels = {
        e.attr("label")
        for slug in examples.slugs()
        for e in flow_edges(drawn(example(slug)))
        if e.attr("label")
    }
    for expected in (
        "submission 587 STARTTLS+AUTH",
        "SMTP 25 (STARTTLS)",
        "LMTP 24",
        "IMAP 993 TLS",
        "POP3 995 TLS",
        "sendmail command",
    ):
        assert expected in labels


def test_it_draws_an_edge_for_every_flow():
    plan = example("department-hub")
    dot = drawn(plan)
    # Every flow is one drawn edge (flows between the same ends with the same protocol
    # would share one, and this design has none).
    assert len(flow_edges(dot)) == len(plan.flows)


def test_it_draws_each_stage_in_its_own_colour_and_line_style():
    looks = diagram.STAGE_LOOK
    assert len({look["color"] for look in looks.values()}) == 4
    assert len({look["style"] for look in looks.values()}) == 4

    dot = drawn(example("dmz-gateway"))
    by_label = {
        "submission 587": "injection",
        "sendmail command": "injection",
        "SMTP 25": "transport",
        "LMTP": "delivery",
        "IMAP 993": "access",
    }
    for text, stage in by_label.items():
        edges = dot.edges_labelled(text)
        assert edges, text
        for e in edges:
            assert e.attr("color") == looks[stage]["color"], text
            assert e.attr("style") == looks[stage]["style"], text


def test_it_ranks_backward_flows_the_other_way_round_with_the_arrow_kept():
    # Mail leaving for the internet runs right to left: declared reversed, with dir=back.
    dot = drawn(example("solo-server"))
    internet = dot.node_with("other mail servers")
    host = dot.node_with("mail.example.org")
    smtp = dot.edges_labelled("SMTP 25")
    inbound = [e for e in smtp if e.attr("dir") is None]
    outbound = [e for e in smtp if e.attr("dir") == "back"]
    assert [(e.id, e.head) for e in inbound] == [(internet.id, host.id)]
    assert [(e.id, e.head) for e in outbound] == [(internet.id, host.id)]


def test_it_has_a_legend_with_every_stage():
    dot = drawn(example("solo-server"))
    assert "cluster_legend" in dot.clusters
    legend = dot.nodes["legend"]
    assert legend.clusters == ("cluster_legend",)
    for stage, look in diagram.STAGE_LOOK.items():
        assert stage in legend.text
        assert look["color"] in legend.attr("label")
    assert 'STYLE="dashed"' in legend.attr("label") and 'STYLE="dotted"' in legend.attr("label")


# -- big designs -------------------------------------------------------------------


def test_it_aggregates_many_null_clients_into_one_node_with_a_count():
    dot = drawn(campus(12))
    group = dot.node_with("12 null clients on dept-lan")
    assert "null client" in group.text
    assert not any("ws3.example.org" in n.text for n in dot.nodes.values())
    # Their twelve identical flows to the hub become one edge that says so.
    hub = dot.node_with("hub.example.org")
    edges = [e for e in flow_edges(dot) if {e.id, e.head} == {group.id, hub.id}]
    assert [e.attr("label") for e in edges] == ["SMTP 25 (STARTTLS) ×12"]
    assert "ws3.example.org" in group.attr("tooltip")


def test_it_keeps_a_few_null_clients_as_separate_hosts():
    dot = drawn(campus(diagram.AGGREGATE_AT))
    for i in range(diagram.AGGREGATE_AT):
        dot.node_with(f"ws{i}.example.org")
    assert not any("null clients on" in n.text for n in dot.nodes.values())


def test_it_summarises_by_network_past_the_node_limit():
    plan = many_servers(networks=4, per_network=45)
    dot = drawn(plan)
    assert len(plan.hosts) > diagram.MAX_NODES
    assert "summarised: one node per network" in html.unescape(dot.source)
    assert len(dot.nodes) <= diagram.MAX_SUMMARY_NODES
    for n in range(4):
        group = dot.node_with(f"45 hosts on site{n}")
        assert "45 MX" in group.text and "45 mailbox" in group.text
    assert not any("mail7.site2.example" == n.text for n in dot.nodes.values())
    assert dot.edges_labelled("SMTP 25 (STARTTLS) ×45")


def test_it_summarises_by_zone_when_even_networks_are_too_many():
    plan = many_servers(networks=diagram.MAX_SUMMARY_NODES + 5, per_network=3)
    dot = drawn(plan)
    assert "summarised: one node per zone" in html.unescape(dot.source)
    hosts = len(plan.hosts)
    dot.node_with(f"{hosts} public hosts")
    assert len(dot.nodes) < 10


# -- trace -------------------------------------------------------------------------


def test_it_numbers_and_highlights_the_hops_of_a_trace_and_fades_the_rest():
    plan = example("department-hub")
    t = trace(plan, "internet", "bob@cs.example.edu")
    dot = drawn(plan, trace=t)
    first = dot.edges_labelled("① SMTP 25")
    second = dot.edges_labelled("② LMTP")
    assert len(first) == 1 and len(second) == 1
    assert float(first[0].attr("penwidth")) > float(diagram.STAGE_LOOK["transport"]["penwidth"])
    assert first[0].attr("color") == diagram.STAGE_LOOK["transport"]["color"]
    others = [e for e in flow_edges(dot) if e not in first + second]
    assert others and all(e.attr("color") == diagram.FADED for e in others)
    # Hosts off the path are faded; the ones on it are not.
    assert diagram.FADED_TEXT in dot.node_with("ws1.cs.example.edu").attr("label")
    assert diagram.FADED_TEXT not in dot.node_with("mailhub.cs.example.edu").attr("label")
    assert "delivered" in html.unescape(dot.source)


def test_it_draws_trace_hops_that_are_not_flows():
    plan = example("hosted-mailboxes")
    t = trace(plan, "app-notifications", "someone@example-startup.com")
    hop = t.hops[2]
    assert not any(f.source == hop.source and f.target == hop.target for f in plan.flows)
    dot = drawn(plan, trace=t)
    extra = dot.edges_labelled("③")
    assert len(extra) == 1
    assert extra[0].attr("color") == diagram.TRACE_EXTRA_COLOR
    assert "④ delivered here" in dot.node_with("mailhost").text


def test_it_marks_a_rejected_hop():
    plan = example("backup-mx")
    t = trace(plan, "internet", "someone@elsewhere.example")
    dot = drawn(plan, trace=t)
    assert dot.edges_labelled("① ✗ reject")


# -- findings ----------------------------------------------------------------------


def broken() -> Plan:
    return make_plan(
        load(
            design(
                domains=[
                    {"name": "example.org"},
                    {"name": "quiet.example.org", "receives_mail": False},
                ],
                networks=[
                    {"name": "edge", "zone": "dmz", "cidrs": ["198.51.100.0/28"]},
                    {"name": "lan", "zone": "internal"},
                    {"name": "roaming", "zone": "remote"},
                ],
                hosts=[{"name": "mx.example.org", "network": "edge", "stores_mailboxes": True}],
                clients=[
                    {
                        "name": "scanners",
                        "kind": "device",
                        "network": "roaming",
                        "can_authenticate": False,
                    },
                    {
                        "name": "staff",
                        "kind": "desktop",
                        "network": "lan",
                        "domain": "quiet.example.org",
                    },
                ],
            )
        )
    )


def test_it_marks_what_errors_and_warnings_are_about():
    plan = broken()
    codes = {(f.severity, f.code) for f in plan.findings}
    assert ("error", "mx-without-address") in codes
    assert ("error", "device-cannot-authenticate") in codes
    assert ("warning", "null-mx-sender") in codes
    dot = drawn(plan)

    mx = dot.node_with("mx.example.org")
    assert "⚠ mx-without-address" in mx.text
    assert mx.attr("color") == diagram.MARK_COLOR["error"]
    assert "is an MX host but has no address" in mx.attr("tooltip")

    scanners = dot.node_with("scanners")
    assert "⚠ device-cannot-authenticate" in scanners.text
    assert scanners.attr("color") == diagram.MARK_COLOR["error"]

    staff = dot.node_with("staff")
    assert "⚠ null-mx-sender" in staff.text
    assert staff.attr("color") == diagram.MARK_COLOR["warning"]
    # The domain named in the warning is marked on the DNS note.
    assert "⚠ null-mx-sender" in dot.node_with("DNS: MX records").text


def test_it_lists_each_kind_of_finding_once_on_a_node():
    plan = example("solo-server")
    host = plan.hosts[0].name
    many = tuple(
        Finding("warning", f"code-{i % 6}", f"message {i}", (host,), "/learn/") for i in range(30)
    )
    text = drawn(dataclasses.replace(plan, findings=many)).node_with(host).text
    assert text.count("⚠ code-0 ×5") == 1
    assert "⚠ code-3" in text and "⚠ code-4" not in text
    assert "⚠ and 2 more kinds of finding" in text


def test_it_does_not_mark_notes():
    plan = example("solo-server")
    assert plan.findings and all(f.severity == "info" for f in plan.findings)
    dot = drawn(plan)
    assert not any("⚠" in n.text for n in dot.nodes.values() if n.id != "legend")


# -- ids, tooltips, links, escaping ------------------------------------------------


def test_it_uses_synthetic_node_ids():
    plan = example("solo-server")  # its host has an IPv6 address
    dot = drawn(plan)
    assert all(re.fullmatch(r"n\d+|legend", node_id) for node_id in dot.nodes)
    for e in dot.edges:
        assert re.fullmatch(r"n\d+", e.id) and re.fullmatch(r"n\d+", e.head)
    assert not re.search(r"^\s*\"?mail\.example\.org\"? *(\[|->)", dot.source, re.M)


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_gives_every_node_and_edge_a_tooltip(slug):
    plan = example(slug)
    dot = drawn(plan)
    assert all(n.attr("tooltip") for n in dot.nodes.values())
    assert all(e.attr("tooltip") for e in flow_edges(dot))
    whys = " ".join(e.attr("tooltip") for e in flow_edges(dot))
    for f in plan.flows:
        assert f.why.replace('"', '\\"') in whys or f.why in whys
    for h in plan.hosts:
        tooltip = dot.node_with(h.name).attr("tooltip")
        assert all(r.why in tooltip for r in h.reasons)


def test_it_links_nodes_only_when_asked():
    plan = example("department-hub")
    assert "URL=" not in diagram.dot_source(plan)
    dot = drawn(plan, link=lambda kind, name: f"/designs/7/#{kind}-{name}")
    assert dot.node_with("mailhub.cs.example.edu").attr("URL") == (
        "/designs/7/#host-mailhub.cs.example.edu"
    )
    assert dot.node_with("staff-laptops").attr("URL") == "/designs/7/#client-staff-laptops"


EVIL = 'Evil "quote" \\ <script>alert(1)</script> & ;\n'


def test_it_escapes_user_text_in_dot():
    plan = dataclasses.replace(example("solo-server"), design=EVIL)
    source = diagram.dot_source(plan)
    # In HTML-like labels the text is entities; elsewhere it is inside quoted strings only.
    assert "Evil &quot;quote&quot; \\ &lt;script&gt;alert(1)&lt;/script&gt; &amp; ;" in source
    outside_quotes = re.sub(r'"(?:[^"\\]|\\.)*"', '""', source)
    assert "<script>" not in outside_quotes
    graph = re.search(r"^\tgraph \[(.*)\]$", source, re.M).group(1)
    assert (
        attr(graph, "tooltip") == 'Mail plan for Evil "quote" \u29f5 <script>alert(1)</script> & ; '
    )
    # The newline in the name became a space: no line of DOT is left open.
    assert "& ;\n" not in source and "&amp; ;\n" not in source


def test_it_leaves_no_escape_sequence_in_tooltips():
    host = example("solo-server").hosts[0]
    odd = dataclasses.replace(host, reasons=(dataclasses.replace(host.reasons[0], why="a\\l\\N"),))
    plan = dataclasses.replace(example("solo-server"), hosts=(odd,))
    tooltip = drawn(plan).node_with("mail.example.org").attr("tooltip")
    assert "\\l" not in tooltip and "\\N" not in tooltip
    assert "a\u29f5l\u29f5N" in tooltip


def test_it_draws_a_visible_stray_for_a_flow_end_that_names_nothing():
    plan = example("solo-server")
    ghost = Flow("transport", "mail.example.org", "ghost", "smtp", 25, False, "offered", "?", "")
    dot = drawn(dataclasses.replace(plan, flows=plan.flows + (ghost,)))
    assert "? ghost" in dot.node_with("ghost").text


def test_it_never_imports_django():
    code = (
        "import sys; import architect.core.diagram; "
        "assert not any(m.startswith('django') for m in sys.modules), 'django imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
