"""A pool's bins under swaps of small sets of items between two bins: what the local searches
of stages 2 and 3 (`spread_swaps`, `category_swaps`) move, and the rules every swap keeps.

A swap is allowed when the rules admit both bins as the swap leaves them (`rules.admitted`:
pins in place, apart labels apart, at most `max_tables` tables and at most `cap` of p90 load
per bin, no bin empty). Loads are the searches' own business. Deterministic: sets come in (cost, items) order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from math import comb

from balancer.engine.pool import PoolProblem
from balancer.engine.rules import BinAfter, Limits, admitted

MAX_SET = 3  # items one side of a swap may give
ROUND_WORK = 100_000  # a round weighs at most about this many swaps: sets shrink to fit


@dataclass(frozen=True)
class ItemSet:
    """Items of one bin that may leave it together, with what they carry."""

    cost: int
    fit: int
    size: int
    items: tuple[int, ...]
    cats: Counter[str]
    labels: Counter[str]


class SwapState:
    """An assignment, each bin's contents as one `ItemSet` (`whole`) and the sets that may
    leave each bin (`sets`): every set of up to `size` unpinned items, the empty set, and
    each category's unpinned items together (so a category can leave a bin whole)."""

    def __init__(self, problem: PoolProblem, assignment: list[int]) -> None:
        self.p = problem
        self.limits = Limits(max_tables=problem.max_tables, cap=problem.cap)
        self.assign = list(assignment)
        self.members: list[list[int]] = [[] for _ in range(problem.n_bins)]
        for i, b in enumerate(assignment):
            self.members[b].append(i)
        self.whole = [self.carried(tuple(m)) for m in self.members]
        self.size = _set_size([len(m) for m in self.members])
        self.sets = [self._sets(b) for b in range(problem.n_bins)]

    def loads(self) -> list[int]:
        return [w.cost for w in self.whole]

    def allowed(self, x: int, y: int, give: ItemSet, take: ItemSet) -> bool:
        """Whether the rules let bins x and y be as they are after x gives `give` and takes
        `take` (pinned items are never in a set, so they never move)."""
        for bin_, out, into in ((x, give, take), (y, take, give)):
            whole = self.whole[bin_]
            after = BinAfter(
                bin_,
                len(self.members[bin_]) - len(out.items) + len(into.items),
                whole.size - out.size + into.size,
                whole.fit - out.fit + into.fit,
                whole.labels,
                out.labels,
                into.labels,
            )
            if not admitted(after, self.limits):
                return False
        return True

    def swap(self, x: int, y: int, give: ItemSet, take: ItemSet) -> None:
        """Bin x gives `give` to y and takes `take` from it."""
        for out, src, dst in ((give, x, y), (take, y, x)):
            for i in out.items:
                self.assign[i] = dst
                self.members[src].remove(i)
                self.members[dst].append(i)
        for b in (x, y):
            self.members[b].sort()
            self.whole[b] = self.carried(tuple(self.members[b]))
            self.sets[b] = self._sets(b)

    def carried(self, items: tuple[int, ...]) -> ItemSet:
        p = self.p
        return ItemSet(
            sum(p.costs[i] for i in items),
            sum(p.fit_costs[i] for i in items),
            sum(p.sizes[i] for i in items),
            items,
            Counter(c for i in items for c in p.categories[i]),
            Counter(label for i in items for label in p.apart[i]),
        )

    def _sets(self, b: int) -> list[ItemSet]:
        movable = [i for i in self.members[b] if self.p.pins[i] is None]
        chosen = {items for k in range(self.size + 1) for items in combinations(movable, k)}
        by_category: dict[str, list[int]] = {}
        for i in movable:
            for c in self.p.categories[i]:
                by_category.setdefault(c, []).append(i)
        chosen.update(tuple(items) for items in by_category.values())
        out = [self.carried(items) for items in chosen]
        out.sort(key=lambda s: (s.cost, s.items))
        return out


def _set_size(bin_sizes: list[int]) -> int:
    """The largest set size (at most MAX_SET) whose swaps over all bin pairs fit ROUND_WORK."""
    for size in range(MAX_SET, 0, -1):
        counts = [sum(comb(n, k) for k in range(size + 1)) for n in bin_sizes]
        pairs = sum(a * b for i, a in enumerate(counts) for b in counts[i + 1 :])
        if pairs <= ROUND_WORK:
            return size
    return 1
