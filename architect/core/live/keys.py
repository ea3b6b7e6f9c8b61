"""What a published DKIM key holds: its algorithm and size, and what is wrong with it."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

MIN_RSA_BITS = 1024  # RFC 8301 §3.2: verifiers must refuse shorter keys


def dkim_key(value: str) -> tuple[str, str]:
    """What a DKIM key record holds ("RSA 2048 bits"), and a problem with it or ""."""
    fields = dict(
        (k.strip().lower(), v.strip())
        for k, _, v in (p.partition("=") for p in value.split(";"))
        if k.strip()
    )
    p = "".join(fields.get("p", "").split())
    if not p:
        return "an empty p=", "the key is revoked (empty p=)"
    try:
        der = base64.b64decode(p, validate=True)
        if fields.get("k", "rsa").lower() == "ed25519":
            ed25519.Ed25519PublicKey.from_public_bytes(der)
            return "Ed25519 (256 bits)", ""
        key = load_der_public_key(der)
    except ValueError:
        return "an unreadable p=", "the key cannot be read (not a public key in base64)"
    if isinstance(key, rsa.RSAPublicKey):
        bits = key.key_size
        if bits < MIN_RSA_BITS:
            return (
                f"RSA {bits} bits",
                f"too short: verifiers refuse RSA keys under {MIN_RSA_BITS} bits",
            )
        return f"RSA {bits} bits", ""
    return type(key).__name__, "not an RSA or Ed25519 key"
