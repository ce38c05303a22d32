"""Lower bounds for splitting integer costs over identical pipelines (P||Cmax).

All functions are pure and take costs as integers. `makespan_lower_bound` combines:
- the trivial bound: max(ceil(sum / m), largest cost);
- the pigeonhole bound: among the k*m + 1 largest costs one pipeline holds k + 1 of them;
- a bin-packing bound: the smallest capacity C for which the Martello-Toth L2 bound says
  m bins of capacity C might suffice, found by binary search on C.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence


def trivial_bound(costs: Sequence[int], m: int) -> int:
    """max(ceil(sum/m), max cost); 0 for no costs."""
    if not costs:
        return 0
    return max(-(-sum(costs) // m), max(costs))


def pigeonhole_bound(costs_desc: Sequence[int], m: int) -> int:
    """Best of sum(p[k*m - k .. k*m]) over k: some pipeline gets k+1 of the k*m+1 largest."""
    return pigeonhole_of_prefix(prefix_sums(costs_desc), m)


def prefix_sums(costs_desc: Sequence[int]) -> list[int]:
    """[0, p0, p0 + p1, ...]: what `pigeonhole_of_prefix` reads (kept by callers that ask
    for many m)."""
    prefix = [0]
    for c in costs_desc:
        prefix.append(prefix[-1] + c)
    return prefix


def pigeonhole_of_prefix(prefix: Sequence[int], m: int) -> int:
    """`pigeonhole_bound` from the prefix sums of the costs in descending order."""
    best = 0
    k = 1
    while k * m < len(prefix) - 1:
        last = k * m  # 0-based index of the (k*m+1)-th largest
        best = max(best, prefix[last + 1] - prefix[last - k])
        k += 1
    return best


def at_most_two_bound(costs_desc: Sequence[int], m: int) -> int:
    """For n <= 2m: min(best split with <= 2 items per pipeline, sum of the 3 smallest).

    Either some pipeline holds 3 or more items (so at least the 3 smallest), or every one
    holds at most 2, where the best split puts the 2m - n largest alone and pairs the rest
    largest-with-smallest. 0 when n > 2m.
    """
    n = len(costs_desc)
    if n > 2 * m or n < 3:
        return 0
    singles = 2 * m - n
    rest = costs_desc[singles:]
    paired = max((rest[k] + rest[len(rest) - 1 - k] for k in range(len(rest) // 2)), default=0)
    two_each = max(costs_desc[0], paired)
    return min(two_each, sum(costs_desc[-3:]))


def bins_needed_l2(costs_desc: Sequence[int], capacity: int) -> int:
    """Martello-Toth L2 lower bound on the number of bins of `capacity` for these costs.

    Returns a number larger than len(costs) when a single cost exceeds the capacity.
    """
    if not costs_desc:
        return 0
    if costs_desc[0] > capacity:
        return len(costs_desc) + 1
    best = -(-sum(costs_desc) // capacity)
    half = capacity / 2
    # Candidate alphas: 0 and every distinct cost <= capacity/2.
    alphas = sorted({c for c in costs_desc if c <= half} | {0})
    # Prefix sums over the ascending order let each alpha be evaluated by bisection.
    asc = list(reversed(costs_desc))
    prefix = [0]
    for c in asc:
        prefix.append(prefix[-1] + c)

    def count_sum(lo_excl: float, hi_incl: float) -> tuple[int, int]:
        """Count and sum of costs in (lo_excl, hi_incl]."""
        a = bisect.bisect_right(asc, lo_excl)
        b = bisect.bisect_right(asc, hi_incl)
        return b - a, prefix[b] - prefix[a]

    for alpha in alphas:
        n1, _ = count_sum(capacity - alpha, float("inf"))
        n2, s2 = count_sum(half, capacity - alpha)
        _, s3 = count_sum(alpha - 0.5, half)  # alpha <= p <= C/2 (integers)
        free_in_j2 = n2 * capacity - s2
        extra = max(0, -(-(s3 - free_in_j2) // capacity))
        best = max(best, n1 + n2 + extra)
    return best


def binpacking_bound(costs_desc: Sequence[int], m: int, start: int, upper: int) -> int:
    """Smallest C in [start, upper] with bins_needed_l2(C) <= m (upper if none below it)."""
    lo, hi = start, max(start, upper)
    if bins_needed_l2(costs_desc, lo) <= m:
        return lo
    while lo < hi:
        mid = (lo + hi) // 2
        if bins_needed_l2(costs_desc, mid) <= m:
            hi = mid
        else:
            lo = mid + 1
    return lo


def makespan_lower_bound(costs: Sequence[int], m: int, upper: int | None = None) -> int:
    """The best of the trivial, pigeonhole and bin-packing bounds for m pipelines."""
    if not costs:
        return 0
    desc = sorted(costs, reverse=True)
    if m >= len(desc):
        return desc[0]
    lb = max(trivial_bound(desc, m), pigeonhole_bound(desc, m), at_most_two_bound(desc, m))
    hi = upper if upper is not None else sum(desc)
    if hi > lb:
        lb = binpacking_bound(desc, m, lb, hi)
    return lb


def spread_lower_bound(total: int, makespan: int, m: int) -> int:
    """Least possible max-min spread given the makespan: the others share total - makespan."""
    if m <= 1:
        return 0
    return max(0, makespan - (total - makespan) // (m - 1))
