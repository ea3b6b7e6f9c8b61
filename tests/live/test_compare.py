"""Semantic comparison, the address guard and the report, without any network."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from architect.core.live.check import dkim_key
from architect.core.live.compare import same
from architect.core.live.dnsq import parse_resolver
from architect.core.live.guard import refusal
from architect.core.live.report import Report, Row


@pytest.mark.parametrize(
    "rtype, planned, found",
    [
        (
            "MX",
            ["10 mx.example.org.", "20 mx2.example.org."],
            ["20 MX2.example.ORG", "10 mx.example.org."],
        ),
        ("TXT", ["v=spf1 ip4:192.0.2.10 a -all"], ["v=spf1 +a:example.org ip4:192.0.2.10/32 -all"]),
        ("TXT", ["v=spf1 ip6:2001:db8::10 -all"], ["v=spf1 ip6:2001:DB8:0::10/128 -all"]),
        (
            "TXT",
            ["v=DMARC1; p=quarantine; rua=mailto:a@example.org"],
            ["v=DMARC1;p=QUARANTINE; pct=100; rua=mailto:A@example.org"],
        ),
        ("SRV", ["0 1 587 mail.example.org."], ["0 1 587 Mail.Example.Org"]),
        ("AAAA", ["2001:db8::10"], ["2001:0db8:0:0:0:0:0:10"]),
    ],
)
def test_it_sees_no_difference_in_form(rtype, planned, found):
    assert same(rtype, planned, found, "example.org")


@pytest.mark.parametrize(
    "rtype, planned, found",
    [
        ("MX", ["10 mx.example.org."], ["20 mx.example.org."]),
        ("TXT", ["v=spf1 ip4:192.0.2.10 -all"], ["v=spf1 ip4:192.0.2.10 ~all"]),
        ("TXT", ["v=spf1 ip4:192.0.2.10 -all"], ["v=spf1 ip4:192.0.2.0/24 -all"]),
        ("TXT", ["v=DMARC1; p=quarantine"], ["v=DMARC1; p=none"]),
        ("TXT", ["v=DMARC1; p=reject"], ["v=DMARC1; p=reject; pct=50"]),
        ("A", ["192.0.2.10"], ["192.0.2.10", "192.0.2.11"]),
    ],
)
def test_it_sees_a_difference_in_meaning(rtype, planned, found):
    assert not same(rtype, planned, found, "example.org")


@pytest.mark.parametrize(
    "address, why",
    [
        ("127.0.0.1", "127.0.0.1 is a loopback address"),
        ("::1", "::1 is a loopback address"),
        ("10.1.2.3", "10.1.2.3 is a private address"),
        ("::ffff:192.168.1.1", "::ffff:192.168.1.1 is a private address"),
        ("169.254.169.254", "169.254.169.254 is a link-local address"),
        ("fe80::1", "fe80::1 is a link-local address"),
        ("224.0.0.1", "224.0.0.1 is a multicast address"),
        ("240.0.0.1", "240.0.0.1 is a reserved address"),
        ("100.64.0.1", "100.64.0.1 is not a public address"),
        ("0.0.0.0", "0.0.0.0 is a unspecified address"),
        ("93.184.216.34", None),
        ("2a00:1450:4001::1", None),
    ],
)
def test_the_guard_refuses_every_address_that_is_not_public(address, why):
    assert refusal(address) == why


def test_it_reads_a_resolver_with_or_without_a_port():
    assert parse_resolver("192.0.2.53") == ("192.0.2.53", 53)
    assert parse_resolver("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_resolver("[::1]:5353") == ("::1", 5353)
    assert parse_resolver("2001:db8::53") == ("2001:db8::53", 53)
    with pytest.raises(ValueError):
        parse_resolver("ns.example.org")


def _key(bits: int) -> str:
    # A modulus of exactly ``bits`` bits: cryptography will not generate keys under 1024.
    public = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 1).public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def test_it_reports_the_size_of_a_dkim_key_and_refuses_short_ones():
    assert dkim_key(_key(1024)) == ("RSA 1024 bits", "")
    assert dkim_key(_key(512))[1] == "too short: verifiers refuse RSA keys under 1024 bits"
    assert dkim_key("v=DKIM1; p=")[1] == "the key is revoked (empty p=)"
    assert dkim_key("v=DKIM1; p=PUBLIC-KEY")[0] == "an unreadable p="


def test_the_summary_counts_each_verdict_and_probe_text_is_made_harmless():
    row = Row("smtp", "mx", "SMTP", "differ", found="220 <script>\x1b[31m" + "x" * 900)
    report = Report("d", "t", "r", 0.1, (row, Row("record", "a", "A", "match")))
    assert report.summary() == "1 OK, 1 differ"
    assert report.exit_code == 1
    assert "\x1b" not in row.found and len(row.found) == 500
