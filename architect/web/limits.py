"""Rate limits per client: sign-in attempts, and writes to designs.

Counters live in Django's cache, so every app server behind a load balancer shares them
when the cache is Redis (``DJANGO_CACHE_URL``); the local-memory cache counts per process.
A limit is a number of requests in a fixed window of time (``settings.RATE_LIMITS``): the
count of the current window is kept under a key that names the window, and expires with
it. A refused request answers 429 with ``Retry-After`` (the seconds until the window ends)
and a sentence saying what was refused and when to try again; with htmx the sentence is
put in place on the designer (``refusal``).

Who a client is: a signed-in visitor is their account; anyone else is their address
(``client_address``), an IPv6 address standing for its whole /64, since one machine
commonly has many. Behind a proxy the address comes from ``settings.CLIENT_IP_HEADER``
only when the operator sets it (docs/settings.md).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import reswap, retarget

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Every POST under these URL namespaces changes a design (or makes one): "writes".
WRITE_NAMESPACES = frozenset({"designs", "examples"})
# These also make something new, at a cost in storage or CPU: "creates" as well.
CREATE_VIEWS = frozenset(
    {
        "designs:new",
        "designs:import",
        "designs:duplicate",
        "designs:dkim_generate",
        "examples:copy",
        # A rule page's button copies the rule's example into a new design.
        "learn:finding_open",
        "accounts:signup",
    }
)
_DOM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,99}$")


@dataclass(frozen=True)
class Rate:
    """At most ``count`` requests in each window of ``seconds``."""

    count: int
    seconds: int

    @property
    def period(self) -> str:
        """The window in words: "15 minutes", "hour"."""
        return duration(self.seconds, singular_article=False)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends


def rate(scope: str) -> Rate | None:
    """The configured rate of ``scope`` ("login-address", "writes", ...), or None when off."""
    value = settings.RATE_LIMITS.get(scope)
    return Rate(*value) if value else None


def duration(seconds: int, singular_article: bool = True) -> str:
    """Seconds in words: "45 seconds", "a minute", "15 minutes", "an hour", "2 days".

    Whole units are named as they are; anything else of two minutes or more is rounded up
    to minutes, so that a time to wait is never said shorter than it is.
    """
    n, word, article = _in_units(seconds)
    if n == 1:
        return f"{article} {word}" if singular_article else word
    return f"{n} {word}s"


def _in_units(seconds: int) -> tuple[int, str, str]:
    for size, word, article in ((86400, "day", "a"), (3600, "hour", "an"), (60, "minute", "a")):
        if seconds >= size and seconds % size == 0:
            return seconds // size, word, article
    if seconds < 120:
        return seconds, "second", "a"
    return math.ceil(seconds / 60), "minute", "a"


def client_address(request: HttpRequest) -> str:
    """The address that stands for the client: an IPv4 address, or an IPv6 /64.

    REMOTE_ADDR is the peer of the connection. When ``settings.CLIENT_IP_HEADER`` names a
    header that the proxy in front sets, its last address is the one that proxy saw (a
    proxy appends to X-Forwarded-For; anything before it came from the client and proves
    nothing). A header that is missing or unreadable falls back to REMOTE_ADDR.
    """
    candidates = []
    header = getattr(settings, "CLIENT_IP_HEADER", None)
    if header:
        value = request.headers.get(header, "")
        candidates.append(value.rsplit(",", 1)[-1].strip())
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for text in candidates:
        try:
            address = ipaddress.ip_address(text.strip("[]"))
        except ValueError:
            continue
        if address.version == 6:
            if address.ipv4_mapped is not None:
                return str(address.ipv4_mapped)
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return str(address)
    return "unknown"


def client_key(request: HttpRequest) -> str:
    """Whose writes these are: the account when signed in, else the client's address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{client_address(request)}"


def _key(scope: str, ident: str, rate: Rate, now: float) -> str:
    # Hashed: an account name can be long or hold characters a cache key may not.
    digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"limit:{scope}:{rate.seconds}:{digest}:{int(now // rate.seconds)}"


def _retry_after(rate: Rate, now: float) -> int:
    return max(1, math.ceil(rate.seconds - now % rate.seconds))


def hit(scope: str, ident: str) -> Verdict:
    """Count one request of ``ident`` in ``scope``; allowed while the count is within the rate."""
    limit = rate(scope)
    if limit is None:
        return Verdict(True, 0, 0)
    now = time.time()
    key = _key(scope, ident, limit, now)
    # add() is a no-op when the key exists; incr() is atomic in Redis and in local memory.
    cache.add(key, 0, timeout=limit.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: the window just ended
        cache.add(key, 1, timeout=limit.seconds + 1)
        count = 1
    return Verdict(count <= limit.count, count, _retry_after(limit, now))


def give_back(scope: str, ident: str) -> None:
    """Uncount one request of ``ident`` (a sign-in that succeeded is no attempt to guess)."""
    limit = rate(scope)
    if limit is None:
        return
    try:
        cache.decr(_key(scope, ident, limit, time.time()))
    except ValueError:
        pass  # its window ended meanwhile


def forget(scope: str, ident: str) -> None:
    """Clear the current count of ``ident`` in ``scope``."""
    limit = rate(scope)
    if limit is not None:
        cache.delete(_key(scope, ident, limit, time.time()))


# -- answers ----------------------------------------------------------------------------


def refusal(
    request: HttpRequest,
    *,
    title: str,
    message: str,
    advice: str = "",
    status: int,
    retry_after: int | None = None,
    back: tuple[str, str] | None = None,
) -> HttpResponse:
    """A page saying why nothing was done; with htmx, the same words put in place.

    An htmx form that was refused keeps what the visitor typed: the notice goes at the top
    of the element that sent the request (htmx names it in HX-Trigger when it has an id),
    else at the top of the designer's plan panel (#result), as the stale-save notice does.
    """
    back_url, back_label = back or (reverse("designs:index"), "your designs")
    context = {
        "title": title,
        "message": message,
        "advice": advice,
        "retry_after": retry_after,
        "back_url": back_url,
        "back_label": back_label,
    }
    if getattr(request, "htmx", False):
        response = render(request, "web/refused.html#notice", context, status=status)
        trigger = request.headers.get("HX-Trigger", "")
        retarget(response, f"#{trigger}" if _DOM_ID.match(trigger) else "#result")
        reswap(response, "afterbegin")
    else:
        response = render(request, "web/refused.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def too_many(
    request: HttpRequest, message: str, retry_after: int, back: tuple[str, str] | None = None
) -> HttpResponse:
    return refusal(
        request,
        title="Too many requests",
        message=message,
        advice=f"Try again in {duration(retry_after)}.",
        status=429,
        retry_after=retry_after,
        back=back,
    )


def _write_message(scope: str, limit: Rate) -> str:
    if scope == "creates":
        return (
            f"You have made {limit.count} new designs, copies, imports or keys in the last "
            f"{limit.period}, the most the site makes for one visitor in that time. Nothing "
            "was made."
        )
    return (
        f"You have sent {limit.count} changes in the last {limit.period}, the most the site "
        "takes from one visitor in that time. Nothing was saved; what you typed is still here."
    )


class LimitsMiddleware:
    """Count every write (a POST to a design's address) per client; 429 past the limit.

    Put after the CSRF and authentication middleware: a forged request is refused before it
    counts, and a signed-in visitor counts as their account. Designs over their storage cap
    (``designs.quota.OverQuota``, raised by ``Design.commit``) are answered here too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS or request.resolver_match is None:
            return None
        match = request.resolver_match
        scopes = []
        if match.namespace in WRITE_NAMESPACES:
            scopes.append("writes")
        if match.view_name in CREATE_VIEWS:
            scopes.append("creates")
        ident = client_key(request)
        for scope in scopes:
            verdict = hit(scope, ident)
            if not verdict.allowed:
                log.warning("rate limit %s reached by %s on %s", scope, ident, request.path)
                limit = rate(scope)
                assert limit is not None
                return too_many(request, _write_message(scope, limit), verdict.retry_after)
        return None

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        from architect.designs.quota import OverQuota

        if not isinstance(exc, OverQuota):
            return None
        return refusal(
            request,
            title="Not enough room for this",
            message=exc.message,
            advice=exc.advice,
            status=OverQuota.status,
        )
