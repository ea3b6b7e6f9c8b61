"""The planner's findings as a catalogue of rules, one small unit per finding code.

A rule is what a linter calls a check: a code (CONTRACT §2's ``kebab-case-id``), a
severity, a link into the tutorial, a paragraph that says what it catches and why that
matters (with its sources: RFCs, the MTA's documentation), how to fix it, and two designs:
the smallest that triggers it and one like it that does not. The tests, the
``/learn/findings/`` pages and ``manage.py rules`` are all generated from this registry,
so a rule cannot exist without its documentation and its examples.

Two kinds of rule share the registry:

- **checks**, whose function (``check``) runs after every stage, on the finished plan
  (``planner/findings.py`` runs them in registration order);
- **stage rules**, recorded by a planner stage in the middle of a decision it is making
  (the MX stage knows there is no inbound path while it looks for one). Their ``check``
  is None and ``stage`` names the module that records them; a test reads that module and
  fails when it records a code, severity or link the registry does not have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..learn import learn as learn_link

if TYPE_CHECKING:
    from ..planner.context import Context

Find = Callable[..., None]
Check = Callable[["Context", Find], None]

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Source:
    """A document that backs a rule: an RFC section, an MTA's manual page."""

    label: str
    url: str


@dataclass(frozen=True)
class Rule:
    """One finding code and everything the catalogue says about it."""

    code: str
    severity: str
    title: str
    learn: str
    explanation: str
    fix: str
    sources: tuple[Source, ...]
    example: dict[str, Any] | None
    counter_example: dict[str, Any] | None
    stage: str
    check: Check | None = field(default=None, compare=False)
    # Why a rule has no triggering example: a guard that no valid design reaches today.
    unreachable: str = ""
    # Other tutorial sections the stage links to for this code, by the case it meets.
    learn_also: tuple[str, ...] = ()

    def run(self, ctx: Context) -> None:
        """Run the check on a planned context, recording what it finds there."""
        if self.check is None:
            return

        def find(message: str, subjects: Any, learn: str | None = None) -> None:
            # A check may link to another of its sections, by case, never to a stray one.
            if learn is not None and learn not in self.learn_also:
                raise ValueError(f"{self.code}: {learn} is not among the rule's links")
            ctx.find(self.severity, self.code, message, subjects, learn or self.learn)

        self.check(ctx, find)


RULES: dict[str, Rule] = {}


def _add(rule: Rule) -> Rule:
    if rule.code in RULES:
        raise ValueError(f"two rules with the code {rule.code}")
    if rule.severity not in SEVERITIES:
        raise ValueError(f"{rule.code}: unknown severity {rule.severity}")
    RULES[rule.code] = rule
    return rule


def _sources(pairs: tuple[tuple[str, str], ...]) -> tuple[Source, ...]:
    return tuple(Source(label, url) for label, url in pairs)


def check(code: str, severity: str, learn: tuple[str, str], **text: Any) -> Callable:
    """Register the decorated function as the check of a rule (see ``Rule`` for ``text``)."""

    also = tuple(learn_link(*pair) for pair in text.pop("learn_also", ()))

    def register(function: Check) -> Check:
        _add(
            Rule(
                code=code,
                severity=severity,
                learn=learn_link(*learn),
                sources=_sources(text.pop("sources")),
                stage="planner/findings.py",
                check=function,
                learn_also=also,
                **text,
            )
        )
        return function

    return register


def recorded(code: str, severity: str, learn: tuple[str, str], stage: str, **text: Any) -> Rule:
    """Register a rule that the planner stage ``stage`` records while it plans."""
    also = tuple(learn_link(*pair) for pair in text.pop("learn_also", ()))
    return _add(
        Rule(
            code=code,
            severity=severity,
            learn=learn_link(*learn),
            sources=_sources(text.pop("sources")),
            stage=stage,
            learn_also=also,
            **text,
        )
    )


def get(code: str) -> Rule | None:
    """The rule of a finding code, or None for a code the planner never records."""
    return RULES.get(code)


def all_rules() -> list[Rule]:
    """Every rule, most severe first, then by code (the order of the catalogue)."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(RULES.values(), key=lambda r: (rank[r.severity], r.code))


def run_checks(ctx: Context) -> None:
    """Run every check on the finished plan, in the order the rules were registered."""
    for rule in RULES.values():
        rule.run(ctx)


# Importing the rule modules fills the registry.
from . import addresses, clients, inbound, policy, roles, routing  # noqa: E402, F401
