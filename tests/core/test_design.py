"""The design file: validation collects every problem with its path; dump/load round-trips."""

from __future__ import annotations

import json
from unittest import TestCase

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from architect import examples
from architect.core import design as model
from architect.core.design import DesignError
from tests.strategies import design_docs


def minimal(**top) -> dict:
    doc = {
        "format": "mail-design",
        "version": 1,
        "name": "Minimal",
        "domains": [{"name": "example.org"}],
        "networks": [{"name": "lan", "zone": "internal", "cidrs": ["10.0.0.0/24"]}],
    }
    doc.update(top)
    return doc


def problems(doc) -> dict[str, str]:
    try:
        model.load(doc)
    except DesignError as exc:
        return {p.path: p.message for p in exc.problems}
    raise AssertionError("the design was accepted")


class LoadTest(TestCase):
    def test_it_fills_in_the_contract_defaults(self):
        d = model.load(
            minimal(
                networks=[{"name": "pub", "zone": "internet"}, {"name": "lan", "zone": "internal"}],
                hosts=[
                    {"name": "mx.example.org", "network": "pub"},
                    {"name": "in.example.org", "network": "lan"},
                ],
                clients=[
                    {"name": "pcs", "kind": "desktop", "network": "lan"},
                    {"name": "shell", "kind": "terminal", "host": "in.example.org"},
                ],
                providers=[{"name": "relay", "kind": "smarthost", "host": "smtp.relay.example"}],
            )
        )
        mx, inside = d.hosts
        self.assertEqual((mx.mta, mx.accepts_internet_smtp, mx.always_on), ("postfix", True, True))
        self.assertFalse(inside.accepts_internet_smtp)
        self.assertEqual([c.reads for c in d.clients], ["imap", "local"])
        self.assertEqual(d.clients[0].domain, "example.org")
        relay = d.providers[0]
        self.assertEqual((relay.port, relay.auth, relay.domains), (587, True, ("example.org",)))
        self.assertEqual(
            (d.policy.dmarc, d.policy.mta_sts, d.policy.dkim), ("quarantine", "testing", True)
        )

    def test_it_round_trips_every_example(self):
        for slug in examples.slugs():
            d = examples.load(slug)
            self.assertEqual(model.load(model.dump(d)), d, slug)
            self.assertEqual(model.loads(model.dumps(d)), d, slug)

    def test_it_carries_idns_as_a_labels(self):
        d = model.load(minimal(domains=[{"name": "Bücher.Example."}]))
        self.assertEqual(d.domains[0].name, "xn--bcher-kva.example")

    def test_it_accepts_the_documented_sizes(self):
        hosts = [{"name": f"h{i}.example.org", "network": "lan"} for i in range(2000)]
        clients = [{"name": f"c{i}", "kind": "desktop", "network": "lan"} for i in range(5000)]
        domains = [{"name": f"d{i}.example"} for i in range(500)]
        d = model.load(minimal(hosts=hosts, clients=clients, domains=domains))
        self.assertEqual((len(d.hosts), len(d.clients), len(d.domains)), (2000, 5000, 500))


class ProblemsTest(TestCase):
    def test_it_reports_every_problem_with_its_path(self):
        found = problems(
            minimal(
                colour="blue",
                hosts=[
                    {"name": "mail.example.org", "network": "dmzz"},
                    {"name": "mail.example.org", "network": "lan", "mta": "qmail"},
                ],
                clients=[
                    {"name": "pcs", "kind": "desktop", "network": "lan", "domain": "nope.example"}
                ],
            )
        )
        self.assertIn('unknown key "colour"', found["colour"])
        self.assertEqual(found["hosts[0].network"], 'no network named "dmzz"')
        self.assertIn("duplicate host name", found["hosts[1].name"])
        self.assertIn("must be one of", found["hosts[1].mta"])
        self.assertEqual(
            found["clients[0].domain"], 'no domain named "nope.example" in this design'
        )

    def test_it_refuses_names_that_could_break_a_file(self):
        for bad in (
            "mail.example.org\nrelayhost = evil",
            'mail".example.org',
            "<script>.example.org",
            "a;b.example.org",
            "x`y.example",
            "mail .example.org",
            "-mail.example.org",
            "localhost",
            "192.0.2.1",
            "a" * 64 + ".example",
            "a." * 127 + "example",
            "",
        ):
            with self.subTest(bad=bad):
                found = problems(minimal(hosts=[{"name": bad, "network": "lan"}]))
                self.assertIn("hosts[0].name", found)

    def test_it_refuses_bad_addresses_and_blocks(self):
        found = problems(
            minimal(
                networks=[
                    {"name": "lan", "zone": "internal", "cidrs": ["10.0.0.1/24", "10.0.0.0/33"]}
                ],
                hosts=[
                    {
                        "name": "a.example.org",
                        "network": "lan",
                        "addresses": ["10.0.0.256", "fe80::1%eth0"],
                    }
                ],
            )
        )
        self.assertEqual(
            found["networks[0].cidrs[0]"],
            '"10.0.0.1/24" has host bits set; the block is 10.0.0.0/24',
        )
        self.assertIn("networks[0].cidrs[1]", found)
        self.assertIn("hosts[0].addresses[0]", found)
        self.assertIn("hosts[0].addresses[1]", found)

    def test_it_refuses_dangling_and_circular_references(self):
        found = problems(
            minimal(
                domains=[
                    {"name": "a.example", "alias_of": "b.example"},
                    {"name": "b.example", "alias_of": "a.example"},
                    {"name": "c.example", "mailbox_host": "ghost.example.org"},
                    {"name": "d.example", "alias_of": "d.example"},
                ]
            )
        )
        self.assertIn("itself an alias", found["domains[0].alias_of"])
        self.assertEqual(
            found["domains[2].mailbox_host"], 'no host or provider named "ghost.example.org"'
        )
        self.assertEqual(found["domains[3].alias_of"], "a domain cannot be an alias of itself")

    def test_it_refuses_designs_over_the_limits(self):
        hosts = [
            {"name": f"h{i}.example.org", "network": "lan"}
            for i in range(model.LIMITS["hosts"] + 1)
        ]
        found = problems(minimal(hosts=hosts))
        self.assertIn("at most 5000", found["hosts"])

    def test_it_reports_bad_json_and_encoding(self):
        for text, expected in (
            (b"{", "not valid JSON"),
            (b"\xff\xfe", "not UTF-8"),
            ("[" * 100000, "JSON"),
        ):
            with self.subTest(text=str(text)[:10]), self.assertRaises(DesignError) as ctx:
                model.loads(text)
            self.assertIn(expected, str(ctx.exception))

    def test_client_placement_follows_its_kind(self):
        found = problems(
            minimal(
                hosts=[{"name": "a.example.org", "network": "lan"}],
                clients=[
                    {"name": "pcs", "kind": "desktop", "host": "a.example.org"},
                    {"name": "cron", "kind": "application", "network": "lan"},
                    {"name": "internet", "kind": "mobile", "network": "lan"},
                ],
            )
        )
        self.assertIn("clients[0].network", found)
        self.assertIn("clients[1].host", found)
        self.assertIn("reserved", found["clients[2].name"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=30,
)


def mutated(doc: dict, data) -> dict:
    """A design with one value somewhere replaced by arbitrary JSON."""
    doc = json.loads(json.dumps(doc))
    node, parent, key = doc, None, None
    for _ in range(data.draw(st.integers(1, 4))):
        if isinstance(node, dict) and node:
            key = data.draw(st.sampled_from(sorted(node)))
        elif isinstance(node, list) and node:
            key = data.draw(st.integers(0, len(node) - 1))
        else:
            break
        parent, node = node, node[key]
    if parent is not None:
        parent[key] = data.draw(json_values)
    return doc


class PropertyTest(TestCase):
    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(design_docs(), st.data())
    def test_validation_raises_nothing_but_its_own_error(self, doc, data):
        try:
            model.load(mutated(doc, data))
        except DesignError as exc:
            self.assertTrue(exc.problems)
            self.assertTrue(all(isinstance(p.message, str) and p.message for p in exc.problems))

    @settings(max_examples=100, deadline=None)
    @given(json_values)
    def test_any_json_at_all_is_refused_cleanly(self, value):
        with self.assertRaises(DesignError):
            model.load(value)

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(design_docs())
    def test_load_of_dump_is_identity(self, doc):
        d = model.load(doc)
        self.assertEqual(model.load(model.dump(d)), d)


class MinimalDumpTest(TestCase):
    def test_defaults_that_follow_other_values_are_left_out_and_load_back(self):
        for slug in examples.slugs():
            d = examples.load(slug)
            doc = model.dump_minimal(d)
            self.assertEqual(model.load(doc), d, slug)
        solo = model.dump_minimal(examples.load("solo-server"))
        self.assertNotIn("accepts_internet_smtp", solo["hosts"][0])
        hosted = model.dump_minimal(examples.load("hosted-mailboxes"))
        self.assertFalse(hosted["hosts"][0]["accepts_internet_smtp"])  # said, so kept

    def test_a_provider_serving_all_domains_keeps_serving_a_domain_added_later(self):
        doc = model.dump_minimal(
            model.load(
                minimal(
                    providers=[{"name": "relay", "kind": "smarthost", "host": "smtp.relay.example"}]
                )
            )
        )
        self.assertNotIn("domains", doc["providers"][0])
        doc["domains"].append({"name": "later.example"})
        self.assertEqual(model.load(doc).providers[0].domains, ("example.org", "later.example"))


class UsersTest(TestCase):
    """domains[].users: the one list of mailbox users the exporters write everywhere."""

    def test_it_defaults_to_no_users_and_keeps_the_stored_form_unchanged(self):
        d = model.load(minimal())
        self.assertEqual(d.domains[0].users, ())
        self.assertEqual(model.dump(d)["domains"][0]["users"], [])
        self.assertNotIn("users", model.dump_minimal(d)["domains"][0])

    def test_it_lower_cases_local_parts_and_round_trips(self):
        d = model.load(minimal(domains=[{"name": "example.org", "users": ["Alice", "b.o+b"]}]))
        self.assertEqual(d.domains[0].users, ("alice", "b.o+b"))
        self.assertEqual(model.load(model.dump(d)), d)
        self.assertEqual(model.load(model.dump_minimal(d)), d)

    def test_it_reports_every_bad_user_with_its_path(self):
        got = problems(
            minimal(
                domains=[
                    {"name": "example.org", "users": ["ok", "a@b", "x..y", "Ok", "#c", 7, "a b"]}
                ]
            )
        )
        for j in (1, 2, 4, 5, 6):
            self.assertIn(f"domains[0].users[{j}]", got)
        self.assertIn('duplicate user "ok"', got["domains[0].users[3]"])
        self.assertNotIn("domains[0].users[0]", got)

    def test_it_refuses_over_long_local_parts_and_too_many_users(self):
        got = problems(minimal(domains=[{"name": "example.org", "users": ["a" * 65]}]))
        self.assertIn("64", got["domains[0].users[0]"])
        many = [f"u{i}" for i in range(model.LIMITS["users_per_domain"] + 1)]
        got = problems(minimal(domains=[{"name": "example.org", "users": many}]))
        self.assertIn("at most", got["domains[0].users"])

    def test_it_gives_alias_and_send_only_domains_no_users_of_their_own(self):
        got = problems(
            minimal(
                domains=[
                    {"name": "example.org"},
                    {"name": "example.net", "alias_of": "example.org", "users": ["a"]},
                    {"name": "example.com", "receives_mail": False, "users": ["a"]},
                ]
            )
        )
        self.assertIn("alias", got["domains[1].users"])
        self.assertIn("receives no mail", got["domains[2].users"])


class SurrogateTest(TestCase):
    """A lone UTF-16 surrogate cannot be stored as UTF-8: refused wherever it is (issue 15)."""

    def test_it_refuses_a_lone_surrogate_at_its_path(self):
        doc = minimal(name="Office \ud800", description="line\n\udfff")
        doc["hosts"] = [{"name": "mail.example.org", "network": "lan", "services": ["imap\ud83d"]}]
        doc["domains"][0]["users"] = ["alice", "b\udc00b"]

        got = problems(doc)

        for path in ("name", "description", "hosts[0].services[0]", "domains[0].users[1]"):
            self.assertIn("surrogate", got[path])
        self.assertNotIn("domains[0].users[0]", got)

    def test_it_refuses_a_surrogate_in_a_key_and_in_json_text(self):
        got = problems(minimal(policy={"dkim\ud800": True}))
        self.assertIn("surrogate", got["policy.dkim?"])
        with self.assertRaises(DesignError) as caught:
            model.loads(json.dumps(minimal(name="\ud800")))
        self.assertEqual(caught.exception.problems[0].path, "name")

    def test_it_keeps_real_characters_outside_the_basic_plane(self):
        design = model.load(minimal(name="Büro 📬", description="Post 𝄞"))
        self.assertEqual(design.name, "Büro 📬")


class ReachableAddressTest(TestCase):
    """Addresses no other machine can reach a host at are refused, not published (issue 15)."""

    UNREACHABLE = (
        "::",
        "::1",
        "0.0.0.0",
        "127.0.0.1",
        "255.255.255.255",
        "fe80::1",
        "ff02::1",
        "::ffff:192.0.2.12",
        "224.0.0.1",
        "169.254.1.1",
        "240.0.0.1",
    )

    def test_it_refuses_each_unreachable_address_with_its_path(self):
        addresses = ["192.0.2.10", *self.UNREACHABLE]
        doc = minimal(
            networks=[{"name": "hosting", "zone": "internet", "cidrs": ["192.0.2.0/24"]}],
            hosts=[{"name": "mail.example.org", "network": "hosting", "addresses": addresses}],
        )

        got = problems(doc)

        self.assertNotIn("hosts[0].addresses[0]", got)
        for j, address in enumerate(self.UNREACHABLE, start=1):
            self.assertIn(f"hosts[0].addresses[{j}]", got, address)
        self.assertIn("give it as 192.0.2.12", got["hosts[0].addresses[8]"])
        self.assertIn("loopback", got["hosts[0].addresses[4]"])

    def test_it_keeps_private_and_documentation_addresses(self):
        for address in ("10.0.0.5", "192.168.1.2", "fd00::5", "2001:db8::25", "100.64.0.1"):
            self.assertEqual(model.ip_address(address), address)


class SizeLimitTest(TestCase):
    def test_import_reads_a_design_at_the_limits_as_export_writes_it(self):
        from benchmarks.bench_limits import full_document

        design = model.load(full_document())
        exported = model.dumps(design).encode("utf-8")

        self.assertGreater(len(exported), 8_000_000)  # over the old import limit
        self.assertLessEqual(len(exported), model.LIMITS["json_bytes"])
        self.assertEqual(model.loads(exported), design)
