"""The rules, one module each, all behind one interface (`base.Rule`).

`RULES` is the one set of rules every consumer loops over: the instance builder (checks), the
solver (how many pipelines a pool needs), both CP-SAT models (a pool's stages and the moves
of a rebalance), the checker (violations) and the searches (`admitted`: may a pipeline take
this change). Its order is the order in which checks run and constraints are posted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from balancer.engine.rules.apart import Apart
from balancer.engine.rules.base import BaseRule, BinAfter, Limits, Need, Rule
from balancer.engine.rules.nonempty import NonEmpty
from balancer.engine.rules.pins import Pins
from balancer.engine.rules.purity import Purity
from balancer.engine.rules.schedule import Schedule
from balancer.engine.rules.schedule_fit import ScheduleFit
from balancer.engine.rules.symmetry import Symmetry
from balancer.engine.rules.table_cap import TableCap
from balancer.engine.rules.together import Together


class RuleSet:
    """The rules, in order: iterate it to ask every rule; `register` adds one (a new rule is
    one module implementing `Rule`, registered here or with `RULES.register`); `placement`
    are the rules that can refuse a change to a pipeline (they override `admits`)."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules: list[Rule] = list(rules)
        self.placement: tuple[Rule, ...] = ()
        self._refresh()

    def _refresh(self) -> None:
        self.placement = tuple(
            r
            for r in self._rules
            if getattr(type(r), "admits", BaseRule.admits) is not BaseRule.admits
        )

    def __iter__(self) -> Iterator[Rule]:
        return iter(tuple(self._rules))

    def __len__(self) -> int:
        return len(self._rules)

    def register(self, rule: Rule) -> None:
        """Add a rule after the others (it is asked last, and posted last)."""
        if any(r.name == rule.name for r in self._rules):
            raise ValueError(f"a rule named {rule.name!r} is registered already")
        self._rules.append(rule)
        self._refresh()

    @contextmanager
    def registered(self, rule: Rule) -> Iterator[None]:
        """`register` for the length of a block (tests, experiments)."""
        self.register(rule)
        try:
            yield
        finally:
            self._rules.remove(rule)
            self._refresh()


RULES = RuleSet(
    (
        Purity(),
        Schedule(),
        Together(),
        Pins(),
        NonEmpty(),
        TableCap(),
        Apart(),
        ScheduleFit(),
        Symmetry(),
    )
)


def admitted(after: BinAfter, limits: Limits) -> bool:
    """Whether every rule lets the pipeline be as `after` describes."""
    return all(rule.admits(after, limits) for rule in RULES.placement)


__all__ = ["RULES", "BaseRule", "BinAfter", "Limits", "Need", "Rule", "RuleSet", "admitted"]
