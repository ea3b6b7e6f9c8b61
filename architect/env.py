"""Strict readers for settings that come from the environment.

Each reader fails loudly, naming the variable, rather than guessing what a typo meant:
``DJANGO_DEBUG=ture`` stops the app instead of quietly turning debug off. An empty value
counts as unset, since ``docker run -e NAME=`` and ``NAME= cmd`` both produce one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def env_str(name: str, default: str | None = None) -> str | None:
    """Return the variable with surrounding blanks removed, or ``default`` when unset or empty."""
    value = os.environ.get(name, "").strip()
    return value if value else default


def env_bool(name: str, default: bool) -> bool:
    """Return true/1/yes as True and false/0/no as False (any case); refuse anything else."""
    value = env_str(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of true, false, 1, 0, yes, no."
    )


def env_list(name: str, default: Iterable[str] = ()) -> list[str]:
    """Return a comma-separated variable as a list, blanks trimmed and empty items dropped."""
    value = env_str(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    """Return the variable upper-cased if it is one of ``choices``; refuse anything else."""
    allowed = sorted(choices)
    value = (env_str(name) or default).upper()
    if value not in allowed:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(allowed)}.")
    return value


def parse_cache_url(url: str, name: str = "DJANGO_CACHE_URL") -> dict[str, object]:
    """Turn a cache URL into one entry of Django's CACHES setting.

    ``locmem://`` (this process only; ``locmem://label`` names a separate store),
    ``redis://`` or ``rediss://`` (shared by several app servers), ``file:///absolute/dir``
    and ``dummy://`` (caches nothing). ``name`` is the variable named in errors.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": parts.netloc + parts.path,
        }
    if scheme in ("redis", "rediss"):
        if not parts.hostname:
            raise ImproperlyConfigured(f"{name}={url!r}: a redis URL needs a host.")
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "file":
        if parts.netloc or not parts.path.startswith("/") or parts.path == "/":
            raise ImproperlyConfigured(
                f"{name}={url!r}: a file cache needs an absolute directory, "
                "as in file:///var/cache/mail-architect."
            )
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": parts.path,
        }
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"{name}={url!r}: unknown cache; use locmem://, redis://HOST:PORT/DB, "
        "file:///absolute/dir or dummy://."
    )


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """Return a whole number of at least ``minimum``; refuse anything else."""
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ImproperlyConfigured(
            f"{name}={value!r} must be a whole number of at least {minimum}."
        )
    return number


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(text: str, name: str) -> tuple[int, int] | None:
    """Read ``COUNT/PERIOD`` (``30/15m``, ``60/1m``, ``20/3600``) as (count, seconds).

    The period is seconds, or a number followed by s, m, h or d; ``off`` means no limit
    (None). ``name`` is the variable named in errors.
    """
    value = text.strip().lower()
    if value == "off":
        return None
    count, _, period = value.partition("/")
    unit = _UNITS.get(period[-1:], None) if period else None
    digits = period[:-1] if unit else period
    if count.isdigit() and digits.isdigit() and int(count) >= 1 and int(digits) >= 1:
        return int(count), int(digits) * (unit or 1)
    raise ImproperlyConfigured(
        f"{name}={text!r} is not a rate: write COUNT/PERIOD, as in 30/15m (30 in 15 minutes), "
        "60/1m, 100/1h or 20/3600 (seconds), or off."
    )


def env_rate(name: str, default: str) -> tuple[int, int] | None:
    """Return a rate limit variable as (count, seconds), or None for ``off``."""
    return parse_rate(env_str(name, default) or default, name)
