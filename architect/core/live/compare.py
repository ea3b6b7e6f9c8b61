"""Semantic comparison of planned and live DNS values.

Case, trailing dots, TXT string splitting, record order, SPF term order and equivalent
forms of one SPF term (``+a`` and ``a``, ``ip4:x/32`` and ``ip4:x``, ``a`` and
``a:<the domain>``) are not differences; anything that changes what a receiver does is.
"""

from __future__ import annotations

import ipaddress

# Tag values that say what leaving the tag out says (RFC 7489 §6.3), so their presence
# in a live DMARC record is no difference.
DMARC_DEFAULTS = {"pct": "100", "adkim": "r", "aspf": "r", "fo": "0", "ri": "86400", "rf": "afrf"}
TXT_KINDS = ("v=spf1", "v=dmarc1", "v=dkim1", "v=stsv1", "v=tlsrptv1")


def name(value: str) -> str:
    """A DNS name without case or trailing dot."""
    return value.strip().lower().rstrip(".")


def txt_kind(value: str) -> str:
    """What a TXT value is (``v=spf1``, ``v=dmarc1``...), or "" for anything else."""
    head = value.strip().split(";")[0].split(" ")[0].strip().lower()
    if head in TXT_KINDS:
        return head
    # DKIM keys need not start with v=DKIM1 (RFC 6376 §3.6.1): a p= tag makes one.
    if "p=" in value.replace(" ", "").lower() and head.startswith(("k=", "p=", "t=", "h=")):
        return "v=dkim1"
    return ""


def canonical(rtype: str, value: str, domain: str) -> object:
    """A comparable form of one record value of type ``rtype`` found at ``domain``."""
    if rtype in ("A", "AAAA"):
        return ipaddress.ip_address(value.strip())
    if rtype == "MX":
        pref, host = value.split()
        return (int(pref), name(host))
    if rtype == "SRV":
        prio, weight, port, host = value.split()
        return (int(prio), int(weight), int(port), name(host))
    if rtype in ("CNAME", "PTR", "NS"):
        return name(value)
    if rtype == "TXT":
        kind = txt_kind(value)
        if kind == "v=spf1":
            return spf_terms(value, domain)
        if kind in ("v=dmarc1", "v=stsv1", "v=tlsrptv1", "v=dkim1"):
            return tags(value, kind)
        return value
    return value.strip().lower()


def spf_terms(value: str, domain: str) -> tuple[frozenset, tuple]:
    """An SPF record as (the set of its mechanisms, its modifiers): order is not a difference."""
    mechanisms = set()
    modifiers = []
    for term in value.split()[1:]:
        low = term.lower()
        if "=" in low and ":" not in low.split("=")[0]:
            key, _, val = low.partition("=")
            modifiers.append((key, name(val) if key == "redirect" else val))
            continue
        qualifier = "+"
        if low[0] in "+-~?":
            qualifier, low = low[0], low[1:]
        mech, _, arg = low.partition(":")
        cidr = ""
        if "/" in mech:  # "a/24", "mx/24": the current domain with a prefix length
            mech, _, cidr = mech.partition("/")
        if mech in ("ip4", "ip6"):
            arg = str(ipaddress.ip_network(arg, strict=False))
        elif mech in ("a", "mx", "ptr", "include", "exists"):
            if "/" in arg:
                arg, _, cidr = arg.partition("/")
            arg = name(arg or domain)
            cidr = "" if cidr in ("32", "128", "32//128") else cidr
        mechanisms.add((qualifier, mech, arg, cidr))
    return frozenset(mechanisms), tuple(sorted(modifiers))


def tags(value: str, kind: str) -> tuple:
    """A tag=value record (DMARC, MTA-STS, TLS-RPT, DKIM) as sorted pairs, defaults dropped."""
    out = {}
    for part in value.split(";"):
        if "=" not in part:
            continue
        key, _, val = part.partition("=")
        key = key.strip().lower()
        val = "".join(val.split()) if key == "p" and kind == "v=dkim1" else val.strip()
        if key in ("rua", "ruf"):
            val = ",".join(sorted(u.strip().lower() for u in val.split(",") if u.strip()))
        elif key in ("v", "p", "sp", "adkim", "aspf", "k", "fo") and kind != "v=dkim1":
            val = val.lower()
        elif key == "k":
            val = val.lower()
        if kind == "v=dmarc1" and DMARC_DEFAULTS.get(key) == val.lower():
            continue
        if kind == "v=dkim1" and (key, val) in (("v", "DKIM1"), ("k", "rsa")):
            continue
        out[key] = val
    return tuple(sorted(out.items()))


def same(rtype: str, planned: list[str], found: list[str], domain: str) -> bool:
    """Whether the live values say what the planned ones say (as sets: order is free)."""
    try:
        return {canonical(rtype, v, domain) for v in planned} == {
            canonical(rtype, v, domain) for v in found
        }
    except ValueError:
        return False


def difference(rtype: str, planned: list[str], found: list[str], domain: str) -> str:
    try:
        want = {canonical(rtype, v, domain): v for v in planned}
        have = {canonical(rtype, v, domain): v for v in found}
    except ValueError:
        return "the live value cannot be read"
    if rtype == "TXT" and txt_kind(planned[0]) == "v=spf1" and len(found) == 1:
        (want_terms, want_mods), (have_terms, have_mods) = (
            spf_terms(planned[0], domain),
            spf_terms(found[0], domain),
        )
        parts = []
        if want_terms - have_terms:
            parts.append("missing terms: " + spf_words(want_terms - have_terms))
        if have_terms - want_terms:
            parts.append("terms not in the plan: " + spf_words(have_terms - want_terms))
        if want_mods != have_mods:
            parts.append("different modifiers")
        return "; ".join(parts)
    if rtype == "TXT":
        return "the live value says something else"
    parts = []
    missing = [v for k, v in want.items() if k not in have]
    extra = [v for k, v in have.items() if k not in want]
    if missing:
        parts.append("not published: " + ", ".join(missing))
    if extra:
        parts.append("not in the plan: " + ", ".join(extra))
    return "; ".join(parts)


def spf_words(terms) -> str:
    words = []
    for qualifier, mech, arg, cidr in sorted(terms):
        word = ("" if qualifier == "+" else qualifier) + mech + (f":{arg}" if arg else "")
        words.append(word + (f"/{cidr}" if cidr else ""))
    return " ".join(words)
