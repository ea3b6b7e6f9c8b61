"""Editing one part of a design document: add, replace or remove an item, safely.

Pure functions on plain documents (dicts): they never validate, core.design.load does that
for the whole result. They keep references whole: renaming a network renames it in the hosts
and clients that sit on it, and removing something that others refer to is refused with the
names of those others.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from architect.core import design as core_design

LISTS = ("domains", "networks", "hosts", "clients", "providers")
SINGULAR = {
    "domains": "domain",
    "networks": "network",
    "hosts": "host",
    "clients": "client",
    "providers": "provider",
}

# Where each kind of name is referred to: (list, key, is the key a list of names).
REFERENCES = {
    "networks": (("hosts", "network", False), ("clients", "network", False)),
    "hosts": (("clients", "host", False), ("domains", "mailbox_host", False)),
    "domains": (
        ("domains", "alias_of", False),
        ("clients", "domain", False),
        ("providers", "domains", True),
    ),
    "providers": (("domains", "mailbox_host", False),),
    "clients": (),
}

_INDEX = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?")


def items(document: dict[str, Any], part: str) -> list[dict[str, Any]]:
    value = document.get(part)
    return value if isinstance(value, list) else []


def find(document: dict[str, Any], part: str, name: str) -> int | None:
    """The index of the item called ``name`` in ``part``, or None."""
    for i, item in enumerate(items(document, part)):
        if isinstance(item, dict) and item.get("name") == name:
            return i
    return None


# Keys of an item that its part form does not show, because another page edits them (the
# DKIM page sets a domain's key): an edit through the part form keeps them as they were.
KEPT_ON_EDIT = {"domains": ("dkim_selector", "dkim_public_key")}


def with_item(
    document: dict[str, Any], part: str, index: int | None, item: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """A copy of ``document`` with ``item`` added (index None) or put at ``index``.

    A rename is carried to every reference. Returns the new document and the item's index.
    """
    doc = copy.deepcopy(document)
    entries = doc.setdefault(part, [])
    if index is None:
        entries.append(item)
        return doc, len(entries) - 1
    old = entries[index]
    old_name = old.get("name")
    kept = {k: old[k] for k in KEPT_ON_EDIT.get(part, ()) if k in old and k not in item}
    entries[index] = {**item, **kept}
    new_name = item.get("name")
    if old_name and new_name and old_name != new_name:
        _rename(doc, part, old_name, new_name)
    return doc, index


def without_item(document: dict[str, Any], part: str, index: int) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    del doc[part][index]
    return doc


def dependents(document: dict[str, Any], part: str, name: str) -> list[str]:
    """What refers to ``name`` of ``part``, in words: ['host "mail.example.org"', ...]."""
    found = []
    for target, key, many in REFERENCES.get(part, ()):
        for item in items(document, target):
            if not isinstance(item, dict) or (target == part and item.get("name") == name):
                continue
            value = item.get(key)
            if value == name or (many and isinstance(value, list) and name in value):
                found.append(f'{SINGULAR[target]} "{item.get("name")}"')
    return found


def _rename(doc: dict[str, Any], part: str, old: str, new: str) -> None:
    for target, key, many in REFERENCES.get(part, ()):
        for item in items(doc, target):
            if not isinstance(item, dict):
                continue
            value = item.get(key)
            if many and isinstance(value, list):
                item[key] = [new if v == old else v for v in value]
            elif value == old:
                item[key] = new


def split_path(path: str) -> tuple[str, int, str] | None:
    """'hosts[3].addresses[1]' -> ('hosts', 3, 'addresses'); None for other paths."""
    m = _INDEX.match(path)
    if m is None:
        return None
    return m.group(1), int(m.group(2)), m.group(3) or ""


# -- the stored form of a document ----------------------------------------------------


def stored_form(design: core_design.Design) -> dict[str, Any]:
    """The document kept in the database: core's minimal dump (see ``dump_minimal``)."""
    return core_design.dump_minimal(design)
