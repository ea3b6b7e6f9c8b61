"""plan.dumps writes exactly the bytes of the standard library's indented JSON."""

from __future__ import annotations

import json

import pytest

from architect import examples
from architect.core import design as model
from architect.core import plan as plan_model
from architect.core import plan_json
from architect.core.planner import plan
from benchmarks.bench_limits import wide_document


def _standard(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("slug", examples.slugs())
def test_it_writes_the_standard_bytes_for_every_example(slug):
    planned = plan(examples.load(slug))

    assert plan_model.dumps(planned) == _standard(plan_model.to_dict(planned))


def test_it_writes_the_standard_bytes_for_a_wide_design():
    planned = plan(model.load(wide_document(lans=30, hosts=12)))

    assert plan_model.dumps(planned) == _standard(plan_model.to_dict(planned))


def test_text_that_needs_escaping_and_empty_containers_come_out_the_same():
    data = {
        "z": ['é "quoted" \\ back', "tab\tnew\nline \x01 \u2028", [], {}, [[]], [{}]],
        "a": {"b": None, "c": True, "d": False, "e": 0, "f": -12, "g": (1, "x")},
        "ünïcode": "☃",
    }

    assert plan_json._indented(data, "\n") + "\n" == _standard(data)


def test_anything_unusual_is_left_to_the_standard_encoder():
    with pytest.raises(plan_json._Unusual):
        plan_json._indented({1: "a number as a key"}, "\n")
    with pytest.raises(plan_json._Unusual):
        plan_json._indented({"x": 1.5}, "\n")
