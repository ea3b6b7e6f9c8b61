"""How long a diagram takes: DOT build, `dot` render, and a cached request.

Not a test: run it by hand and copy the figures into docs/diagrams.md.

    .venv/bin/python benchmarks/bench_diagram.py [SIZE ...]

For each size (default 10, 100 and 1,000 hosts) it generates a design with
several networks, a DMZ with filtering gateways, mailbox stores, a hub, many
null clients and clients of every kind, plans it, and times:

- build: ``diagram.dot_source(plan)`` (pure Python);
- render: ``diagram.render(source, "svg")`` (the `dot` program);
- cached: ``diagram_cache.render_cached(source, "svg")`` once the diagram is
  in the cache: hash the DOT source, read the cache. Django is configured
  with nothing but its local-memory cache (the default of the app).

The cached figure leaves out building the DOT source, which a page does on
every request (it is the cache key): a page view costs build + cached.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings  # noqa: E402

settings.configure(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})

from architect.core import diagram  # noqa: E402
from architect.core.design import load  # noqa: E402
from architect.core.planner import plan as make_plan  # noqa: E402
from architect.web.diagram_cache import render_cached  # noqa: E402

SIZES = (10, 100, 1000)
REPEAT = 3


def make_design(hosts: int) -> dict:
    """A design with about ``hosts`` hosts, shaped like a campus or a company."""
    departments = max(1, hosts // 40)
    stores = max(1, hosts // 200)
    domains = [{"name": "example.org", "mailbox_host": "store1.example.org"}]
    domains += [
        {"name": f"dept{d}.example.org", "mailbox_host": f"store{d % stores + 1}.example.org"}
        for d in range(1, min(departments, 20) + 1)
    ]
    networks = [
        {"name": "edge", "zone": "dmz", "cidrs": ["198.51.100.0/26"]},
        {"name": "core", "zone": "internal", "cidrs": ["10.0.0.0/24"]},
        {"name": "roaming", "zone": "remote"},
    ]
    networks += [
        {"name": f"dept{d}", "zone": "internal", "cidrs": [f"10.{d // 250 + 1}.{d % 250}.0/24"]}
        for d in range(1, departments + 1)
    ]
    host_list = [
        {
            "name": f"gw{i}.example.org",
            "network": "edge",
            "addresses": [f"198.51.100.{i + 1}"],
            "services": ["filtering", "submission"],
        }
        for i in (1, 2)
    ]
    host_list += [
        {
            "name": f"store{i}.example.org",
            "network": "core",
            "addresses": [f"10.0.0.{i + 10}"],
            "stores_mailboxes": True,
            "services": ["imap"],
        }
        for i in range(1, stores + 1)
    ]
    clients = [{"name": "roamers", "kind": "mobile", "count": 50, "network": "roaming"}]
    remaining = hosts - len(host_list)
    per_dept = max(1, remaining // departments)
    for d in range(1, departments + 1):
        for i in range(per_dept if d < departments else remaining - per_dept * (departments - 1)):
            host = {
                "name": f"ws{i}.dept{d}.example.org",
                "network": f"dept{d}",
                "addresses": [f"10.{d // 250 + 1}.{d % 250}.{i % 250 + 2}"],
            }
            if i == 0:
                host["shell_users"] = True
                clients.append(
                    {
                        "name": f"dept{d}-shell",
                        "kind": "terminal",
                        "count": 25,
                        "host": host["name"],
                        "reads": "imap",
                    }
                )
            host_list.append(host)
        clients.append(
            {"name": f"dept{d}-desktops", "kind": "desktop", "count": 30, "network": f"dept{d}"}
        )
        clients.append(
            {
                "name": f"dept{d}-printers",
                "kind": "device",
                "count": 3,
                "network": f"dept{d}",
                "can_authenticate": False,
            }
        )
    return {
        "format": "mail-design",
        "version": 1,
        "name": f"Benchmark campus, {hosts} hosts",
        "domains": domains,
        "networks": networks,
        "hosts": host_list[:hosts],
        "clients": clients,
        "policy": {"reports_to": "postmaster@example.org"},
    }


def best(fn, repeat: int = REPEAT) -> tuple[float, object]:
    """The fastest of ``repeat`` runs, in seconds, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(sizes: list[int]) -> None:
    print(
        f"{'hosts':>6} {'nodes':>6} {'mode':>8} {'build':>9} {'render':>9} {'cached':>9}"
        f" {'render/build':>13} {'render/cached':>14}"
    )
    for size in sizes:
        plan = make_plan(load(make_design(size)))
        build_s, source = best(lambda plan=plan: diagram.dot_source(plan))
        render_s, _ = best(lambda source=source: diagram.render(source, "svg", timeout=60))
        render_cached(source, "svg")  # the first request fills the cache
        samples = []
        for _ in range(200):
            start = time.perf_counter()
            render_cached(source, "svg")
            samples.append(time.perf_counter() - start)
        cached_s = statistics.median(samples)
        nodes = len(re.findall(r"^\s*n\d+ \[", source, flags=re.M))
        mode = "summary" if "summarised" in source else "detailed"
        print(
            f"{len(plan.hosts):>6} {nodes:>6} {mode:>8} {build_s * 1000:>7.1f}ms "
            f"{render_s * 1000:>7.1f}ms {cached_s * 1e6:>7.1f}µs "
            f"{render_s / build_s:>12.1f}x {render_s / cached_s:>13.0f}x"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or list(SIZES))
