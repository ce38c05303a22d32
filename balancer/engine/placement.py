"""Where items may go while a search places and moves them: the bins' running contents
(`BinState`) and whether the rules restrict placement in a pool at all (`restricted`). Every
question goes to the rules (`rules.admitted`, `Rule.restricts`): this module keeps only the
bookkeeping."""

from __future__ import annotations

from collections import Counter

from balancer.engine.pool import PoolProblem
from balancer.engine.rules import RULES, BinAfter, Limits, admitted


def restricted(problem: PoolProblem) -> bool:
    """True when a rule restricts where items go (pins, apart labels, a binding table cap):
    the searches then keep to their forms that ask the rules at every step."""
    return any(rule.restricts(problem) for rule in RULES)


def only_table_cap(problem: PoolProblem) -> bool:
    """True when the table cap is the one rule that restricts placement here (no pins, no
    apart labels) and the rules asked at placement are the built-in ones: a bin refuses an
    item only when it has no room for it (non-empty holds once an item arrives; the p90 cap
    is checked on whole splits, never at placement)."""
    names = {rule.name for rule in RULES.placement}
    return (
        problem.max_tables is not None
        and names <= {"pin", "non-empty", "table cap", "apart", "schedule fit"}
        and [rule.name for rule in RULES if rule.restricts(problem)] == ["table cap"]
    )


class BinState:
    """Mutable loads, table counts and apart-label counts of an assignment in progress."""

    def __init__(self, problem: PoolProblem, assignment: list[int] | None = None) -> None:
        self.p = problem
        self.loads = [0] * problem.n_bins
        self.sizes = [0] * problem.n_bins
        self.labels: list[Counter[str]] = [Counter() for _ in range(problem.n_bins)]
        self.members: list[set[int]] = [set() for _ in range(problem.n_bins)]
        self.assign: list[int] = [-1] * problem.n_items
        self.limits = Limits(max_tables=problem.max_tables)
        if assignment is not None:
            for i, b in enumerate(assignment):
                self.add(i, b)

    def add(self, i: int, b: int) -> None:
        self.assign[i] = b
        self.loads[b] += self.p.costs[i]
        self.sizes[b] += self.p.sizes[i]
        self.labels[b].update(self.p.apart[i])
        self.members[b].add(i)

    def remove(self, i: int) -> None:
        b = self.assign[i]
        self.assign[i] = -1
        self.loads[b] -= self.p.costs[i]
        self.sizes[b] -= self.p.sizes[i]
        self.labels[b].subtract(self.p.apart[i])
        self.members[b].discard(i)

    def can_place(self, i: int, b: int, leaving: int | None = None) -> bool:
        """Whether the rules let item i join bin b (with item `leaving` leaving b at the same
        time). The p90 cap is not asked here: the heuristics check it on whole splits."""
        p = self.p
        gone = 0 if leaving is None else 1
        after = BinAfter(
            b,
            len(self.members[b]) + 1 - gone,
            self.sizes[b] + p.sizes[i] - (p.sizes[leaving] if leaving is not None else 0),
            0,
            self.labels[b],
            p.apart[leaving] if leaving is not None else frozenset(),
            p.apart[i],
            (p.pins[i],),
        )
        return admitted(after, self.limits)

    def max_bin(self) -> int:
        loads = self.loads
        return max(range(len(loads)), key=lambda b: (loads[b], -b))
