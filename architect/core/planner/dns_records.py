"""The records being planned, keyed so that each is added once, and the values every
DNS step shares (the placeholder address and DKIM selector, the SPF lookup limit)."""

from __future__ import annotations

from ..plan import DnsRecord
from .context import PUBLIC, Context, HostState, is_public_address

DKIM_SELECTOR = "mail"
DKIM_PLACEHOLDER = "v=DKIM1; k=rsa; p=PUBLIC-KEY-FROM-YOUR-DKIM-SIGNER"
SPF_LOOKUP_LIMIT = 10
# Stands in for the public address of an MX that the design knows only by a
# private one (a home server behind NAT). From a documentation range (RFC 5737):
# it reaches no one, so an unedited zone defers mail instead of sending it to a
# stranger, and it lets the MX record be published and checked meanwhile.
PLACEHOLDER_PUBLIC_ADDRESS = "203.0.113.250"


class _Records:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.items: dict[tuple, DnsRecord] = {}
        # Looked up once per plan, used once per domain.
        self.egress = [h for h in ctx.sorted_hosts() if h.sends_direct]
        # Each sending host's SPF terms, the same in every domain's record.
        self.egress_terms = {
            h.name: [("ip6:" if ":" in a else "ip4:") + a for a in _public(h)] for h in self.egress
        }
        self.submission = next((h for h in ctx.with_role("submission") if h.zone in PUBLIC), None)
        sh = ctx.smarthost
        self.smarthost_used = sh is not None and any(
            h.relayhost_target == sh.name for h in ctx.sorted_hosts()
        )

    def add(self, name, rtype, value, why, level, link, *, zone="auto", placeholder=False):
        fqdn = name.rstrip(".") + "."
        if zone == "auto":
            zone = self.ctx.domain_of(name.rstrip("."))
        key = (fqdn, rtype, value)
        if key not in self.items:
            self.items[key] = DnsRecord(
                fqdn, rtype, value, why, level, link, zone, placeholder=placeholder
            )


def _public(h: HostState) -> list[str]:
    return [a for a in h.host.addresses if is_public_address(a)]
