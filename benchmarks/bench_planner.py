"""Planner benchmark: plan time for designs of 10 to 10,000 hosts.

Run: .venv/bin/python benchmarks/bench_planner.py
Prints the best CPU and wall-clock plan time of several runs per size (the machine is
shared: CPU time is the planner's own work, the best run the least disturbed), the ratio
of CPU time to the previous size's and the ratio of time per host (1.0 is linear).
Target: 10,000 hosts in under 1 s, and doubling the hosts costing about twice the time.

The organisation is one edge (two filtering gateways with public addresses, which are every
domain's MX and send to the internet) and one site per 50 hosts, each with its own domain,
mailbox store and null clients. Its plan grows with the hosts: a fixed number of MX records,
SPF terms and flows per domain. ``--per-site-gateways`` also times the older shape, where
each site has two gateways of its own: there every gateway can reach every store, so each
domain lists every gateway as an MX, and the plan itself (MX records, DNS records) grows
with the square of the sites; its output size is printed beside the time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from architect.core import design as model  # noqa: E402
from architect.core.planner import plan  # noqa: E402

SIZES = (10, 100, 1000, 2000, 5000, 10000)


def edge_organisation(hosts: int) -> model.Design:
    """One edge of two gateways in front of many sites, each a store and null clients."""
    sites = max(1, hosts // 50)
    doc = {
        "format": "mail-design",
        "version": 1,
        "name": f"Benchmark {hosts}",
        "domains": [{"name": f"site{s}.example.org"} for s in range(sites)],
        "networks": [
            {"name": "roaming", "zone": "remote"},
            {"name": "edge", "zone": "dmz", "cidrs": ["203.0.113.0/28"]},
        ],
        "hosts": [
            {
                "name": f"gw{g}.example.org",
                "network": "edge",
                "addresses": [f"203.0.113.{g + 1}"],
                "services": ["filtering", "submission"],
            }
            for g in range(min(2, hosts))
        ],
        "clients": [],
        "policy": {"backup_mx": True, "reports_to": "dmarc@site0.example.org"},
    }
    made = len(doc["hosts"])
    for s in range(sites):
        domain = f"site{s}.example.org"
        doc["networks"].append(
            {"name": f"lan{s}", "zone": "internal", "cidrs": [f"10.{s % 250}.{s // 250}.0/24"]}
        )
        doc["domains"][s]["mailbox_host"] = f"store.{domain}"
        n = 0
        while made < hosts and n < 50:
            name = f"store.{domain}" if n == 0 else f"ws{n}.{domain}"
            extra = {"stores_mailboxes": True, "services": ["imap"]} if n == 0 else {}
            doc["hosts"].append({"name": name, "network": f"lan{s}", **extra})
            made += 1
            n += 1
        doc["clients"] += _site_clients(s, domain)
    return _load(doc, hosts)


def _site_clients(s: int, domain: str) -> list[dict]:
    return [
        {
            "name": f"staff{s}",
            "kind": "desktop",
            "count": 100,
            "network": f"lan{s}",
            "domain": domain,
        },
        {
            "name": f"phones{s}",
            "kind": "mobile",
            "count": 50,
            "network": "roaming",
            "domain": domain,
        },
    ]


def _load(doc: dict, hosts: int) -> model.Design:
    # The benchmark may go past the documented host limit when that is lower than its sizes.
    saved = model.LIMITS["hosts"]
    model.LIMITS["hosts"] = max(saved, hosts)
    try:
        return model.load(doc)
    finally:
        model.LIMITS["hosts"] = saved


def organisation(hosts: int) -> model.Design:
    """Sites with two gateways of their own each, a store and many null clients.

    tests/designs/test_output_stable.py pins the plan of ``organisation(120)``.
    """
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
        doc["clients"] += _site_clients(s, domain)
    return _load(doc, hosts)


def best_ms(design: model.Design, runs: int) -> tuple[float, float]:
    """The best CPU time and the best wall-clock time of ``runs`` plans, in ms.

    Planning runs on one thread, so the process's CPU time is the planner's work; on a
    machine that others share, wall-clock time also counts the waits for a core.
    """
    cpu, wall = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        plan(design)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return min(cpu), min(wall)


def table(make, sizes, show_output: bool = False) -> None:
    previous = None
    head = f"{'hosts':>6} {'cpu ms':>9} {'wall ms':>9} {'ratio':>7} {'per host':>9}"
    print(head + (f" {'MX':>7} {'DNS':>7} {'findings':>8}" if show_output else ""))
    for size in sizes:
        design = make(size)
        ms, wall = best_ms(design, runs=7 if size <= 1000 else 5)
        ratio = per_host = "-"
        if previous:
            ratio = f"{ms / previous[1]:.1f}x"
            per_host = f"{(ms / size) / (previous[1] / previous[0]):.2f}"
        line = f"{size:>6} {ms:>9.1f} {wall:>9.1f} {ratio:>7} {per_host:>9}"
        if show_output:
            p = plan(design)
            mx = sum(len(records) for _, records in p.mx)
            line += f" {mx:>7} {len(p.dns):>7} {len(p.findings):>8}"
        print(line, flush=True)
        previous = (size, ms)


def main() -> None:
    print("One edge, one site per 50 hosts:")
    table(edge_organisation, SIZES, show_output=True)
    if "--per-site-gateways" in sys.argv:
        print("Two gateways per site (the plan grows with the square of the sites):")
        table(organisation, SIZES[:-1], show_output=True)


if __name__ == "__main__":
    main()
