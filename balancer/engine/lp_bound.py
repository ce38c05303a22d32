"""The column-generation (Gilmore-Gomory) lower bound for a pool without side rules.

Can n items go into m pipelines of capacity C? The LP relaxation of the pattern formulation
of bin packing (a pattern: a set of items that fits C) gives the fewest bins fractionally;
if even that exceeds m, capacity C is impossible. Columns are priced by a bounded knapsack
(dynamic programme over the capacity, numpy); the master LP is GLOP's. The LP value is
non-increasing in C, so a binary search over [lower bound, upper bound) finds the smallest
capacity the LP allows: a lower bound on the makespan, usually far stronger than the
counting bounds when pipelines hold few tables. Deterministic: no clock, an iteration cap.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

MAX_COLUMNS = 400  # pricing rounds per capacity; the Farley bound is valid when cut short
EPS = 1e-9
COLUMNS_PER_ROUND = 10  # GLOP re-solves the whole master each round: fewer, smaller rounds won
SMOOTHING = 0.8  # dual smoothing: weight of the previous pricing point in the next one


def bins_lower_bound(
    sizes: Sequence[int],
    capacity: int,
    stop: Callable[[], bool] | None = None,
    enough: int | None = None,
) -> int:
    """A lower bound on the bins of `capacity` that hold every item (ceil of the LP value,
    or of Farley's bound when the column generation is cut short, by the round cap or by
    `stop`); a large number when an item alone does not fit. With `enough`, the search stops
    as soon as the LP is known to need at most that many bins (the answer is then <= enough)."""
    if not sizes:
        return 0
    if max(sizes) > capacity:
        return 1 << 30
    return ColumnGeneration(sizes, capacity).run(stop, enough)


class ColumnGeneration:
    """The pattern LP of bin packing at one capacity, grown column by column. The demand can
    shrink between runs (`take`), which is how a dive fixes bins one after another."""

    def __init__(
        self, sizes: Sequence[int], capacity: int, known: Sequence[list[int]] = ()
    ) -> None:
        """`known`: columns found for the same sizes at other capacities; those that fit this
        capacity start the master (a warm start for a search over capacities)."""
        counts = Counter(sizes)
        self.types = sorted(counts, reverse=True)
        self.capacity = capacity
        self.master = _Master([counts[t] for t in self.types])
        self.failed = False  # GLOP failed: the bound from `run` holds, `solution` does not
        for k, t in enumerate(self.types):
            self.master.add(_single(k, t, self.demand[k], capacity, len(self.types)))
        for pattern in _first_fit(self.types, self.demand, capacity):
            self.master.add(pattern)
        seen = {tuple(c) for c in self.columns}
        for column in known:
            weight = sum(a * t for a, t in zip(column, self.types, strict=True))
            if weight <= capacity and tuple(column) not in seen:
                seen.add(tuple(column))
                self.master.add(column)

    @property
    def demand(self) -> list[int]:
        """Items of each type not yet in a fixed bin."""
        return self.master.demand

    @property
    def columns(self) -> list[list[int]]:
        """Every column of the master, in the order added."""
        return self.master.columns

    def run(
        self,
        stop: Callable[[], bool] | None = None,
        enough: int | None = None,
        optimal: bool = False,
    ) -> int:
        """Price until the rounded LP value is known, or with `optimal` until the LP is
        optimal (or until cut short); the rounded-up bound on the bins."""
        best, center = 0.0, None
        for _ in range(MAX_COLUMNS):
            try:
                value, duals = self.master.solve()
            except _LPFailure:
                self.failed = True  # Farley's bound holds for any duals: `best` stays valid
                return math.ceil(best - 1e-6)
            if enough is not None and value <= enough + 1e-6:
                return min(enough, math.ceil(best - 1e-6))
            patterns, bound, center = _stabilized_price(
                self.types, self.demand, duals, center, self.capacity
            )
            best = max(best, bound)
            if patterns is None:
                return max(math.ceil(value - 1e-6), math.ceil(best - 1e-6))
            if not optimal and math.ceil(best - 1e-6) >= math.ceil(value - 1e-6):
                return math.ceil(best - 1e-6)  # the bound already meets the LP's rounded value
            for pattern in patterns:
                self.master.add(pattern)
            if stop is not None and stop():
                break
        try:
            self.master.solve()  # so that `solution` covers the columns added last
        except _LPFailure:
            self.failed = True
        return math.ceil(best - 1e-6)

    def solution(self) -> list[tuple[float, list[int]]]:
        """(value, column) of the last LP solution, largest values first."""
        values = self.master.values()
        order = sorted(range(len(values)), key=lambda j: (-values[j], j))
        return [(values[j], self.columns[j]) for j in order]

    def take(self, column: list[int]) -> list[int]:
        """Fix one bin holding `column` (as far as items are left); the items it took."""
        taken = [min(a, d) for a, d in zip(column, self.demand, strict=True)]
        self.master.set_demand([d - a for d, a in zip(self.demand, taken, strict=True)])
        return taken


def _stabilized_price(
    types: list[int],
    demand: list[int],
    duals: list[float],
    center: list[float] | None,
    capacity: int,
) -> tuple[list[list[int]] | None, float, list[float] | None]:
    """Dual smoothing: price at a point between the last pricing point (`center`) and the
    master's duals; fall back to the master's duals when that finds no improving column.
    Returns the improving columns (None: the LP is optimal), the best Farley bound of the
    points priced and the point that gave it (the next center). Unlike Wentges' scheme the
    center is not the best point of all rounds, only of this one."""
    best, best_at = 0.0, center
    points = [duals] if center is None else [_toward(center, duals), duals]
    for point in points:
        patterns, worth = _price(types, demand, point, capacity)
        bound = sum(d * p for d, p in zip(demand, point, strict=True)) / max(worth, EPS)
        if bound > best:
            best, best_at = bound, point
        improving = [
            pattern
            for pattern in patterns
            if sum(a * y for a, y in zip(pattern, duals, strict=True)) > 1 + EPS
        ]
        if improving:
            return improving, best, best_at
    return None, best, best_at


def _toward(center: list[float], duals: list[float]) -> list[float]:
    return [SMOOTHING * c + (1 - SMOOTHING) * d for c, d in zip(center, duals, strict=True)]


def makespan_lp_bound(
    costs: Sequence[int],
    m: int,
    low: int,
    high: int,
    stop: Callable[[], bool] | None = None,
) -> int:
    """The smallest capacity in [low, high] whose LP bound allows m bins (high if none below
    it). `high` must be achievable (an upper bound). The capacity just below `high` is tried
    first (when the upper bound is optimal one LP proves it), then `low` (when the LP cannot
    raise the bound one LP says so). With `stop` (a wall clock), the search ends early; the
    bound returned stays valid."""

    columns: list[list[int]] = []  # every column priced so far: they warm-start the next LP

    def allows(capacity: int) -> bool:
        if max(costs) > capacity:
            return False
        lp = ColumnGeneration(costs, capacity, columns)
        allowed = lp.run(stop, m) <= m
        columns[:] = lp.columns
        return allowed

    if low < high and not allows(high - 1):
        return high
    high -= 1 if low < high else 0
    if low < high and allows(low):
        return low
    low += 1 if low < high else 0
    while low < high and not (stop is not None and stop()):
        mid = (low + high) // 2
        if allows(mid):
            high = mid
        else:
            low = mid + 1
    return low


def _single(k: int, size: int, demand: int, capacity: int, n_types: int) -> list[int]:
    column = [0] * n_types
    column[k] = min(demand, capacity // size)
    return column


def _first_fit(types: list[int], demand: list[int], capacity: int) -> list[list[int]]:
    """The bins of first-fit decreasing, as patterns: a good first basis for the master."""
    loads: list[int] = []
    patterns: list[list[int]] = []
    for t, size in enumerate(types):
        for _ in range(demand[t]):
            b = next((b for b, load in enumerate(loads) if load + size <= capacity), len(loads))
            if b == len(loads):
                loads.append(0)
                patterns.append([0] * len(types))
            loads[b] += size
            patterns[b][t] += 1
    unique = {tuple(p) for p in patterns}
    return [list(p) for p in sorted(unique)]


class _LPFailure(Exception):
    """GLOP could not solve the master, even rebuilt; the column generation stops there."""


class _Master:
    """min sum x_p  s.t.  sum_p a_tp x_p >= d_t, x >= 0, GLOP's; columns are added in place.

    GLOP re-solves from the last basis. That basis can turn singular as columns come in (seen:
    ABNORMAL after 31 rounds on a non-uniform [1,1000] pool), so a solve that fails is redone
    once on a master rebuilt from scratch; a second failure raises _LPFailure."""

    def __init__(self, demand: list[int]) -> None:
        self.demand = list(demand)
        self.columns: list[list[int]] = []
        self._build()

    def _build(self) -> None:
        from ortools.linear_solver import pywraplp

        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        inf = self.solver.infinity()
        self.rows = [self.solver.Constraint(float(d), inf) for d in self.demand]
        self.objective = self.solver.Objective()
        self.objective.SetMinimization()
        for column in self.columns:
            self._variable(column)

    def add(self, column: list[int]) -> None:
        self.columns.append(column)
        self._variable(column)

    def _variable(self, column: list[int]) -> None:
        x = self.solver.NumVar(0.0, self.solver.infinity(), f"x{self.solver.NumVariables()}")
        for row, a in zip(self.rows, column, strict=True):
            if a:
                row.SetCoefficient(x, float(a))
        self.objective.SetCoefficient(x, 1.0)

    def solve(self) -> tuple[float, list[float]]:
        """The LP value and the duals of the demand rows."""
        from ortools.linear_solver import pywraplp

        if self.solver.Solve() != pywraplp.Solver.OPTIMAL:
            self._build()
            if self.solver.Solve() != pywraplp.Solver.OPTIMAL:
                raise _LPFailure
        return self.objective.Value(), [max(0.0, row.dual_value()) for row in self.rows]

    def values(self) -> list[float]:
        return [x.solution_value() for x in self.solver.variables()]

    def set_demand(self, demand: list[int]) -> None:
        self.demand = list(demand)
        for row, d in zip(self.rows, demand, strict=True):
            row.SetLb(float(d))


def _price(
    types: list[int], demand: list[int], duals: list[float], capacity: int
) -> tuple[list[list[int]], float]:
    """Patterns of greatest dual worth, best first, and the greatest worth (bounded knapsack
    by binary splitting). Besides the best pattern, the best ones of smaller weight come too:
    several columns a round cut the rounds of the column generation."""
    best = np.zeros(capacity + 1)
    taken: list[tuple[int, int, np.ndarray]] = []  # (type, copies, where the chunk was taken)
    for t, (size, d) in enumerate(zip(types, demand, strict=True)):
        if duals[t] <= EPS:
            continue
        left, chunk = min(d, capacity // size), 1
        while left > 0:
            copies = min(chunk, left)
            weight, worth = copies * size, copies * duals[t]
            shifted = best[: capacity + 1 - weight] + worth
            better = np.zeros(capacity + 1, dtype=bool)
            np.greater(shifted, best[weight:] + EPS, out=better[weight:])
            np.maximum(best[weight:], shifted, out=best[weight:])
            taken.append((t, copies, better))
            left -= copies
            chunk *= 2
    # best[] never falls as the weight grows: each step up is the best pattern of that weight
    steps = np.flatnonzero(np.diff(best) > EPS) + 1
    ends = [int(c) for c in steps[::-1][:COLUMNS_PER_ROUND]] or [int(np.argmax(best))]
    patterns = []
    for end in ends:
        pattern, c = [0] * len(types), end
        for t, copies, better in reversed(taken):
            if better[c]:
                pattern[t] += copies
                c -= copies * types[t]
        patterns.append(pattern)
    return patterns, float(best[ends[0]])
