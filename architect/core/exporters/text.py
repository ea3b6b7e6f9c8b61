"""Text helpers every exporter uses: one-line comments, wrapped comment lines,
and the plan's reasons for a decision as sentences."""

from __future__ import annotations

import functools
import textwrap
import unicodedata

from ..explain import sentence
from ..plan import HostPlan


def one_line(text: str, limit: int = 300) -> str:
    """``text`` made safe for a comment line: no line breaks or control characters.

    Design names and descriptions are free text. Inside a comment they are
    harmless as long as they cannot start a new line, so every control,
    format and separator character (newline, carriage return, U+2028 ...)
    becomes a space; the result is also bounded in length.
    """
    if text.isascii() and text.isprintable():
        # Printable ASCII has no control or separator character but the space: the
        # common case, without a look-up per character.
        cleaned = text
    else:
        cleaned = "".join(
            " " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in text
        )
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 3] + "..."
    return cleaned


def comment_lines(text: str, prefix: str = "# ", width: int = 78) -> list[str]:
    """``text`` as wrapped comment lines, each starting with ``prefix``."""
    return list(_comment_lines(text, prefix, width))


@functools.lru_cache(maxsize=4096)
def _comment_lines(text: str, prefix: str, width: int) -> tuple[str, ...]:
    # Remembered: thousands of hosts of one design carry the same explanations, and
    # wrapping them again for each host was most of the time of writing their files.
    body = one_line(text, limit=2000)
    if not body:
        return (prefix.rstrip(),)
    # Names and paths stay whole: no break at a hyphen or inside a long word.
    lines = textwrap.wrap(body, width - len(prefix), break_on_hyphens=False, break_long_words=False)
    return tuple(prefix + line for line in lines)


def reasons(host: HostPlan, subject: str) -> list[str]:
    """The plan's reasons for ``subject`` on this host (a role, "relayhost" ...), as sentences."""
    return [sentence(r.why) for r in host.reasons if r.subject == subject]
