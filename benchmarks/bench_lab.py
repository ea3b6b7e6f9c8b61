"""How long the lab takes for each example design: building, checking, in all.

Run as root: .venv/bin/python benchmarks/bench_lab.py. The target is under 60 s a design
on two cores.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from architect import examples  # noqa: E402
from architect.lab import world  # noqa: E402
from architect.lab.checks import Checks  # noqa: E402


def main() -> int:
    print(f"{'design':<18} {'hosts':>5} {'build s':>8} {'checks s':>9} {'total s':>8} result")
    worst = 0.0
    for slug in examples.slugs():
        folder = Path(tempfile.mkdtemp(prefix="mail-architect-lab-", dir="/tmp"))
        start = time.perf_counter()
        lab = world.build(examples.load(slug), folder)
        built = time.perf_counter()
        try:
            results = list(Checks(lab).run())
        finally:
            lab.stop()
            world.remove(folder)
        done = time.perf_counter()
        passed = sum(r.ok for r in results)
        worst = max(worst, done - start)
        print(
            f"{slug:<18} {len(lab.hosts):>5} {built - start:>8.1f} {done - built:>9.1f} "
            f"{done - start:>8.1f} {passed}/{len(results)} passed"
        )
    print(f"slowest design: {worst:.1f} s (target: under 60 s), {worst / 60:.2f} of the target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
