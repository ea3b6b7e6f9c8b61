"""DNS lookups for the check, through dnspython, each bounded by the check's time budget."""

from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
import dns.reversename

from .guard import Budget

# Answers beyond this many records are cut: a hostile zone cannot flood a page.
MAX_RECORDS = 50


@dataclass(frozen=True)
class Answer:
    """One lookup: ``status`` is ok, nxdomain, nodata, timeout, servfail or error."""

    status: str
    values: tuple[str, ...] = ()
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def absent(self) -> bool:
        """The name or the type does not exist: the record is missing, not unknown."""
        return self.status in ("nxdomain", "nodata")

    def why(self, name: str, rtype: str) -> str:
        """Why the lookup gave no usable answer, in words for a row."""
        words = {
            "nxdomain": f"{name} does not exist (NXDOMAIN)",
            "nodata": f"{name} has no {rtype} record",
            "timeout": f"the {rtype} lookup of {name} timed out",
            "servfail": f"the {rtype} lookup of {name} failed (SERVFAIL or refused)",
        }
        return words.get(self.status, f"the {rtype} lookup of {name} failed: {self.detail}")


def parse_resolver(text: str) -> tuple[str, int]:
    """``IP``, ``IP:PORT`` (IPv4) or ``[IPv6]:PORT`` into an address and a port."""
    import ipaddress

    text = text.strip()
    port = 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"{text!r}: expected [IPv6]:PORT")
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, _, p = text.partition(":")
        port = int(p)
    else:
        host = text
    ipaddress.ip_address(host)  # raises ValueError for a name: a resolver is an address
    if not 0 < port < 65536:
        raise ValueError(f"{port}: not a port")
    return host, port


class Dns:
    """A resolver: the system's, or one given by address; answers are remembered per check."""

    def __init__(self, budget: Budget, nameserver: str | None = None, port: int = 53) -> None:
        self.budget = budget
        if nameserver:
            self.resolver = dns.resolver.Resolver(configure=False)
            self.resolver.nameservers = [nameserver]
            self.resolver.port = port
        else:
            self.resolver = dns.resolver.Resolver()
        self.described = f"{nameserver}:{port}" if nameserver else "the system resolver"
        self._seen: dict[tuple[str, str], Answer] = {}

    def query(self, name: str, rtype: str) -> Answer:
        """Look up ``name`` ``rtype``; never raises for DNS trouble, only for OutOfTime."""
        key = (name.lower().rstrip(".") + ".", rtype)
        if key not in self._seen:
            self._seen[key] = self._ask(key[0], rtype)
        return self._seen[key]

    def reverse(self, address: str) -> Answer:
        return self.query(dns.reversename.from_address(address).to_text(), "PTR")

    def _ask(self, name: str, rtype: str) -> Answer:
        lifetime = self.budget.timeout()
        try:
            answer = self.resolver.resolve(
                name,
                rtype,
                lifetime=lifetime,
                raise_on_no_answer=False,
                search=False,
            )
        except dns.resolver.NXDOMAIN:
            return Answer("nxdomain")
        except dns.resolver.NoNameservers as exc:
            return Answer("servfail", detail=str(exc)[:300])
        except dns.exception.Timeout:
            return Answer("timeout")
        except dns.exception.DNSException as exc:
            return Answer("error", detail=str(exc)[:300])
        if answer.rrset is None:
            return Answer("nodata")
        return Answer("ok", tuple(_text(r) for r in list(answer.rrset)[:MAX_RECORDS]))


def _text(rdata) -> str:
    if rdata.rdtype in (dns.rdatatype.TXT, dns.rdatatype.SPF):
        # One TXT record may be split into strings of 255 bytes: they are one value.
        return b"".join(rdata.strings).decode("utf-8", "replace")
    return rdata.to_text()
