"""Loading a design document: every problem collected with its JSON path."""

from __future__ import annotations

import json
from typing import Any

from .. import dkim
from .clients import _clients, _policy, _providers
from .model import FORMAT, LIMITS, SERVICES, VERSION, Design, DesignError, Problem
from .names import _SURROGATE
from .parts import _domain_name, _domains, _hosts, _networks
from .reader import Reader


def max_document_bytes() -> int:
    """An upper bound of ``dumps`` of any design within LIMITS, in bytes.

    Each part is counted at its largest: every name at its longest, every list full,
    each item's keys and the two-space indent of ``dumps``; the import limit is this
    bound, so a design file that export wrote is never refused for its size.
    """
    lim = LIMITS
    name, slug_, ip, block = 253 + 8, 63 + 8, 39 + 8, 43 + 8
    # keys, the name, mailbox_host, alias_of, an empty users, and a DKIM selector and key
    domain = 400 + 3 * name + 8 + 200 + dkim.MAX_RECORD
    network = 200 + slug_ + lim["cidrs_per_network"] * block
    host = 600 + name + slug_ + lim["addresses_per_host"] * ip + len(SERVICES) * 20
    client = 600 + slug_ + 2 * name + slug_
    provider = 400 + slug_ + 2 * name + lim["domains"] * name
    user = 64 + 12  # a local part is ASCII, at most 64 characters
    return (
        10_000
        + 6 * (lim["name_chars"] + lim["description_chars"])
        + lim["domains"] * domain
        + lim["users"] * user
        + lim["networks"] * network
        + lim["hosts"] * host
        + lim["clients"] * client
        + lim["providers"] * provider
    )


LIMITS["json_bytes"] = max_document_bytes()


def _surrogates(data: Any, path: str, problems: list[Problem]) -> None:
    """A problem for every key or string of ``data`` holding a lone UTF-16 surrogate."""
    try:
        # One pass of the C encoder and of the pattern over the text, where walking every
        # string of a design at the limits took half a second; the walk below only runs
        # to name the paths when there is something to name.
        if not _SURROGATE.search(json.dumps(data, ensure_ascii=False)):
            return
    except (TypeError, ValueError, RecursionError):
        pass  # not JSON data: the walk and the checks after it say what is wrong
    stack = [(data, path)]
    while stack and len(problems) < LIMITS["errors_reported"]:
        value, where = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                problems.append(Problem(where, _SURROGATE_MESSAGE))
        elif isinstance(value, dict):
            items = []
            for key, item in value.items():
                inner = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and _SURROGATE.search(key):
                    shown = _SURROGATE.sub("?", key)
                    problems.append(
                        Problem(f"{where}.{shown}" if where else shown, _SURROGATE_MESSAGE)
                    )
                    continue
                items.append((item, inner))
            stack.extend(reversed(items))
        elif isinstance(value, list):
            stack.extend(reversed([(item, f"{where}[{i}]") for i, item in enumerate(value)]))


_SURROGATE_MESSAGE = (
    "holds a lone UTF-16 surrogate (such as \\ud800), which is not a character and cannot be "
    "stored or written as UTF-8; remove it"
)


def loads(text: str | bytes) -> Design:
    """Parse design JSON text and ``load`` it."""
    if isinstance(text, bytes):
        if len(text) > LIMITS["json_bytes"]:
            raise DesignError([Problem("", f"file is larger than {LIMITS['json_bytes']} bytes")])
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise DesignError([Problem("", "file is not UTF-8 text")]) from None
    if len(text) > LIMITS["json_bytes"]:
        raise DesignError([Problem("", f"file is larger than {LIMITS['json_bytes']} bytes")])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DesignError(
            [
                Problem(
                    "",
                    f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                )
            ]
        ) from None
    except RecursionError:
        raise DesignError([Problem("", "not valid JSON: nested too deeply")]) from None
    return load(data)


TOP_KEYS = (
    "format",
    "version",
    "name",
    "description",
    "domains",
    "networks",
    "hosts",
    "clients",
    "providers",
    "policy",
)
TOP_REQUIRED = ("format", "version", "name", "domains", "networks")


def load(data: Any) -> Design:
    """Validate a design document completely and return it as a ``Design``.

    Raises ``DesignError`` listing every problem; never anything else.
    """
    r = Reader()
    _surrogates(data, "", r.problems)
    if r.problems:
        # Checked first and alone: every other message would quote the broken text.
        raise DesignError(r.problems)
    top = r.obj(data, "", TOP_KEYS, TOP_REQUIRED)
    if top is None:
        raise DesignError(r.problems)
    name, description = _head(r, top)
    networks = _networks(r, top.get("networks"))
    network_zone = {n.name: n.zone for n in networks}
    domains_raw = r.array(top.get("domains"), "domains", LIMITS["domains"])
    if "domains" in top and isinstance(top.get("domains"), list) and not domains_raw:
        r.add("domains", "must list at least one domain")
    if "networks" in top and isinstance(top.get("networks"), list) and not networks:
        if not r.problems or all(not p.path.startswith("networks[") for p in r.problems):
            r.add("networks", "must list at least one network")
    domain_names = [_domain_name(r, d, f"domains[{i}]") for i, d in enumerate(domains_raw)]
    hosts = _hosts(r, top.get("hosts"), network_zone)
    providers = _providers(r, top.get("providers"), domain_names)
    host_names = {h.name for h in hosts}
    provider_names = {p.name for p in providers}
    domains = _domains(r, domains_raw, domain_names, host_names, provider_names)
    first_domain = next((d for d in domain_names if d), "")
    clients = _clients(r, top.get("clients"), network_zone, host_names, domain_names, first_domain)
    policy = _policy(r, top.get("policy"))
    for client in clients:
        if client.name in provider_names:
            r.add(
                "clients",
                f'client and provider share the name "{client.name}"; '
                "flows name both, so names must differ",
            )
    if r.problems:
        limit = LIMITS["errors_reported"]
        problems = r.problems[:limit]
        if len(r.problems) > limit:
            problems.append(Problem("", f"... and {len(r.problems) - limit} more problems"))
        raise DesignError(problems)
    return Design(
        name=name or "",
        description=description,
        domains=tuple(domains),
        networks=tuple(networks),
        hosts=tuple(hosts),
        clients=tuple(clients),
        providers=tuple(providers),
        policy=policy,
    )


def _head(r: Reader, top: dict) -> tuple[str | None, str]:
    """format, version, name and description."""
    if "format" in top and top["format"] != FORMAT:
        r.add("format", f'must be "{FORMAT}"')
    if "version" in top and (top["version"] != VERSION or isinstance(top["version"], bool)):
        r.add("version", f"must be {VERSION}")
    name = r.text(top.get("name", ""), "name", LIMITS["name_chars"]) if "name" in top else None
    if name is not None and not name.strip():
        r.add("name", "must not be empty")
    description = ""
    if top.get("description") is not None:
        description = (
            r.text(top["description"], "description", LIMITS["description_chars"], multiline=True)
            or ""
        )
    return name, description
