"""Planner benchmark: plan time for designs of 10, 100, 1,000 and 2,000 hosts.

Run: .venv/bin/python benchmarks/bench_planner.py
Prints the median plan time of several runs per size and the ratio to the
previous size. Target: 2,000 hosts in under 200 ms on one core, and time
growing no faster than the host count (ratio per 10x hosts near 10, not 100).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from architect.core import design as model  # noqa: E402
from architect.core.planner import plan  # noqa: E402


def organisation(hosts: int) -> model.Design:
    """A realistic large organisation: sites with a gateway, stores and many null clients."""
    sites = max(1, hosts // 50)
    doc = {
        "format": "mail-design",
        "version": 1,
        "name": f"Benchmark {hosts}",
        "domains": [{"name": f"site{s}.example.org"} for s in range(sites)],
        "networks": [{"name": "roaming", "zone": "remote"}],
        "hosts": [],
        "clients": [],
        "policy": {"backup_mx": True, "reports_to": "dmarc@site0.example.org"},
    }
    made = 0
    for s in range(sites):
        doc["networks"].append(
            {"name": f"dmz{s}", "zone": "dmz", "cidrs": [f"203.0.{s % 250}.0/28"]}
        )
        doc["networks"].append(
            {"name": f"lan{s}", "zone": "internal", "cidrs": [f"10.{s % 250}.0.0/16"]}
        )
        domain = f"site{s}.example.org"
        doc["domains"][s]["mailbox_host"] = f"store.{domain}"
        for name, network, extra in (
            (f"gw.{domain}", f"dmz{s}", {"services": ["filtering", "submission"]}),
            (f"gw2.{domain}", f"dmz{s}", {"services": ["filtering"]}),
            (f"store.{domain}", f"lan{s}", {"stores_mailboxes": True, "services": ["imap"]}),
        ):
            if made < hosts:
                doc["hosts"].append({"name": name, "network": network, **extra})
                made += 1
        n = 0
        while made < hosts and n < 47:
            doc["hosts"].append({"name": f"ws{n}.{domain}", "network": f"lan{s}"})
            made += 1
            n += 1
        doc["clients"].append(
            {
                "name": f"staff{s}",
                "kind": "desktop",
                "count": 100,
                "network": f"lan{s}",
                "domain": domain,
            }
        )
        doc["clients"].append(
            {
                "name": f"phones{s}",
                "kind": "mobile",
                "count": 50,
                "network": "roaming",
                "domain": domain,
            }
        )
    return model.load(doc)


def median_ms(design: model.Design, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        plan(design)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    previous = None
    print(f"{'hosts':>6} {'plan ms':>9} {'ratio':>7}")
    for size in (10, 100, 1000, 2000):
        design = organisation(size)
        ms = median_ms(design, runs=7 if size <= 1000 else 5)
        ratio = f"{ms / previous:.1f}x" if previous else "-"
        print(f"{size:>6} {ms:>9.1f} {ratio:>7}")
        previous = ms


if __name__ == "__main__":
    main()
