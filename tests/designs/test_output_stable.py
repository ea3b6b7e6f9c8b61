"""The plan and the exported files of known designs do not change when code is made faster.

The expectations (``output_expected.json``) are SHA-256 digests of plan.json, the DOT source
and the Postfix, sendmail, Dovecot and zone files of every example and of scaled-down copies
of the size-limit designs (benchmarks/bench_limits.py), written by the code before issue 15's
performance work. A change that is meant to alter the output rewrites them:

    .venv/bin/python tests/designs/test_output_stable.py --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from architect import examples  # noqa: E402
from architect.core import design as model  # noqa: E402
from architect.core import diagram  # noqa: E402
from architect.core import plan as plan_model  # noqa: E402
from architect.core.exporters import bundle  # noqa: E402
from architect.core.planner import plan  # noqa: E402
from benchmarks.bench_limits import full_document, wide_document  # noqa: E402
from benchmarks.bench_planner import organisation  # noqa: E402

EXPECTED = Path(__file__).with_name("output_expected.json")
# Files whose bytes follow from the plan alone; the README and install steps are left out
# on purpose, since other work adds to them.
CHECKED = ("postfix/", "sendmail/", "dovecot/", "dns/", "design.json")
SMALL_LIMITS = {
    "domains": 20,
    "networks": 12,
    "hosts": 60,
    "clients": 80,
    "providers": 6,
    "users": 400,
    "cidrs_per_network": 8,
    "addresses_per_host": 3,
}


def designs() -> dict[str, model.Design]:
    out = {f"example:{slug}": examples.load(slug) for slug in examples.slugs()}
    out["wide"] = model.load(wide_document(lans=20, hosts=30))
    out["full"] = model.load(full_document(SMALL_LIMITS))
    out["organisation"] = organisation(120)
    return out


def digests(design: model.Design) -> dict[str, str]:
    planned = plan(design)
    files = bundle(design, planned)
    texts = {"plan.json": plan_model.dumps(planned), "diagram.dot": diagram.dot_source(planned)}
    texts.update({p: t for p, t in files.items() if p.startswith(CHECKED)})
    return {p: hashlib.sha256(t.encode()).hexdigest() for p, t in sorted(texts.items())}


@pytest.mark.parametrize("name", sorted(json.loads(EXPECTED.read_text())))
def test_it_keeps_the_plan_and_files_byte_for_byte(name):
    expected = json.loads(EXPECTED.read_text())[name]

    got = digests(designs()[name])

    changed = sorted(p for p in expected.keys() | got.keys() if expected.get(p) != got.get(p))
    assert not changed, f"{name}: these outputs changed: {changed}"


if __name__ == "__main__" and "--write" in sys.argv:
    EXPECTED.write_text(
        json.dumps({n: digests(d) for n, d in designs().items()}, indent=1, sort_keys=True) + "\n"
    )
