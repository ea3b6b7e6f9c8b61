"""The result of a check: rows, a summary line, and its JSON and text forms."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

STATUSES = ("match", "differ", "missing", "not_checked")
MARKS = {"match": "✓", "differ": "✗", "missing": "✗", "not_checked": "?"}
WORDS = {"match": "OK", "differ": "differ", "missing": "missing", "not_checked": "not checked"}
FORMAT = "mail-live-check"
# Probe text shown on pages and stored is cut to this: a hostile server cannot fill either.
MAX_TEXT = 500


def clip(text: str) -> str:
    """Printable text of bounded length from anything a probe received."""
    text = "".join(c if c.isprintable() else " " for c in str(text))
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


@dataclass(frozen=True)
class Row:
    """One record or probe: what the plan says, what was found, and the verdict."""

    kind: str  # record | spf | dkim | smtp | mta-sts
    name: str  # the DNS name or host
    type: str  # the record type, or the probe ("SMTP", "SPF evaluation", ...)
    status: str  # one of STATUSES
    planned: str = ""
    found: str = ""
    detail: str = ""
    why: str = ""  # the plan's reason for the record
    learn: str = ""  # the tutorial section

    def __post_init__(self) -> None:
        assert self.status in STATUSES, self.status
        for f in ("found", "detail"):
            object.__setattr__(self, f, clip(getattr(self, f)))

    @property
    def key(self) -> str:
        """Identifies the row across checks, to say what changed since the last one."""
        return f"{self.kind}|{self.name}|{self.type}"

    @property
    def mark(self) -> str:
        return MARKS[self.status]


@dataclass(frozen=True)
class Report:
    design: str
    checked_at: str  # ISO 8601, UTC
    resolver: str
    seconds: float
    rows: tuple[Row, ...] = field(default_factory=tuple)

    def counts(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.rows) for s in STATUSES}

    def summary(self) -> str:
        """ "14 OK, 2 differ, 1 missing, 3 not checked": zero counts left out, OK always."""
        counts = self.counts()
        parts = [f"{counts['match']} OK"]
        parts += [f"{counts[s]} {WORDS[s]}" for s in STATUSES[1:] if counts[s]]
        return ", ".join(parts)

    @property
    def exit_code(self) -> int:
        """0 when nothing differs or is missing (not checked is not a failure), else 1."""
        counts = self.counts()
        return 1 if counts["differ"] or counts["missing"] else 0

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "version": 1,
            "design": self.design,
            "checked_at": self.checked_at,
            "resolver": self.resolver,
            "seconds": round(self.seconds, 3),
            "summary": self.summary(),
            "counts": self.counts(),
            "rows": [asdict(r) for r in self.rows],
        }

    def to_text(self) -> str:
        lines = []
        for r in self.rows:
            line = f"{r.mark} {WORDS[r.status]:<11} {r.type:<16} {r.name}"
            if r.status == "differ" and r.found:
                line += f"  found: {r.found}"
            if r.detail:
                line += f"  ({r.detail})"
            lines.append(line)
        lines.append(self.summary())
        return "\n".join(lines) + "\n"


def from_dict(data: dict) -> Report:
    """A stored report back (the web app keeps ``to_dict``)."""
    rows = tuple(Row(**r) for r in data.get("rows", ()))
    return Report(
        data.get("design", ""),
        data.get("checked_at", ""),
        data.get("resolver", ""),
        float(data.get("seconds", 0)),
        rows,
    )


def with_(row: Row, **changes) -> Row:
    """The row with some fields changed."""
    return replace(row, **changes)
