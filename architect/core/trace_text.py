"""A trace as the contract's JSON document (CONTRACT §3), and as text for a terminal."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .trace import Trace


def to_dict(t: Trace) -> dict:
    return {
        "from": t.sender,
        "to": t.recipient,
        "outcome": t.outcome,
        "ok": t.ok,
        "hops": [
            {
                "from": h.source,
                "to": h.target,
                "protocol": h.protocol,
                "port": h.port,
                "action": h.action,
                "why": h.why,
            }
            for h in t.hops
        ],
    }


def dumps(t: Trace) -> str:
    return json.dumps(to_dict(t), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def to_text(t: Trace) -> str:
    lines = [f"Trace: {t.sender} -> {t.recipient}"]
    for i, h in enumerate(t.hops, 1):
        port = f" port {h.port}" if h.port else ""
        lines.append(f"{i}. {h.source} -> {h.target}: {h.action} ({h.protocol}{port})")
        lines.append(f"   {h.why}")
    lines.append(f"Outcome: {t.outcome}")
    return "\n".join(lines) + "\n"
