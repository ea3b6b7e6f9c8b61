"""Properties every plan keeps, over generated designs (hypothesis)."""

from __future__ import annotations

import ipaddress
from unittest import TestCase

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from architect.core import design as model
from architect.core import plan as plan_model
from architect.core.planner import plan
from architect.core.trace import trace
from tests.strategies import design_docs, designs

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def about(p, *names) -> bool:
    """Whether some finding names one of ``names``."""
    return any(set(names) & set(f.subjects) for f in p.findings)


@st.composite
def designs_with_hosts_named_like_domains(draw):
    """Generated designs where some hosts carry a bare domain name (``user@shell.example``
    on the machine ``shell.example``), the timesharing habit that puts two SPF records
    at one name when the planner is careless."""
    doc = draw(design_docs())
    taken = {h["name"] for h in doc["hosts"]}
    for h in doc["hosts"]:
        bare = h["name"].split(".", 1)[1]
        if bare in taken or not draw(st.booleans()):
            continue
        old, h["name"] = h["name"], bare
        taken.add(bare)
        for c in doc["clients"]:
            if c.get("host") == old:
                c["host"] = bare
        for d in doc["domains"]:
            if d.get("mailbox_host") == old:
                d["mailbox_host"] = bare
    return model.load(doc)


# Roles that make a host listen on the network: never together with null-client.
LISTENING_ROLES = {"mx", "backup-mx", "gateway", "hub", "submission", "imap", "pop3", "webmail"}


class PlannerPropertyTest(TestCase):
    @SETTINGS
    @given(designs())
    def test_no_host_ever_trusts_a_remote_network_or_everything(self, design):
        p = plan(design)
        remote = [
            ipaddress.ip_network(c) for n in design.networks if n.zone == "remote" for c in n.cidrs
        ]
        for h in p.hosts:
            for block in h.trusted_networks:
                net = ipaddress.ip_network(block)
                self.assertGreaterEqual(net.prefixlen, 8, (h.name, block))
                self.assertFalse(
                    any(net.version == r.version and net.overlaps(r) for r in remote),
                    (h.name, block),
                )

    @SETTINGS
    @given(designs())
    def test_no_host_trusts_a_public_network_beyond_single_addresses(self, design):
        # A cloud or DMZ block is shared with whoever else sits there: only the
        # relaying hosts' own addresses may be trusted on it.
        p = plan(design)
        public = [
            ipaddress.ip_network(c)
            for n in design.networks
            if n.zone in ("internet", "dmz")
            for c in n.cidrs
        ]
        for h in p.hosts:
            for block in h.trusted_networks:
                net = ipaddress.ip_network(block)
                if net.prefixlen == net.max_prefixlen:
                    continue
                self.assertFalse(
                    any(net.version == n.version and net.overlaps(n) for n in public),
                    (h.name, block),
                )

    @SETTINGS
    @given(designs())
    def test_a_null_client_listens_on_nothing(self, design):
        for h in plan(design).hosts:
            if "null-client" in h.roles:
                self.assertEqual(h.listens, (), h.name)
                self.assertTrue(h.loopback_only, h.name)
                self.assertFalse(LISTENING_ROLES & set(h.roles), (h.name, h.roles))

    @SETTINGS
    @given(designs_with_hosts_named_like_domains())
    def test_every_name_has_at_most_one_spf_record(self, design):
        # RFC 7208 §3.2: two "v=spf1" records at one name are a permerror.
        seen: dict[str, int] = {}
        for r in plan(design).dns:
            if r.type == "TXT" and r.value.startswith("v=spf1"):
                seen[r.name] = seen.get(r.name, 0) + 1
        self.assertEqual({n: k for n, k in seen.items() if k > 1}, {})

    @SETTINGS
    @given(designs())
    def test_spf_never_names_a_host_by_an_address_it_does_not_publish(self, design):
        # An a:/a term for a host without a public address matches nothing: its
        # mail fails SPF while the record seems to cover it.
        p = plan(design)
        published = {r.name.rstrip(".") for r in p.dns if r.type in ("A", "AAAA") and r.zone}
        for r in p.dns:
            if r.type != "TXT" or not r.value.startswith("v=spf1"):
                continue
            for term in r.value.split()[1:]:
                if term.startswith("a:") and p.has_host(term[2:]):
                    self.assertIn(term[2:], published, r.value)
                if term == "a":
                    self.assertIn(r.name.rstrip("."), published, r.value)

    @SETTINGS
    @given(designs())
    def test_every_receiving_domain_has_an_internet_mx_or_a_finding(self, design):
        p = plan(design)
        for d in design.domains:
            if not d.receives_mail:
                self.assertEqual([(m.preference, m.host) for m in p.mx_for(d.name)], [(0, ".")])
                continue
            records = p.mx_for(d.name)
            reachable = records and all(
                not p.has_host(m.host)
                or any("internet" in x.open_to and x.port == 25 for x in p.host(m.host).listens)
                for m in records
            )
            self.assertTrue(reachable or about(p, d.name, d.alias_of), d.name)

    @SETTINGS
    @given(designs())
    def test_every_client_can_send_or_a_finding_says_why(self, design):
        p = plan(design)
        for c in p.clients:
            self.assertTrue(c.send_via is not None or about(p, c.name), c.name)

    @SETTINGS
    @given(designs())
    def test_no_client_is_asked_for_a_login_or_tls_it_cannot_give(self, design):
        # Capabilities come first: a provider's or our own submission port is no
        # answer for a device that can do neither AUTH nor TLS.
        p = plan(design)
        for c in design.clients:
            cp = p.client(c.name)
            if cp.send_via is None:
                continue
            if not c.can_authenticate:
                self.assertFalse(cp.send_auth, c.name)
            if not c.can_tls:
                self.assertNotIn(cp.send_protocol, ("submission", "submissions"), c.name)

    @SETTINGS
    @given(designs())
    def test_mail_from_the_internet_to_outsiders_is_always_refused(self, design):
        t = trace(plan(design), "internet", "victim@not-ours.example")
        self.assertEqual(t.outcome, "rejected")
        self.assertEqual(len(t.hops), 1)
        self.assertNotIn("relay", [h.action for h in t.hops])

    @SETTINGS
    @given(designs())
    def test_the_plan_is_deterministic(self, design):
        self.assertEqual(plan_model.dumps(plan(design)), plan_model.dumps(plan(design)))

    @SETTINGS
    @given(designs())
    def test_an_mx_is_never_internal_remote_often_off_or_closed(self, design):
        p = plan(design)
        for _, records in p.mx:
            for m in records:
                if not p.has_host(m.host):
                    continue
                h = design.host(m.host)
                self.assertIn(design.network(h.network).zone, ("internet", "dmz"))
                self.assertTrue(h.always_on and h.accepts_internet_smtp and h.mta != "none")

    @SETTINGS
    @given(designs())
    def test_preferences_are_equal_only_for_load_sharing_gateways(self, design):
        p = plan(design)
        for domain, records in p.mx:
            prefs = [m.preference for m in records]
            self.assertEqual(prefs, sorted(prefs))
            if design.policy.backup_mx:
                ours = [m.preference for m in records if p.has_host(m.host)]
                self.assertLessEqual(ours.count(10), 1, domain)

    @SETTINGS
    @given(designs())
    def test_every_learn_link_and_flow_end_is_known(self, design):
        from architect.core.learn import all_links

        p = plan(design)
        links = set(all_links())
        ends = {h.name for h in p.hosts} | {c.name for c in p.clients}
        ends |= {pr.name for pr in p.providers} | {"internet"}
        for f in p.flows:
            self.assertIn(f.learn, links)
            self.assertIn(f.source, ends)
            self.assertIn(f.target, ends)
        for item in [*p.findings, *p.dns]:
            self.assertIn(item.learn, links)
