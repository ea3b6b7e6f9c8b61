"""Name and address checks: strict shapes for everything that reaches a config line,
zone file, DOT source or page. Shared with the web forms."""

from __future__ import annotations

import functools
import ipaddress
import re

import idna

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Service names such as _spf.example.net: an underscore may lead a label.
_SERVICE_LABEL = re.compile(r"^_?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62})$")
_LOCAL_PART = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,63})$")
# RFC 5321 §4.1.2 Dot-string (RFC 5322 atext), lower case: a mailbox user's local part.
_ATEXT = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"^{_ATEXT}(?:\.{_ATEXT})*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# A lone UTF-16 surrogate can come from JSON ("\\ud800") but cannot be written as UTF-8:
# stored, it would break every page and file of the design.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def dns_name(raw: object, *, service: bool = False) -> str:
    """Return ``raw`` as a lower-case A-label DNS name, or raise ValueError.

    Accepts one trailing dot (removed) and IDNs (converted with UTS 46 /
    IDNA 2008). Refuses whitespace, control characters, empty or long
    labels, names of one label and names whose last label is numeric.
    With ``service``, a label may start with an underscore (``_spf``).
    """
    if not isinstance(raw, str):
        raise ValueError("must be a text string")
    if raw == "":
        raise ValueError("must not be empty")
    if _CONTROL.search(raw) or any(ch.isspace() for ch in raw):
        raise ValueError("must not contain spaces or control characters")
    name = raw.removesuffix(".")
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise ValueError(f"is not a valid internationalised name ({exc})") from None
    name = name.lower()
    if len(name) > 253:
        raise ValueError("is longer than 253 characters")
    labels = name.split(".")
    if len(labels) < 2:
        raise ValueError("must have at least two labels, such as example.org")
    for label in labels:
        if not label:
            raise ValueError("has an empty label (two dots in a row, or a leading dot)")
        if len(label) > 63:
            raise ValueError(f'has a label longer than 63 characters ("{label[:20]}...")')
        if not (_SERVICE_LABEL if service else _LABEL).match(label):
            raise ValueError(
                "may contain only letters, digits and hyphens in each label, "
                "and a label may not start or end with a hyphen"
            )
    if labels[-1].isdigit():
        raise ValueError("looks like an IP address, not a name")
    return name


def slug(raw: object) -> str:
    """Return ``raw`` if it is a slug: lower-case letters, digits, ``-`` and ``_``."""
    if not isinstance(raw, str):
        raise ValueError("must be a text string")
    if not _SLUG.match(raw):
        raise ValueError(
            "must be 1-63 lower-case letters, digits, hyphens or underscores, "
            "starting with a letter or digit"
        )
    return raw


def ip_address(raw: object) -> str:
    """Return ``raw`` as a normalised IPv4 or IPv6 address, or raise ValueError.

    Refuses addresses no other machine can reach a host at (docs/design-file.md): they
    would be published in DNS and written into configurations as if they were its own.
    """
    if not isinstance(raw, str):
        raise ValueError("must be a text string")
    return _ip_address(raw)


# Distinct texts remembered by ip_address and cidr: a design at the limits holds 80,000
# addresses and 64,000 blocks, and every save and every page view of it loads the whole
# document again; parsing them was most of the cost of loading. Both results are plain
# strings (an error is raised, never remembered), so the bound is a few tens of MB.
PARSED = 1 << 17


@functools.lru_cache(maxsize=PARSED)
def _ip_address(raw: str) -> str:
    if "%" in raw or any(ch.isspace() for ch in raw):
        raise ValueError("is not an IP address")
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        raise ValueError("is not an IPv4 or IPv6 address") from None
    if why := unreachable(ip):
        raise ValueError(f"{why}; give an address other machines reach this host at")
    return str(ip)


def unreachable(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why no other machine can reach a host at ``ip``, or None when one can."""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return f"is an IPv4 address written as IPv6; give it as {ip.ipv4_mapped}"
    if ip.is_unspecified:
        return "is the unspecified address (any address), not one of a host"
    if ip.is_loopback:
        return "is a loopback address: every machine reaches only itself there"
    if ip.is_link_local:
        return "is a link-local address: it works only on one link and is not published"
    if ip.is_multicast:
        return "is a multicast address, not one of a host"
    if ip.version == 4 and ip == ipaddress.IPv4Address("255.255.255.255"):
        return "is the broadcast address, not one of a host"
    if ip.version == 4 and ip.is_reserved:
        return "is in a reserved range (240.0.0.0/4) that is not routed"
    return None


@functools.lru_cache(maxsize=1 << 17)
def network(block: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """``ipaddress.ip_network(block)``, parsed once per distinct block.

    A design at the limits holds 64,000 blocks that the planner and the exporters each
    look at several times; parsing is most of their cost. The objects are immutable.
    """
    return ipaddress.ip_network(block)


def cidr(raw: object) -> str:
    """Return ``raw`` as a normalised CIDR block, or raise ValueError."""
    if not isinstance(raw, str):
        raise ValueError("must be a text string")
    return _cidr(raw)


@functools.lru_cache(maxsize=PARSED)
def _cidr(raw: str) -> str:
    if "%" in raw or any(ch.isspace() for ch in raw) or "/" not in raw:
        raise ValueError("is not a CIDR block such as 192.0.2.0/24")
    try:
        return str(ipaddress.ip_network(raw, strict=True))
    except ValueError:
        try:
            loose = ipaddress.ip_network(raw, strict=False)
        except ValueError:
            raise ValueError("is not a CIDR block such as 192.0.2.0/24") from None
        raise ValueError(f"has host bits set; the block is {loose}") from None


def local_part(raw: object) -> str:
    """Return ``raw`` as a mailbox user's local part: an RFC 5321 dot-atom, lower-cased.

    A local part starting with ``#`` is refused although the RFC allows it: every
    table it is written into (Postfix maps, Dovecot's passwd-file) would read the
    line as a comment, and the user would silently not exist.
    """
    if not isinstance(raw, str):
        raise ValueError("must be a text string")
    value = raw.lower()
    if "@" in value:
        raise ValueError("must be the part before the @ only, such as alice")
    if len(value.encode("utf-8")) > 64:
        raise ValueError("must be at most 64 characters (RFC 5321)")
    if not _DOT_ATOM.match(value):
        raise ValueError(
            "must be letters, digits and ! # $ % & ' * + / = ? ^ _ ` { | } ~ -, "
            "with single dots between them (RFC 5321 dot-atom)"
        )
    if value.startswith("#"):
        raise ValueError("must not start with #: mail tables would read it as a comment")
    return value


def mail_address(raw: object) -> str:
    """Return ``raw`` as ``local@domain`` with a conservative local part."""
    if not isinstance(raw, str) or raw.count("@") != 1:
        raise ValueError("must be an address such as reports@example.org")
    local, domain = raw.split("@")
    if not _LOCAL_PART.match(local):
        raise ValueError(
            "local part may contain only letters, digits and . _ + - (at most 64 characters)"
        )
    return f"{local}@{dns_name(domain)}"
