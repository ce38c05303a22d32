"""An exact dive for pools without side rules: can the items fit m bins of capacity C?

Depth-first over items from largest to smallest, trying bins fullest-first. Prunes with:
- load symmetry: of several bins with equal load, only the first is tried;
- perfect fit: an item that fills a bin exactly goes there and nowhere else;
- waste: space no remaining item can use, summed over bins, may not exceed m*C - total.
Bounded by a node count, so it is deterministic; the answer says whether it proved the
capacity infeasible, found an assignment, or ran out of nodes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class DiveResult:
    status: str  # FOUND | INFEASIBLE | LIMIT
    assignment: list[int] | None
    nodes: int


class _Limit(Exception):
    pass


def fits(costs: Sequence[int], m: int, capacity: int, node_limit: int = 200_000) -> DiveResult:
    """Try to place every cost into m bins with loads <= capacity."""
    n = len(costs)
    if n == 0:
        return DiveResult("FOUND", [], 0)
    order = sorted(range(n), key=lambda i: (-costs[i], i))
    sizes = [costs[i] for i in order]
    total = sum(sizes)
    slack = m * capacity - total
    if slack < 0 or sizes[0] > capacity:
        return DiveResult("INFEASIBLE", None, 0)
    smallest = sizes[-1]
    residual = [capacity] * m
    where = [0] * n
    nodes = 0

    def dive(k: int, waste: int) -> bool:
        nonlocal nodes
        if k == n:
            return True
        nodes += 1
        if nodes > node_limit:
            raise _Limit
        size = sizes[k]
        # The smallest item left after this one; the last item itself when k is the last.
        after = smallest if k < n - 1 else 0
        exact = [b for b in range(m) if residual[b] == size]
        if exact:
            candidates = exact[:1]
        else:
            seen: set[int] = set()
            candidates = []
            for b in sorted(range(m), key=lambda b: (residual[b], b)):
                r = residual[b]
                if r < size or r in seen:
                    continue
                seen.add(r)
                candidates.append(b)
        for b in candidates:
            before = residual[b]
            after_r = before - size
            extra = after_r if after_r < after else 0
            if waste + extra > slack:
                continue
            residual[b] = after_r
            where[k] = b
            if dive(k + 1, waste + extra):
                return True
            residual[b] = before
        return False

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, n + 100))
    try:
        found = dive(0, 0)
    except _Limit:
        return DiveResult("LIMIT", None, nodes)
    finally:
        sys.setrecursionlimit(limit)
    if not found:
        return DiveResult("INFEASIBLE", None, nodes)
    assign = [0] * n
    for k, i in enumerate(order):
        assign[i] = where[k]
    return DiveResult("FOUND", assign, nodes)
