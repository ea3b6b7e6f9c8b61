"""Which addresses a check may connect to, and a time bound shared by a whole check."""

from __future__ import annotations

import ipaddress
import time


class OutOfTime(Exception):
    """The check used up its total time bound."""


class Budget:
    """A total time bound for one check; every lookup and connection takes its share."""

    def __init__(self, total: float, per_step: float) -> None:
        self.deadline = time.monotonic() + total
        self.total = total
        self.per_step = per_step

    def timeout(self) -> float:
        """The timeout for the next step: the per-step timeout, or what is left if less."""
        left = self.deadline - time.monotonic()
        if left <= 0.05:
            raise OutOfTime(f"the check ran out of its {self.total:g} s time bound")
        return min(self.per_step, left)


def refusal(address: str) -> str | None:
    """Why ``address`` must not be probed for a visitor, or None for a public address.

    Loopback, private, link-local, multicast, reserved, unspecified and every other
    non-global range (shared address space, documentation, benchmarking) are refused: a
    check run for a stranger must not become a way into the site's own network.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for label, flag in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if flag:
            return f"{address} is a {label} address"
    if not ip.is_global:
        return f"{address} is not a public address"
    return None
