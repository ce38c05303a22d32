"""One pool of interchangeable pipelines and the items that may go into it.

A pool is the unit the solver balances: every item in it shares the purity group and the
schedule of the pool's pipelines, so pools never exchange items. Bins 0..n_labeled-1 are
named by pins; the rest are interchangeable, which is what makes symmetry breaking valid.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from balancer.engine.rules import RULES, BinAfter, Limits, admitted


@dataclass(frozen=True)
class PoolProblem:
    """Items of one pool to place into `n_bins` bins.

    `pins[i]` is the bin item i must go to (a labeled bin) or None. `apart[i]` are labels
    no two items in one bin may share. `max_tables` caps the sum of `sizes` per bin; `cap`
    caps the sum of `fit_costs` (p90 costs) per bin (schedule fit).
    """

    costs: tuple[int, ...]
    n_bins: int
    sizes: tuple[int, ...] = ()
    pins: tuple[int | None, ...] = ()
    apart: tuple[frozenset[str], ...] = ()
    categories: tuple[tuple[str, ...], ...] = ()
    n_labeled: int = 0
    max_tables: int | None = None
    cap: int | None = None
    fit_costs: tuple[int, ...] = ()  # p90 costs, what `cap` bounds (default: the costs)
    _side: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.costs)
        if not self.sizes:
            object.__setattr__(self, "sizes", (1,) * n)
        if not self.pins:
            object.__setattr__(self, "pins", (None,) * n)
        if not self.apart:
            object.__setattr__(self, "apart", (frozenset(),) * n)
        if not self.categories:
            object.__setattr__(self, "categories", ((),) * n)
        if not self.fit_costs:
            object.__setattr__(self, "fit_costs", self.costs)
        object.__setattr__(self, "_side", any(rule.restricts(self) for rule in RULES))

    @property
    def n_items(self) -> int:
        return len(self.costs)

    @property
    def has_side_constraints(self) -> bool:
        """True when a rule restricts where items go (pins, apart labels, a binding table
        cap): the rules say, through `Rule.restricts`."""
        return self._side

    @property
    def total(self) -> int:
        return sum(self.costs)

    def loads(self, assignment: Sequence[int], p90: bool = False) -> list[int]:
        """Each bin's load under an assignment (bin per item); with p90, its p90 load."""
        costs = self.fit_costs if p90 else self.costs
        out = [0] * self.n_bins
        for i, b in enumerate(assignment):
            out[b] += costs[i]
        return out

    def fits_cap(self, assignment: list[int]) -> bool:
        """Whether every bin's p90 load stays within `cap` (always, without a cap)."""
        return self.cap is None or max(self.loads(assignment, p90=True)) <= self.cap


def by_load(problem: PoolProblem, assignment: list[int]) -> list[int]:
    """The same split with the unlabeled bins renumbered by falling load (ties keep their
    order), as symmetry breaking orders them: a hint CP-SAT can take as it is."""
    loads = problem.loads(assignment)
    first = problem.n_labeled
    order = sorted(range(first, problem.n_bins), key=lambda b: (-loads[b], b))
    new = list(range(first)) + [0] * (problem.n_bins - first)
    for rank, b in enumerate(order):
        new[b] = first + rank
    return [new[b] for b in assignment]


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
