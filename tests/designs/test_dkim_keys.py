"""DKIM keys in the designer: make a key pair, paste a public key, see the record.

The private key of a generated pair is handed over once and stored nowhere; a pasted key is
judged by the design validator, and a refused one saves nothing.
"""

from __future__ import annotations

import base64
import datetime
import html
import json
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.apps import apps
from django.contrib.sessions.models import Session

from architect.core import dkim
from architect.designs.views.dkim import next_selector
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db

YEAR = datetime.date.today().year


@pytest.fixture
def f():
    return Factory()


@pytest.fixture
def alice(f):
    return f.make_visitor()


@pytest.fixture
def design(f, alice):
    return f.make_design(alice)


def generate(client, design, kind="rsa", domain="example.org"):
    return client.post(
        _url("dkim_generate", design),
        {"domain": domain, "kind": kind, "revision": design.position},
    )


def paste(client, design, selector, key, domain="example.org"):
    return client.post(
        _url("dkim_key", design),
        {
            "domain": domain,
            "dkim_selector": selector,
            "dkim_public_key": key,
            "revision": design.position,
        },
    )


def _url(name, design):
    return Factory().url(name, design.pk)


def private_pem(response) -> str:
    """The PEM behind the page's download link (a data: address: nothing fetched later)."""
    text = response.content.decode()
    data = re.search(r'href="data:application/x-pem-file;base64,([^"]+)" download="([^"]+)"', text)
    assert data, "no download link for the private key"
    pem = base64.b64decode(data.group(1)).decode("ascii")
    # The same key is in the page to copy.
    assert html.escape(pem.strip()) in text
    return pem


def public_base64(private) -> str:
    if isinstance(private, ed25519.Ed25519PrivateKey):
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    else:
        raw = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return base64.b64encode(raw).decode("ascii")


def every_stored_text() -> str:
    """Every row of every model, serialised: where a private key must never be."""
    rows = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            rows.append(json.dumps(row, default=str))
    # Sessions are stored encoded: decode them so that their contents are searched too.
    for session in Session.objects.all():
        rows.append(json.dumps(session.get_decoded(), default=str))
    return "\n".join(rows)


# -- generate --------------------------------------------------------------------------


def test_it_generates_an_rsa_key_hands_over_the_private_half_and_saves_the_public(alice, design):
    before = design.revisions.count()

    r = generate(alice, design)

    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    pem = private_pem(r)
    assert pem.startswith("-----BEGIN RSA PRIVATE KEY-----")
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size == 2048
    assert f'download="s{YEAR}a.example.org.private"' in r.content.decode()

    design.refresh_from_db()
    domain = design.document["domains"][0]
    assert domain["dkim_selector"] == f"s{YEAR}a"
    assert domain["dkim_public_key"] == public_base64(private)
    assert design.revisions.count() == before + 1

    # The page shows the record to publish, split into <=255-byte strings.
    value = dkim.record(dkim.parse_public_key(domain["dkim_public_key"]))
    assert value in r.content.decode()
    for s in dkim.txt_strings(value):
        assert f'"{s}"' in html.unescape(r.content.decode())


def test_it_stores_the_private_key_nowhere(alice, design):
    r = generate(alice, design)
    pem = private_pem(r)
    body = "".join(pem.strip().splitlines()[1:-1])

    stored = every_stored_text()
    assert body[:40] not in stored and body[-40:] not in stored
    # ... and it is not shown again: the keys page has the public key only.
    page = alice.get(_url("dkim", design)).content.decode()
    assert body[:40] not in page and "PRIVATE KEY" not in page


def test_it_generates_an_ed25519_key_when_asked(alice, design):
    r = generate(alice, design, kind="ed25519")

    pem = private_pem(r)
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    design.refresh_from_db()
    assert design.document["domains"][0]["dkim_public_key"] == public_base64(private)
    assert "k=ed25519" in r.content.decode()


def test_it_never_takes_a_selector_again_after_rotation(alice, design):
    generate(alice, design)
    design.refresh_from_db()
    generate(alice, design)
    design.refresh_from_db()

    assert design.document["domains"][0]["dkim_selector"] == f"s{YEAR}b"
    assert next_selector({f"s{YEAR}{c}" for c in "abcdefghijklmnopqrstuvwxyz"}, YEAR) == (
        f"s{YEAR}aa"
    )


def test_it_refuses_a_form_opened_on_an_older_revision(alice, design):
    stale = design.position
    generate(alice, design)
    design.refresh_from_db()
    count = design.revisions.count()

    r = alice.post(
        _url("dkim_generate", design), {"domain": "example.org", "kind": "rsa", "revision": stale}
    )

    assert r.status_code == 409
    assert design.revisions.count() == count
    assert b"PRIVATE KEY" not in r.content


# -- paste -----------------------------------------------------------------------------


def test_it_saves_a_pasted_public_key_and_shows_its_record(alice, design):
    _, key = dkim.generate()
    before = design.revisions.count()

    r = paste(alice, design, "mail2024", key)

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.document["domains"][0]["dkim_selector"] == "mail2024"
    assert design.revisions.count() == before + 1
    page = alice.get(r["Location"])
    assert page.status_code == 200
    assert "mail2024._domainkey.example.org." in page.content.decode()
    assert f"v=DKIM1; k=rsa; p={key}" in page.content.decode()


def test_it_accepts_a_pem_public_key_and_keeps_its_base64(alice, design):
    pem_private, key = dkim.generate()
    private = serialization.load_pem_private_key(pem_private.encode(), password=None)
    pem_public = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    r = paste(alice, design, "s2020a", pem_public)

    assert r.status_code == 303
    design.refresh_from_db()
    assert dkim.parse_public_key(design.document["domains"][0]["dkim_public_key"]).base64 == key


# cryptography no longer makes keys this small; a modulus of 512 bits is one all the same.
RSA_512 = base64.b64encode(
    rsa.RSAPublicNumbers(65537, (1 << 511) | 1)
    .public_key()
    .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
).decode()


@pytest.mark.parametrize(
    ("selector", "key", "field", "message"),
    [
        ("Not A Label!", None, "dkim_selector", "one or more DNS labels"),
        ("-s2026a", None, "dkim_selector", "one or more DNS labels"),
        ("s2026a", "not a key!", "dkim_public_key", "is not base64"),
        ("s2026a", "QUJD", "dkim_public_key", "not an RSA or Ed25519 public key"),
        ("s2026a", RSA_512, "dkim_public_key", "RSA key of 512 bits"),
        ("s2026a", "A" * 3000, "dkim_public_key", "not an RSA or Ed25519 public key"),
        ("s2026a", "A" * 5000, "dkim_public_key", "at most 4000 characters"),
    ],
)
def test_it_puts_what_is_wrong_beside_the_field_and_saves_nothing(
    alice, design, selector, key, field, message
):
    key = key or dkim.generate("ed25519")[1]
    before = (design.document, design.position, design.revisions.count())

    r = paste(alice, design, selector, key)

    assert r.status_code == 422
    text = html.unescape(r.content.decode())
    errors = re.search(
        rf'<ul class="field__errors" id="dkim-0-{field}_errors">(.*?)</ul>', text, re.S
    )
    assert errors and message in errors.group(1)
    design.refresh_from_db()
    assert (design.document, design.position, design.revisions.count()) == before


def test_it_refuses_a_key_too_long_for_a_txt_record(alice, design, monkeypatch):
    # RSA-4096 is the largest key allowed and fits; a smaller limit shows the message.
    monkeypatch.setattr(dkim, "MAX_RECORD", 300)
    _, key = dkim.generate()

    r = paste(alice, design, "s2026a", key)

    assert r.status_code == 422
    assert "at most 300 fit" in r.content.decode()
    design.refresh_from_db()
    assert "dkim_selector" not in design.document["domains"][0]


def test_it_refuses_a_pasted_private_key_without_showing_it_back(alice, design):
    pem, _ = dkim.generate()

    r = paste(alice, design, "s2026a", pem)

    assert r.status_code == 422
    text = r.content.decode()
    assert "This is a private key" in text
    assert pem.splitlines()[1] not in text
    assert pem.splitlines()[1] not in every_stored_text()


# -- the designer and other visitors -----------------------------------------------------


def test_it_links_the_keys_page_from_the_designers_domains(alice, design):
    r = alice.get(_url("detail", design))

    assert r.status_code == 200
    assert _url("dkim", design) in r.content.decode()
    generate(alice, design)
    r = alice.get(_url("detail", design))
    assert f"<code>s{YEAR}a</code>" in r.content.decode()


def test_it_explains_rotation_on_the_keys_page(alice, design):
    r = alice.get(_url("dkim", design))

    assert r.status_code == 200
    text = r.content.decode()
    assert "Publish the new selector" in text and "Switch the signer" in text
    assert "Remove the old record after a few days" in text
    assert 'name="kind"' in text and 'for="dkim-0-dkim_public_key"' in text


@pytest.mark.parametrize("who", ["another session", "another user"])
def test_it_answers_404_to_anyone_else(f, design, who):
    stranger = f.make_visitor() if who == "another session" else f.make_user_client("mallory")
    before = (design.document, design.revisions.count())
    _, key = dkim.generate()

    assert stranger.get(_url("dkim", design)).status_code == 404
    assert generate(stranger, design).status_code == 404
    assert paste(stranger, design, "s2026a", key).status_code == 404

    design.refresh_from_db()
    assert (design.document, design.revisions.count()) == before


def test_it_answers_404_for_a_domain_not_in_the_design(alice, design):
    assert generate(alice, design, domain="example.net").status_code == 404


def test_it_keeps_the_key_when_the_domain_is_edited(alice, design):
    generate(alice, design)
    design.refresh_from_db()

    alice.post(
        _url("detail", design).rstrip("/") + "/domains/example.org/edit",
        {"name": "example.org", "receives_mail": "on", "revision": design.position},
    )

    design.refresh_from_db()
    assert design.document["domains"][0].get("dkim_selector") == f"s{YEAR}a"
