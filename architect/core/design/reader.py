"""Walking a design document and collecting problems instead of stopping at the first."""

from __future__ import annotations

from typing import Any

from .model import Problem
from .names import _CONTROL, _CONTROL_EXCEPT_NEWLINE


class Reader:
    """Walks a document, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def obj(self, value: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...]):
        if not isinstance(value, dict):
            self.add(path, "must be an object")
            return None
        for key in value:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                self.add(where, f'unknown key "{key}"; expected one of {", ".join(allowed)}')
        for key in required:
            if key not in value:
                where = f"{path}.{key}" if path else key
                self.add(where, "is required")
        return value

    def boolean(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(path, "must be true or false")
            return default
        return value

    def integer(self, value: Any, path: str, default: int, low: int, high: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, "must be a whole number")
            return default
        if not low <= value <= high:
            self.add(path, f"must be between {low} and {high}")
            return default
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...], default: str | None):
        if value is None:
            return default
        if value not in choices:
            self.add(path, f"must be one of {', '.join(choices)}")
            return default
        return value

    def text(self, value: Any, path: str, limit: int, *, multiline: bool = False) -> str | None:
        if not isinstance(value, str):
            self.add(path, "must be a text string")
            return None
        bad = _CONTROL_EXCEPT_NEWLINE if multiline else _CONTROL
        if bad.search(value):
            self.add(path, "must not contain control characters")
            return None
        if len(value) > limit:
            self.add(path, f"must be at most {limit} characters")
            return None
        return value

    def checked(self, check, value: Any, path: str) -> str | None:
        try:
            return check(value)
        except ValueError as exc:
            shown = value if isinstance(value, str) and len(value) <= 80 else None
            prefix = f'"{_printable(shown)}" ' if shown is not None else ""
            self.add(path, f"{prefix}{exc}")
            return None

    def array(self, value: Any, path: str, limit: int) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, "must be a list")
            return []
        if len(value) > limit:
            self.add(path, f"has {len(value)} entries; at most {limit} are allowed")
            return []
        return value

    def unique(self, names: list[tuple[str | None, str]], what: str) -> None:
        seen: dict[str, str] = {}
        for name, path in names:
            if name is None:
                continue
            if name in seen:
                self.add(path, f'duplicate {what} "{name}" (also at {seen[name]})')
            else:
                seen[name] = path


def _printable(text: str) -> str:
    """Show user text inside an error message without control characters."""
    return _CONTROL.sub("?", text)
