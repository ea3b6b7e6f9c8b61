"""SPF evaluation: macros (RFC 7208 §7) and the ptr mechanism (§5.5).

The expansions are RFC 7208 §7.4's own examples; the evaluations run against the test
world's named (world.py, SPF_NAMES), so every lookup is a real DNS answer.
"""

from __future__ import annotations

import ipaddress

import pytest

from architect.core.live import spf
from architect.core.live.dnsq import Dns
from architect.core.live.guard import Budget

from .world import MX_V4, MX_V6, TRUE_DNS

RFC_SENDER = "strong-bad@email.example.com"
RFC_DOMAIN = "email.example.com"


def expand(spec: str, ip: str = "192.0.2.3", sender: str = RFC_SENDER, helo: str = "") -> str:
    identity = spf.Identity(ipaddress.ip_address(ip), sender, helo or "mx.example.com")
    return spf.expand(spec, identity, RFC_DOMAIN)


@pytest.mark.parametrize(
    ("spec", "expanded"),
    [
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
        ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
        ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
    ],
)
def test_it_expands_the_rfc_examples(spec, expanded):
    assert expand(spec) == expanded


def test_it_expands_ipv6_to_nibbles_and_the_other_letters():
    assert expand("%{ir}.%{v}._spf.%{d2}", ip="2001:db8::cb01") == (
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
    )
    assert expand("%{h}.%{V}", helo="mail.example.org") == "mail.example.org.in-addr"
    # Upper case letters are URL-escaped; %% %_ %- are a percent, a space and %20.
    assert expand("%{L}.x", sender="a/b+c@example.org") == "a%2Fb%2Bc.x"
    assert expand("%%%_%-") == "% %20"
    # No local part: postmaster (RFC 7208 §4.3). Delimiters are any of . - + , / _ =.
    assert expand("%{l}", sender="example.org") == "postmaster"
    assert expand("%{lr+_}", sender="a+b_c@x.example") == "c.b.a"


@pytest.mark.parametrize("spec", ["%{x}", "%{c}", "%{d0}", "%{d", "100%", "%z", "%{l+r}"])
def test_it_refuses_malformed_macros(spec):
    with pytest.raises(spf.MacroError):
        expand(spec)


def test_a_long_expansion_keeps_its_right_hand_labels():
    labels = ".".join(c * 60 for c in "abc")
    out = expand("%{l}." + labels + ".%{d}", sender=("x" * 60) + "@e.org")
    # 60 + 3 * 61 + 18 = 262 characters: the leftmost label goes (RFC 7208 §7.3).
    assert out == labels + ".email.example.com"


# -- against the world's named -------------------------------------------------------------


@pytest.fixture(scope="module")
def evaluate(world):
    def run(domain: str, ip: str, sender: str = "", helo: str = "") -> tuple[str, int]:
        def inside():
            dns = Dns(Budget(20, 3), TRUE_DNS)
            evaluator = spf.Evaluator(dns, ip, sender=sender, helo=helo)
            return evaluator.check(domain), evaluator.lookups

        return world.machine.in_netns(inside)

    return run


def test_ptr_matches_a_validated_name_under_the_target(evaluate):
    # 192.0.2.10 and 2001:db8::10 have the PTR mail.example.org, which leads back to them.
    for ip in (MX_V4, MX_V6):
        assert evaluate("ptr.spf.example.org", ip) == ("pass", 1)
        assert evaluate("ptr-elsewhere.spf.example.org", ip) == ("fail", 1)
    # No target: the domain itself, and mail.example.org is not under ptr-self.spf...
    assert evaluate("ptr-self.spf.example.org", MX_V4) == ("fail", 1)
    # An address without a reverse name matches nothing.
    assert evaluate("ptr.spf.example.org", "192.0.2.99") == ("fail", 1)


def test_ptr_counts_toward_the_ten_lookups(evaluate, world):
    # mail.example.org is under none of x1.example ... x11.example: each ptr is looked at.
    assert evaluate("ptr-ten.spf.example.org", MX_V4) == ("fail", 10)
    assert evaluate("ptr-eleven.spf.example.org", MX_V4) == ("permerror", 11)
    # Without a reverse name each ptr is a void lookup: the third is a permerror (§4.6.4).
    assert evaluate("ptr-ten.spf.example.org", "192.0.2.99") == ("permerror", 3)

    def walk():
        return spf.count_lookups(Dns(Budget(20, 3), TRUE_DNS), "ptr-eleven.spf.example.org")

    assert world.machine.in_netns(walk).lookups == 11


def test_macros_pick_the_names_looked_up(evaluate):
    # exists:%{ir}.%{l1r-}.lp.%{d3}: 10.2.0.192.strong.lp.spf.example.org has an A record.
    assert evaluate("exists.spf.example.org", MX_V4, sender="strong-bad@example.org")[0] == "pass"
    assert evaluate("exists.spf.example.org", MX_V4, sender="weak-bad@example.org")[0] == "fail"
    assert evaluate("exists.spf.example.org", "192.0.2.11", sender="strong-bad@x.org")[0] == (
        "fail"
    )
    # include:%{v}.inc...: in-addr.inc for IPv4, ip6.inc for IPv6.
    assert evaluate("version.spf.example.org", MX_V4) == ("pass", 1)
    assert evaluate("version.spf.example.org", MX_V6) == ("pass", 1)
    assert evaluate("version.spf.example.org", "198.51.100.1") == ("fail", 1)
    # redirect=%{v}.inc.%{d}: in-addr.inc.redirect.spf.example.org exists, ip6.inc... not.
    assert evaluate("redirect.spf.example.org", MX_V4) == ("pass", 1)
    assert evaluate("redirect.spf.example.org", MX_V6) == ("permerror", 1)
    # a:%{h}: the HELO name's addresses.
    assert evaluate("helo.spf.example.org", MX_V4, helo="mail.example.org")[0] == "pass"
    assert evaluate("helo.spf.example.org", MX_V4, helo="mx2.example.org")[0] == "fail"
    # %{i} of an IPv6 address: its 32 nibbles; %{o}: the sender's domain.
    assert evaluate("nibbles.spf.example.org", MX_V6)[0] == "pass"
    assert evaluate("nibbles.spf.example.org", "2001:db8::11")[0] == "fail"
    assert evaluate("sender.spf.example.org", MX_V4, sender="a@example.org")[0] == "pass"
    assert evaluate("sender.spf.example.org", MX_V4, sender="a@example.net")[0] == "fail"
    # Without a sender the check is for postmaster@ the domain checked.
    assert evaluate("sender.spf.example.org", MX_V4)[0] == "fail"
    # A letter RFC 7208 does not define in a domain-spec is a permerror.
    assert evaluate("bad-macro.spf.example.org", MX_V4)[0] == "permerror"
