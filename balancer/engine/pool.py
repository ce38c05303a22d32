"""One pool of interchangeable pipelines and the items that may go into it.

A pool is the unit the solver balances: every item in it shares the purity group and the
schedule of the pool's pipelines, so pools never exchange items. Bins 0..n_labeled-1 are
named by pins; the rest are interchangeable, which is what makes symmetry breaking valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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

    @property
    def n_items(self) -> int:
        return len(self.costs)

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
