"""A dive on the column-generation LP: a packing at a capacity the counting bounds allow.

Where pipelines hold few tables of widely spread costs (the literature's [1, 10000] classes,
four or five tables a pipeline), packings that meet the bound are near-perfect: every bin is
filled to within a few units. Item-by-item searches rarely find them; the LP of the pattern
formulation nearly does. The dive (residual rounding) solves the LP, fixes every bin whose
pattern the LP uses at least once, or else the most used one, removes its items, prices
again from the same columns, and repeats; the last few bins are packed by bin completion,
which either finds them or keeps the dive going. It finds a packing or gives up; it proves
nothing.
Deterministic; bounded by the LP's round cap per step and, in benchmarks, a wall clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from balancer.engine.bin_completion import complete_bins
from balancer.engine.lp_bound import ColumnGeneration

# When this few bins are left, bin completion packs the rest exactly (or shows it cannot).
RESIDUAL_BINS = 10
RESIDUAL_NODES = 50_000


def lp_dive(
    costs: Sequence[int],
    m: int,
    capacity: int,
    stop: Callable[[], bool] | None = None,
) -> list[int] | None:
    """An assignment of every cost to one of m bins with loads <= capacity, or None."""
    if not costs or max(costs) > capacity or sum(costs) > m * capacity:
        return None
    lp = ColumnGeneration(costs, capacity)
    bins: list[list[int]] = []  # item counts by type, per fixed bin
    while any(lp.demand):
        if len(bins) >= m or (stop is not None and stop()):
            return None
        if m - len(bins) <= RESIDUAL_BINS:
            rest = _complete(lp.types, lp.demand, m - len(bins), capacity)
            if rest is not None:
                return _assignment(costs, lp.types, bins + rest)
        if lp.run(stop, optimal=True) > m - len(bins) or lp.failed:
            return None
        solution = lp.solution()
        fixed = [(value, column) for value, column in solution if value >= 1 - 1e-6]
        for value, column in fixed or solution[:1]:
            for _ in range(max(1, int(value + 1e-6))):
                if len(bins) < m and any(min(a, d) for a, d in zip(column, lp.demand, strict=True)):
                    bins.append(lp.take(column))
    return _assignment(costs, lp.types, bins)


def _complete(
    types: list[int], demand: list[int], n_bins: int, capacity: int
) -> list[list[int]] | None:
    """The last few bins packed exactly by bin completion (None if it finds none in time)."""
    items = [t for t, d in zip(types, demand, strict=True) for _ in range(d)]
    result = complete_bins(items, n_bins, capacity, RESIDUAL_NODES)
    if result.assignment is None:
        return None
    index = {t: k for k, t in enumerate(types)}
    bins = [[0] * len(types) for _ in range(n_bins)]
    for item, b in zip(items, result.assignment, strict=True):
        bins[b][index[item]] += 1
    return bins


def _assignment(costs: Sequence[int], types: list[int], bins: list[list[int]]) -> list[int]:
    slots: dict[int, list[int]] = {}
    for b, counts in enumerate(bins):
        for t, count in enumerate(counts):
            slots.setdefault(types[t], []).extend([b] * count)
    return [slots[c].pop() for c in costs]
