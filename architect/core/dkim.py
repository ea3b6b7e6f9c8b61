"""DKIM keys: what a design may hold, and the DNS record they become (RFC 6376, RFC 8463).

A design keeps, per domain, a selector and the public key only; the private key
stays with whoever signs. The key is the base64 ``p=`` value of the record: for
RSA the DER SubjectPublicKeyInfo (RFC 6376 §3.6.1), for Ed25519 the raw 32
bytes (RFC 8463 §4.2). ``check_public_key`` says what is wrong with a pasted
key in a sentence a person can act on; ``txt_strings`` splits the record into
the at most 255-byte strings a TXT record is made of (RFC 1035 §3.3.14).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

# One or more DNS labels (RFC 6376 §3.1: a selector is a sub-domain), lower case.
SELECTOR = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")
RSA_BITS = (1024, 4096)  # RFC 8301 §3.2: at least 1024 bits; larger keys outgrow the record
MAX_RECORD = 1500  # bytes of the whole TXT value: an RSA-4096 key fits, with room


@dataclass(frozen=True)
class PublicKey:
    kind: str  # rsa | ed25519 (the record's k= tag)
    bits: int
    base64: str


def check_selector(value: str) -> str | None:
    """None for a good selector, else why not."""
    if not isinstance(value, str) or not SELECTOR.match(value) or len(value) > 200:
        return "a selector is one or more DNS labels: lower-case letters, digits and hyphens"
    return None


def parse_public_key(value: str) -> PublicKey:
    """The key a base64 ``p=`` value (or a PEM public key) holds; ValueError says why not."""
    text = value.strip()
    if text.startswith("-----BEGIN"):
        lines = [ln for ln in text.splitlines() if ln and not ln.startswith("-----")]
        text = "".join(lines)
    text = re.sub(r"\s+", "", text)
    if not text or not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", text):
        raise ValueError("is not base64 (letters, digits, + and /, perhaps = at the end)")
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError("is not valid base64 (its length or padding is wrong)") from None
    if len(raw) == 32:
        ed25519.Ed25519PublicKey.from_public_bytes(raw)
        return PublicKey("ed25519", 256, text)
    try:
        key = serialization.load_der_public_key(raw)
    except ValueError:
        raise ValueError("is not an RSA or Ed25519 public key") from None
    if isinstance(key, rsa.RSAPublicKey):
        if not RSA_BITS[0] <= key.key_size <= RSA_BITS[1]:
            raise ValueError(
                f"is an RSA key of {key.key_size} bits; DKIM needs {RSA_BITS[0]} to "
                f"{RSA_BITS[1]} (2048 is usual)"
            )
        return PublicKey("rsa", key.key_size, text)
    if isinstance(key, ed25519.Ed25519PublicKey):
        der = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return PublicKey("ed25519", 256, base64.b64encode(der).decode("ascii"))
    raise ValueError("is a public key of a kind DKIM does not use (only RSA and Ed25519)")


def record(key: PublicKey) -> str:
    """The TXT value that publishes ``key``."""
    value = f"v=DKIM1; k={key.kind}; p={key.base64}"
    if len(value) > MAX_RECORD:
        raise ValueError(f"makes a record of {len(value)} bytes; at most {MAX_RECORD} fit")
    return value


def txt_strings(value: str, size: int = 255) -> list[str]:
    """The value as the strings of one TXT record, each at most ``size`` bytes."""
    data = value.encode("ascii")
    return [data[i : i + size].decode("ascii") for i in range(0, len(data), size)] or [""]


def generate(kind: str = "rsa") -> tuple[str, str]:
    """A new key pair: (private key PEM, base64 public key for the design)."""
    if kind == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
        public = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8
        if kind == "ed25519"
        else serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")
    return pem, base64.b64encode(public).decode("ascii")
