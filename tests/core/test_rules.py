"""The rule catalogue (core/rules/), tested rule by rule from the registry itself.

Every rule fires on its example design and stays silent on its counter-example; every
rule carries the text its catalogue page shows; every code a planner stage records is a
registered rule with the same severity and link. A new rule without an example, an
explanation or its registration fails here.

That the registry changed no plan is shown by tests/designs/test_output_stable.py: it
pins the plan.json digest of every example design, written before the rules existed.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from architect.core import design as model
from architect.core import learn, rules
from architect.core.planner import plan

BASE = Path(__file__).resolve().parents[2]
CORE = BASE / "architect" / "core"
RULES = rules.all_rules()
CODES = [r.code for r in RULES]


def codes_of(document: dict) -> set[str]:
    return {f.code for f in plan(model.load(document)).findings}


# -- each rule on its own designs ----------------------------------------------------------


@pytest.mark.parametrize("rule", [r for r in RULES if not r.unreachable], ids=lambda r: r.code)
def test_it_fires_on_its_example(rule):
    assert rule.example is not None, f"{rule.code} has no example and says of no reason why"
    assert rule.code in codes_of(rule.example)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_it_stays_silent_on_its_counter_example(rule):
    assert rule.counter_example is not None, f"{rule.code} has no counter-example"
    assert rule.code not in codes_of(rule.counter_example)


# A rule no valid design reaches has no example to plan (test_a_rule_without_an_example_says_why).
@pytest.mark.parametrize("rule", [r for r in RULES if r.example], ids=lambda r: r.code)
def test_its_findings_carry_its_severity_and_link(rule):
    found = [f for f in plan(model.load(rule.example)).findings if f.code == rule.code]
    assert {f.severity for f in found} == {rule.severity}
    assert {f.learn for f in found} <= {rule.learn, *rule.learn_also}


def test_a_rule_without_an_example_says_why():
    for rule in RULES:
        assert (rule.example is None) == bool(rule.unreachable), rule.code


# -- the text of each rule -----------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_it_is_explained_with_its_sources_and_a_fix(rule):
    assert len(rule.title) > 10 and not rule.title.endswith(".")
    # One paragraph: full sentences, no line breaks.
    for text, least in ((rule.explanation, 150), (rule.fix, 40)):
        assert len(text) > least and text.endswith(".") and "\n" not in text, rule.code
    assert rule.sources, f"{rule.code} names no source"
    assert all(s.url.startswith("https://") and s.label for s in rule.sources)
    assert rule.learn in learn.all_links()
    assert set(rule.learn_also) <= set(learn.all_links())


def test_codes_are_kebab_case_and_unique():
    assert len(CODES) == len(set(CODES))
    for code in CODES:
        assert code == code.lower() and code.replace("-", "").isalnum(), code


# -- the planner records no finding the registry does not have -----------------------------


def _recorded() -> list[tuple[str, str, str, str | None]]:
    """(module, code, severity, link or None) of every ctx.find call in core/."""
    out = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        constants = {
            t.id: n.value
            for n in tree.body
            if isinstance(n, ast.Assign)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "find"):
                continue
            if len(node.args) != 5 or not isinstance(node.args[1], ast.Constant):
                continue
            severity, code = node.args[0].value, node.args[1].value
            link = node.args[4]
            link = constants.get(link.id, link) if isinstance(link, ast.Name) else link
            target = None
            if isinstance(link, ast.Call) and all(isinstance(a, ast.Constant) for a in link.args):
                target = learn.learn(*(a.value for a in link.args))
            out.append((str(path.relative_to(CORE)), code, severity, target))
    return out


RECORDED = _recorded()


def test_the_scan_sees_the_stages():
    # Against a scan that silently finds nothing: the stages record dozens of findings.
    assert len(RECORDED) >= 20
    assert {m for m, *_ in RECORDED} >= {"planner/mx.py", "planner/clients.py"}


@pytest.mark.parametrize("where", RECORDED, ids=lambda w: f"{w[0]}:{w[1]}")
def test_every_code_a_stage_records_is_a_rule(where):
    module, code, severity, target = where
    rule = rules.get(code)
    assert rule is not None, f"{module} records {code}, which has no rule in core/rules/"
    assert rule.check is None and rule.stage == module
    assert severity == rule.severity
    if target is not None:
        assert target in (rule.learn, *rule.learn_also)


def test_every_stage_rule_is_recorded_by_its_stage():
    recorded = {(m, c) for m, c, *_ in RECORDED}
    for rule in RULES:
        if rule.check is None:
            assert (rule.stage, rule.code) in recorded, rule.code
        else:
            assert rule.code not in {c for _, c in recorded}, rule.code


def test_the_findings_stage_runs_every_check():
    # The example of each check fires through the planner itself, not only rule.run.
    checks = [r for r in RULES if r.check is not None]
    assert len(checks) >= 20
    for rule in checks:
        assert rule.code in codes_of(rule.example)


# -- manage.py rules -----------------------------------------------------------------------


def _rules_command(*args: str) -> subprocess.CompletedProcess:
    # As on a fresh clone: no secret key in the environment.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_DEBUG"] = "false"
    return subprocess.run(
        [sys.executable, "manage.py", "rules", *args],
        cwd=BASE,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_the_command_lists_one_line_per_rule():
    done = _rules_command()

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == CODES
    first = RULES[0]
    assert lines[0].split(None, 2) == [first.code, first.severity, first.title]


def test_the_command_speaks_json():
    done = _rules_command("--format", "json")

    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["code"] for r in rows] == CODES
    assert rows[0] == {
        "code": RULES[0].code,
        "severity": RULES[0].severity,
        "title": RULES[0].title,
        "learn": RULES[0].learn,
        "page": f"/learn/findings/{RULES[0].code}/",
    }


def test_a_refused_service_links_to_the_tutorial_on_that_service():
    from architect.core.rules.designs import design, server

    def refused(**extra) -> list:
        extra_host = {"name": "extra.example.org", "network": "hosting"}
        extra_host |= {"addresses": ["192.0.2.50"], "accepts_internet_smtp": False, **extra}
        found = plan(model.load(design("Refused", hosts=[server(), extra_host]))).findings
        return [
            (f.message.split(" is asked to ")[1], f.learn)
            for f in found
            if f.code == "service-refused"
        ]

    assert refused(services=["imap"]) == [
        (
            "offer IMAP but holds no mailboxes; IMAP belongs on the mailbox host.",
            "/learn/reading/#imap",
        )
    ]
    assert refused(services=["filtering"])[0][1] == "/learn/topologies/#filtering-edge"
    # One finding per host: the first refusal, in the order the services stage weighs them.
    assert [m for m, _ in refused(mta="none", services=["submission", "pop3"])] == [
        "offer submission but runs no MTA; submission is not planned there."
    ]
