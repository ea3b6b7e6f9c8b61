"""How one DNS record is written in a zone file, safely.

Every character of user text that reaches a zone file passes through here:
comments are made one line, TXT data quoted and escaped, and any other record
data refused unless it is plainly a name or an address.
"""

from __future__ import annotations

import re
import unicodedata

from ..plan import DnsRecord

# A character-string in a TXT record holds at most 255 bytes (RFC 1035 §3.3);
# longer values are split into several strings that receivers join without
# spaces (RFC 7208 §3.3).
TXT_CHUNK = 255

# Non-TXT record data come from validated names and addresses; anything else
# would mean a bug upstream, and must not reach a zone file unquoted.
_SAFE_RDATA = re.compile(r"^[A-Za-z0-9._:-]+(?: [A-Za-z0-9._:-]+)*$")


def one_line(text: str) -> str:
    """Free text made safe for a one-line comment: no line breaks or control characters.

    A newline inside a ``;`` comment would end the comment and let the rest of
    the text be read as a record, so every control, format and separator
    character becomes a space.
    """
    if text.isascii() and text.isprintable():
        # Printable ASCII holds no control or separator character but the space.
        return " ".join(text.split())
    cleaned = "".join(
        " " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in text
    )
    return " ".join(cleaned.split())


def txt_rdata(value: str) -> str:
    """A TXT value as zone-file data: quoted strings of at most 255 bytes each.

    The value is split on its raw bytes first and each piece escaped after,
    so an escape sequence is never cut in two. ``"`` and ``\\`` are escaped
    with a backslash, bytes outside printable ASCII as ``\\DDD`` (RFC 1035 §5.1).
    """
    raw = value.encode("utf-8")
    chunks = [raw[i : i + TXT_CHUNK] for i in range(0, len(raw), TXT_CHUNK)] or [b""]
    return " ".join('"' + _escape_txt(chunk) + '"' for chunk in chunks)


def _escape_txt(chunk: bytes) -> str:
    text = chunk.decode("ascii", "replace")
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        # Printable ASCII without a quote or backslash stands as it is: an SPF record of
        # a few hundred terms is not escaped byte by byte.
        return text
    out = []
    for byte in chunk:
        if byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        elif 0x20 <= byte <= 0x7E:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03d}")
    return "".join(out)


def rdata(record: DnsRecord) -> str:
    """The record's data as written in a zone file."""
    if record.type == "TXT":
        return txt_rdata(record.value)
    if not _SAFE_RDATA.match(record.value):
        raise ValueError(f"refusing to write unexpected DNS data {record.value!r} ({record.type})")
    return record.value


def record_line(record: DnsRecord) -> str:
    """One resource record in zone-file syntax, with an absolute owner name."""
    return f"{record.name:<40} {record.ttl:>6} IN {record.type:<5} {rdata(record)}"
