"""Markdown escaping for the README, and the code blocks every install step shares."""

from __future__ import annotations

import re

from ..deploy import Install

# The zone files' one_line rather than text.one_line, which also cuts text at 300
# characters: the README shows a plan's reason (the web host's, say) whole.
from ..zone_syntax import one_line

_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^([-+=#])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


def md(text: str) -> str:
    """Free text as inline Markdown that shows exactly what was typed.

    Line breaks become spaces; ``<``, ``>`` and ``&`` become entities, so no
    HTML gets through; the characters that make emphasis, code, links or
    table cells are backslash-escaped, and so is anything at the start that
    would read as a heading, list item or rule.
    """
    text = one_line(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_LINE_START.sub(r"\\\1", text)
    return _MD_ORDERED.sub(r"\1\\\2", text)


def code(text: str) -> str:
    """A name or command as a code span; anything that could end the span is escaped instead."""
    if "`" in text or "\n" in text or "<" in text:
        return md(text)
    return f"`{text}`"


def blockquote(text: str) -> list[str]:
    """Free text of several lines as a Markdown quote, each line escaped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [("> " + md(line)).rstrip() for line in lines]


def packages(step: Install) -> list[str]:
    """The apt-get line of an install step, or nothing when it needs no package."""
    if not step.packages:
        return []
    return [
        "Install the packages:",
        "",
        "```sh",
        "apt-get install --no-install-recommends " + " ".join(step.packages),
        "```",
        "",
    ]


def accounts(step: Install) -> list[str]:
    """The commands that create the system account owning the mailboxes, if any."""
    if not step.accounts:
        return []
    return [
        "Create the system account that owns the mailboxes, with the uid and gid the",
        "configuration names (the commands do nothing when it exists):",
        "",
        "```sh",
        *step.accounts,
        "```",
        "",
    ]


def copies(step: Install) -> list[str]:
    """One list item per file: where it goes, and its mode and group when not 0644."""
    out = []
    for c in step.copies:
        line = f"- {code(c.source)} to {code(c.target)}"
        if c.mode != "0644":
            line += f" (mode {c.mode}, group {code(c.group)})"
        out.append(line)
    return out
