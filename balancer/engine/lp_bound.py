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


def bins_lower_bound(
    sizes: Sequence[int], capacity: int, stop: Callable[[], bool] | None = None
) -> int:
    """A lower bound on the bins of `capacity` that hold every item (ceil of the LP value,
    or of Farley's bound when the column generation is cut short, by the round cap or by
    `stop`); a large number when an item alone does not fit."""
    if not sizes:
        return 0
    if max(sizes) > capacity:
        return 1 << 30
    counts = Counter(sizes)
    types = sorted(counts, reverse=True)
    demand = [counts[t] for t in types]
    columns = [_single(k, t, demand[k], capacity, len(types)) for k, t in enumerate(types)]
    best = 0.0
    for _ in range(MAX_COLUMNS):
        value, duals = _master(columns, demand)
        pattern, worth = _price(types, demand, duals, capacity)
        if worth <= 1 + EPS:
            return max(math.ceil(value - 1e-6), math.ceil(best - 1e-6))
        best = max(best, value / worth)  # Farley: LP / best reduced price is a lower bound
        columns.append(pattern)
        if stop is not None and stop():
            break
    return math.ceil(best - 1e-6)


def makespan_lp_bound(
    costs: Sequence[int], m: int, low: int, high: int, stop: Callable[[], bool] | None = None
) -> int:
    """The smallest capacity in [low, high] whose LP bound allows m bins (high if none below
    it). `high` must be achievable (an upper bound). The capacity just below `high` is tried
    first: when the upper bound is optimal one LP proves it. With `stop` (a wall clock), the
    search ends early; the bound returned stays valid."""
    if low < high and bins_lower_bound(costs, high - 1, stop) > m:
        return high
    high -= 1 if low < high else 0
    while low < high and not (stop is not None and stop()):
        mid = (low + high) // 2
        if bins_lower_bound(costs, mid, stop) <= m:
            high = mid
        else:
            low = mid + 1
    return low


def _single(k: int, size: int, demand: int, capacity: int, n_types: int) -> list[int]:
    column = [0] * n_types
    column[k] = min(demand, capacity // size)
    return column


def _master(columns: list[list[int]], demand: list[int]) -> tuple[float, list[float]]:
    """min sum x_p  s.t.  sum_p a_tp x_p >= d_t, x >= 0; returns (value, duals)."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("GLOP")
    xs = [solver.NumVar(0.0, solver.infinity(), f"x{p}") for p in range(len(columns))]
    rows = []
    for t, d in enumerate(demand):
        row = solver.Constraint(float(d), solver.infinity())
        for p, column in enumerate(columns):
            if column[t]:
                row.SetCoefficient(xs[p], float(column[t]))
        rows.append(row)
    objective = solver.Objective()
    for x in xs:
        objective.SetCoefficient(x, 1.0)
    objective.SetMinimization()
    solver.Solve()
    return objective.Value(), [max(0.0, row.dual_value()) for row in rows]


def _price(
    types: list[int], demand: list[int], duals: list[float], capacity: int
) -> tuple[list[int], float]:
    """The pattern of greatest dual worth (bounded knapsack by binary splitting)."""
    best = np.zeros(capacity + 1)
    taken: list[tuple[int, int, np.ndarray]] = []  # (type, copies, where the chunk was taken)
    for t, (size, d) in enumerate(zip(types, demand, strict=True)):
        if duals[t] <= EPS:
            continue
        left, chunk = min(d, capacity // size), 1
        while left > 0:
            copies = min(chunk, left)
            weight, worth = copies * size, copies * duals[t]
            shifted = np.full(capacity + 1, -np.inf)
            shifted[weight:] = best[: capacity + 1 - weight] + worth
            better = shifted > best + EPS
            best = np.where(better, shifted, best)
            taken.append((t, copies, better))
            left -= copies
            chunk *= 2
    pattern = [0] * len(types)
    c = int(np.argmax(best))
    worth = float(best[c])
    for t, copies, better in reversed(taken):
        if better[c]:
            pattern[t] += copies
            c -= copies * types[t]
    return pattern, worth
