"""DKIM keys in the design: what is accepted, what is refused and why, and what the plan does."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from architect.core import design as model
from architect.core import dkim
from architect.core.exporters import bundle
from architect.core.planner import plan
from tests.exporters._programs import require

EXAMPLES = Path(__file__).resolve().parents[2] / "architect" / "examples"
RSA_PEM, RSA_PUBLIC = dkim.generate()
ED_PEM, ED_PUBLIC = dkim.generate("ed25519")


def with_key(slug: str, selector="s2026a", key=RSA_PUBLIC) -> dict:
    doc = json.loads((EXAMPLES / f"{slug}.json").read_text())
    doc["domains"][0]["dkim_selector"] = selector
    doc["domains"][0]["dkim_public_key"] = key
    return doc


def problems(doc: dict) -> list[str]:
    with pytest.raises(model.DesignError) as caught:
        model.load(doc)
    return [str(p) for p in caught.value.problems]


def test_it_reads_rsa_and_ed25519_keys():
    assert dkim.parse_public_key(RSA_PUBLIC).kind == "rsa"
    assert dkim.parse_public_key(RSA_PUBLIC).bits == 2048
    assert dkim.parse_public_key(ED_PUBLIC).kind == "ed25519"


@pytest.mark.parametrize(
    "key, why",
    [
        ("not a key!", "is not base64"),
        ("QUJD", "is not an RSA or Ed25519 public key"),
        (base64.b64encode(b"x" * 31).decode(), "is not an RSA or Ed25519 public key"),
    ],
)
def test_it_refuses_what_is_not_a_key_beside_the_field(key, why):
    found = problems(with_key("solo-server", key=key))
    assert found == [f"domains[0].dkim_public_key: the key {why}" + found[0].split(why, 1)[1]]


def test_it_refuses_a_short_rsa_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    # cryptography will not make a key this small, but it reads one (as a pasted key is).
    small = rsa.RSAPublicNumbers(65537, (1 << 511) | 0x10001).public_key()
    der = small.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (found,) = problems(with_key("solo-server", key=base64.b64encode(der).decode()))
    assert "512 bits" in found and found.startswith("domains[0].dkim_public_key")


def test_it_refuses_a_selector_that_is_not_a_dns_label():
    (found,) = problems(with_key("solo-server", selector="2026 A"))
    assert found.startswith("domains[0].dkim_selector: a selector is one or more DNS labels")


def test_it_wants_both_or_neither():
    doc = with_key("solo-server")
    del doc["domains"][0]["dkim_selector"]
    assert problems(doc) == [
        "domains[0].dkim_selector: a DKIM key needs both a selector and a public key"
    ]


def test_a_pem_public_key_is_stored_as_its_base64():
    pem = "-----BEGIN PUBLIC KEY-----\n" + RSA_PUBLIC + "\n-----END PUBLIC KEY-----\n"
    d = model.load(with_key("solo-server", key=pem))
    assert d.domains[0].dkim_public_key == RSA_PUBLIC
    assert model.load(model.dump(d)) == d


def test_the_zone_publishes_the_key_split_into_255_byte_strings():
    d = model.load(with_key("solo-server"))
    zone = bundle(d, plan(d))["dns/example.org.zone"]
    (line,) = [ln for ln in zone.splitlines() if "_domainkey" in ln and not ln.startswith(";")]
    assert line.startswith("s2026a._domainkey.example.org.")
    strings = line.split("TXT", 1)[1].strip().split('" "')
    assert len(strings) == 2 and all(len(s.strip('"')) <= 255 for s in strings)
    assert "".join(s.strip('"') for s in strings) == f"v=DKIM1; k=rsa; p={RSA_PUBLIC}"


def test_without_a_key_the_record_stays_a_marked_fill_in():
    d = model.load(json.loads((EXAMPLES / "solo-server.json").read_text()))
    zone = bundle(d, plan(d))["dns/example.org.zone"]
    assert "; mail._domainkey.example.org." in zone and "FILL IN" in zone
    assert not any(f.startswith("dkim/") for f in bundle(d, plan(d)))


def test_the_host_that_hands_mail_to_the_internet_signs_and_says_why():
    d = model.load(with_key("dmz-gateway"))
    p = plan(d)
    signs = {h.name: h.dkim_signs for h in p.hosts}
    assert signs == {"gw.example.com": ("example.com",), "store.example.com": ()}
    (reason,) = [r for r in p.host("gw.example.com").reasons if r.subject == "dkim"]
    assert "hands mail to the internet" in reason.why
    files = bundle(d, p)
    assert "smtpd_milters = inet:localhost:8891" in files["postfix/gw.example.com/main.cf"]
    assert "smtpd_milters" not in files["postfix/store.example.com/main.cf"]
    assert files["dkim/gw.example.com/KeyTable"].splitlines()[-1] == (
        "s2026a._domainkey.example.com example.com:s2026a:/etc/dkimkeys/s2026a.example.com.private"
    )
    assert "10.0.0.20/32" in files["dkim/gw.example.com/TrustedHosts"]


def test_opendkim_accepts_the_configuration(tmp_path):
    opendkim = require("opendkim")
    d = model.load(with_key("dmz-gateway"))
    files = bundle(d, plan(d))
    for name in ("KeyTable", "SigningTable", "TrustedHosts"):
        (tmp_path / name).write_text(files[f"dkim/gw.example.com/{name}"])
    conf = files["dkim/gw.example.com/opendkim.conf"].replace("/etc/opendkim/", f"{tmp_path}/")
    (tmp_path / "opendkim.conf").write_text(conf)
    import subprocess

    done = subprocess.run(
        [opendkim, "-n", "-x", str(tmp_path / "opendkim.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    # ... and it can fail: a table it cannot open is an error.
    (tmp_path / "SigningTable").unlink()
    done = subprocess.run(
        [opendkim, "-n", "-x", str(tmp_path / "opendkim.conf")], capture_output=True, timeout=30
    )
    assert done.returncode != 0


@pytest.mark.parametrize("mta", ["postfix", "sendmail", "exim", "opensmtpd"])
def test_every_signing_host_has_its_dkim_folder_whatever_signs(mta):
    # CONTRACT §4: dkim/<host>/ holds opendkim.conf, KeyTable, SigningTable and TrustedHosts
    # for each host that signs; the KeyTable names the file the signer really reads.
    import dataclasses

    from architect.core.exporters.deploy import installs

    d = model.load(with_key("dmz-gateway"))
    d = dataclasses.replace(d, hosts=tuple(dataclasses.replace(h, mta=mta) for h in d.hosts))
    p = plan(d)
    files = bundle(d, p)
    signers = [h.name for h in p.hosts if h.dkim_signs]
    assert signers == ["gw.example.com"]
    names = {"opendkim.conf", "KeyTable", "SigningTable", "TrustedHosts"}
    assert {f.rsplit("/", 1)[1] for f in files if f.startswith("dkim/gw.example.com/")} == names
    assert not [f for f in files if f.startswith("dkim/store.example.com/")]
    key = {
        "postfix": "/etc/dkimkeys/s2026a.example.com.private",
        "sendmail": "/etc/dkimkeys/s2026a.example.com.private",
        "exim": "/etc/exim4/dkim/s2026a.example.com.private",
        "opensmtpd": "/etc/smtpd/dkim/s2026a.example.com.key",
    }[mta]
    assert f"example.com:s2026a:{key}" in files["dkim/gw.example.com/KeyTable"]
    runs_opendkim = [s.host for s in installs(files) if s.program == "opendkim"]
    assert runs_opendkim == (["gw.example.com"] if mta in ("postfix", "sendmail") else [])
