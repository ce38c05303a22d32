"""Pipelines shared over pools on lower bounds: the greedy min-max allocation, exact for
non-increasing functions, and the bound on the whole plan it proves.

Before the wall deadline the functions are each pool's best bounds made monotone (the largest
bound of any larger count); once it has passed, the trivial and pigeonhole bounds alone
(`PoolSearch.quick_lb`, non-increasing by construction and O(items / n) each), so that a
plan over 1,000 pipelines does not compute the bin-packing bound of every count. Each call
uses one kind throughout, so the bound it returns stays a proven one."""

from __future__ import annotations

from collections.abc import Callable

from balancer.engine.pool_search import PoolSearch


class _Late(Exception):
    """The wall deadline passed while the best bounds were being computed."""


def allocate_on_bounds(search: PoolSearch, k: int, k_max: int) -> tuple[dict[str, int], int]:
    """Greedy min-max allocation of k bins to pools (the next bin to the pool whose bound is
    highest), and the lower bound of the plan it proves. When the wall deadline passes
    half-way, it starts again on the quick bounds."""
    if not search.budget.out_of_time():

        def bound(pool: str, n: int) -> int:
            if search.budget.out_of_time():
                raise _Late
            return search.monotone_lb(pool, n, k_max)

        try:
            return _greedy(search, k, bound, search.lb)
        except _Late:
            pass
    return _greedy(search, k, search.quick_lb, search.quick_lb)


def _greedy(
    search: PoolSearch,
    k: int,
    bound: Callable[[str, int], int],
    tie: Callable[[str, int], int],
) -> tuple[dict[str, int], int]:
    alloc = dict(search.min_bins)
    if len(alloc) == 1:  # one pool takes them all (k is feasible: within its min and max)
        alloc = {pool: k for pool in alloc}
    while sum(alloc.values()) < k:
        best = None
        for pool in sorted(alloc):
            if alloc[pool] >= search.max_bins[pool]:
                continue
            n = alloc[pool]
            score = (bound(pool, n), tie(pool, n))
            if best is None or score > best[0]:
                best = (score, pool)
        assert best is not None
        alloc[best[1]] += 1
    return alloc, max(bound(p, n) for p, n in alloc.items())
