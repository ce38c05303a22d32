"""Bin completion: an exact test of whether items fit m bins of capacity C, bin by bin.

For pools with few tables per pipeline the item-by-item dive (`exact`) and CP-SAT stall
where the answer is a near-perfect packing or a tight matching. Bin completion (Korf 2003,
with Martello and Toth's dominance) fills one bin at a time: the largest item left opens
the bin, and only completions that matter are tried:
- maximal: no item left fits the space that stays free;
- undominated by one item: a completion whose sum is at most the largest item that fits
  alone could swap with it, so only that item is tried;
- waste: the space a bin leaves free, summed over bins, never exceeds m*C - total;
- reachable fill: a subset-sum bitset of the items left says whether the bin can still
  reach the fill its waste allows, so hopeless partial completions stop early;
- memo: a multiset of items left that failed with k bins fails again.
Bounded by a node count, so it is deterministic. The answer is a `DiveResult`.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence

from balancer.engine.exact import DiveResult

MEMO_LIMIT = 500_000  # failed states remembered (a few hundred bytes each)


class _Limit(Exception):
    pass


def complete_bins(
    costs: Sequence[int], m: int, capacity: int, node_limit: int = 200_000
) -> DiveResult:
    """Place every cost into m bins with loads <= capacity, or prove it impossible."""
    if not costs:
        return DiveResult("FOUND", [], 0)
    counts = Counter(costs)
    sizes = sorted(counts, reverse=True)
    if sizes[0] > capacity or sum(costs) > m * capacity:
        return DiveResult("INFEASIBLE", None, 0)
    search = _Search(sizes, [counts[s] for s in sizes], capacity, node_limit)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * len(costs) + 200))
    try:
        found = search.fill(m, m * capacity - sum(costs))
    except _Limit:
        return DiveResult("LIMIT", None, search.nodes)
    finally:
        sys.setrecursionlimit(limit)
    if not found:
        return DiveResult("INFEASIBLE", None, search.nodes)
    return DiveResult("FOUND", search.assignment(costs), search.nodes)


def _packed(counts: list[int]) -> bytes | tuple[int, ...]:
    """A compact, exact memo key for the item counts left."""
    return bytes(counts) if max(counts) < 256 else tuple(counts)


class _Search:
    """The state of one bin-completion search over item types (distinct sizes, largest first)."""

    def __init__(self, sizes: list[int], counts: list[int], capacity: int, node_limit: int):
        self.sizes = sizes
        self.cnt = counts
        self.cap = capacity
        self.node_limit = node_limit
        self.nodes = 0
        self.failed: set[tuple[int, bytes | tuple[int, ...]]] = set()
        self.bins: list[list[int]] = []  # type indices per filled bin, on the current path
        self.mask = (1 << (capacity + 1)) - 1

    def _tick(self) -> None:
        self.nodes += 1
        if self.nodes > self.node_limit:
            raise _Limit

    def _reachable(self, first: int) -> list[int]:
        """reach[t]: bitset of the sums the items of types >= t can make (up to capacity)."""
        reach = [0] * (len(self.sizes) + 1)
        bits = 1
        for t in range(len(self.sizes) - 1, first - 1, -1):
            size = self.sizes[t]
            for _ in range(self.cnt[t]):
                bits = (bits | (bits << size)) & self.mask
            reach[t] = bits
        for t in range(first):
            reach[t] = bits
        return reach

    def fill(self, bins_left: int, slack: int) -> bool:
        """Fill the remaining bins; `slack`: the free space the bins may still leave."""
        first = next((t for t, c in enumerate(self.cnt) if c), None)
        if first is None:
            return True
        if bins_left == 0:
            return False
        key = (bins_left, _packed(self.cnt))
        if key in self.failed:
            return False
        self._tick()
        self.cnt[first] -= 1
        space = self.cap - self.sizes[first]
        alone = next((t for t, c in enumerate(self.cnt) if c and self.sizes[t] <= space), None)
        largest_alone = self.sizes[alone] if alone is not None else 0
        self.bins.append([first])
        opened = _Bin(self, self._reachable(first), space - slack, largest_alone, bins_left, slack)
        if opened.extend(first, space, 0):
            return True
        self.bins.pop()
        self.cnt[first] += 1
        if len(self.failed) < MEMO_LIMIT:
            self.failed.add(key)
        return False

    def assignment(self, costs: Sequence[int]) -> list[int]:
        slots: dict[int, list[int]] = {}
        for b, types in enumerate(self.bins):
            for t in types:
                slots.setdefault(self.sizes[t], []).append(b)
        return [slots[c].pop() for c in costs]


class _Bin:
    """The completions of one opened bin, largest items first; each one recurses at once."""

    def __init__(
        self, search: _Search, reach: list[int], need: int, alone: int, bins_left: int, slack: int
    ):
        self.s = search
        self.reach = reach
        self.need = need  # the least fill the completion must add (waste <= slack)
        self.alone = alone  # the largest item that fits the bin alone (0 if none)
        self.bins_left = bins_left
        self.slack = slack

    def _smallest_left(self) -> int | None:
        cnt = self.s.cnt
        for t in range(len(cnt) - 1, -1, -1):
            if cnt[t]:
                return self.s.sizes[t]
        return None

    def extend(self, start: int, space: int, filled: int) -> bool:
        s = self.s
        s._tick()
        smallest = self._smallest_left()
        if smallest is None or smallest > space:
            return self._close(space, filled)
        low = max(0, self.need - filled)
        window = (1 << (space - low + 1)) - 1
        types = s.bins[-1]
        for t in range(start, len(s.sizes)):
            size = s.sizes[t]
            if not s.cnt[t] or size > space:
                continue
            if not (self.reach[t] >> low) & window:
                break  # no subset of the items from here on reaches the fill the bin needs
            s.cnt[t] -= 1
            types.append(t)
            if self.extend(t, space - size, filled + size):
                return True
            types.pop()
            s.cnt[t] += 1
        return False

    def _close(self, space: int, filled: int) -> bool:
        """A maximal completion: recurse unless its waste or the one-item rule excludes it."""
        if filled < self.need:
            return False
        chosen = len(self.s.bins[-1]) - 1
        if 0 < filled <= self.alone and not (chosen == 1 and filled == self.alone):
            return False  # the largest item that fits alone does at least as well
        return self.s.fill(self.bins_left - 1, self.slack - space)
