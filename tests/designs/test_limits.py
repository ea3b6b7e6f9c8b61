"""Designs at the size limits stay linear: each piece of work is done once, not per host.

Timings are printed by benchmarks/bench_limits.py; these tests count work instead, so
that they cannot fail on a slow machine and do fail when a quadratic loop comes back.
"""

from __future__ import annotations

import ipaddress

from architect.core import design as model
from architect.core.exporters import bundle
from architect.core.planner import plan
from benchmarks.bench_limits import wide_document


def test_it_parses_each_trusted_block_a_bounded_number_of_times(monkeypatch):
    # 20 networks of 64 blocks, all trusted by the hub; 29 hosts relay through it.
    design = model.load(wide_document(lans=20, hosts=30))
    planned = plan(design)
    blocks = 20 * model.LIMITS["cidrs_per_network"]
    model.network.cache_clear()
    calls = 0
    real = ipaddress.ip_network

    def counting(*args, **kwargs):
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(ipaddress, "ip_network", counting)

    files = bundle(design, planned)

    assert "mynetworks" in files["postfix/mailhub.example.org/main.cf"]
    # Once per block for the hub's own files, not once per block for every host.
    assert calls < 4 * blocks, calls
