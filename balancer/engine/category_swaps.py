"""Stage 3 without a solver: fewer categories split over a pool's bins, by a tabu search
that swaps small sets of items between two bins.

Contract of `fewer_touches`: from an assignment whose loads lie within [low, high], it
returns one that also does, with every rule a pool has kept (pins in place, apart labels
apart, at most `max_tables` tables and at most `cap` of p90 load per bin, no bin empty) and
no more (category, bin) pairs than the start. Pure and deterministic: ties go to the lowest
bins and the first sets in cost order; `work` bounds how many swaps are weighed.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from math import comb

from balancer.engine.pool import PoolProblem

MAX_SET = 3  # items one side of a swap may give
ROUND_WORK = 100_000  # a round weighs at most about this many swaps: sets shrink to fit
TENURE = 7  # rounds an item may not go back to the bin it left
PATIENCE = 10  # rounds without a new best before the search stops


@dataclass(frozen=True)
class _Set:
    """Items of one bin that may leave it together, with what they carry."""

    cost: int
    fit: int
    size: int
    items: tuple[int, ...]
    cats: Counter[str]
    labels: Counter[str]


def touches(problem: PoolProblem, assignment: list[int]) -> int:
    """How many (category, bin) pairs the assignment has."""
    return len({(c, b) for i, b in enumerate(assignment) for c in problem.categories[i]})


def fewer_touches(
    problem: PoolProblem, assignment: list[int], low: int, high: int, work: int = 100_000
) -> list[int]:
    """The assignment with the fewest touches found (see the module's contract)."""
    search = _Search(problem, assignment, low, high)
    return search.run(work)


class _Search:
    def __init__(self, problem: PoolProblem, assignment: list[int], low: int, high: int) -> None:
        self.p = problem
        self.low, self.high = low, high
        self.assign = list(assignment)
        self.members: list[list[int]] = [[] for _ in range(problem.n_bins)]
        for i, b in enumerate(assignment):
            self.members[b].append(i)
        self.whole = [self._carried(tuple(m)) for m in self.members]
        self.size = _set_size([len(m) for m in self.members])
        self.sets = [self._sets(b) for b in range(problem.n_bins)]
        self.tabu: dict[tuple[int, int], int] = {}

    def run(self, work: int) -> list[int]:
        current = best_value = touches(self.p, self.assign)
        best = list(self.assign)
        spent = idle = 0
        rounds = 0
        while spent < work and idle < PATIENCE and best_value > 0:
            rounds += 1
            move, weighed = self._best_move(rounds, current - best_value)
            spent += weighed
            if move is None:
                break
            delta, _, x, y, give, take = move
            self._swap(x, y, give, take, rounds)
            current += delta
            if current < best_value:
                best_value, best, idle = current, list(self.assign), 0
            else:
                idle += 1
        return best

    def _best_move(
        self, now: int, above_best: int
    ) -> tuple[tuple[int, int, int, int, _Set, _Set] | None, int]:
        """The swap that lowers touches most (fewest items moved on ties), and how many
        swaps were weighed. A tabu swap counts only if it reaches a new best."""
        best: tuple[int, int, int, int, _Set, _Set] | None = None
        weighed = 0
        n_bins = self.p.n_bins
        for x in range(n_bins):
            for y in range(x + 1, n_bins):
                sets_y = self.sets[y]
                costs_y = [s.cost for s in sets_y]
                wx, wy = self.whole[x], self.whole[y]
                weighed += len(self.sets[x])
                for give in self.sets[x]:
                    # the cost the other side must bring so both loads stay in [low, high]
                    lo = max(self.low - wx.cost, wy.cost - self.high) + give.cost
                    hi = min(self.high - wx.cost, wy.cost - self.low) + give.cost
                    j = bisect.bisect_left(costs_y, lo)
                    while j < len(sets_y) and costs_y[j] <= hi:
                        take = sets_y[j]
                        j += 1
                        if not give.items and not take.items:
                            continue
                        weighed += 1
                        delta = _delta(wx.cats, give, take) + _delta(wy.cats, take, give)
                        moved = len(give.items) + len(take.items)
                        if best is not None and (delta, moved) >= best[:2]:
                            continue
                        if not self._allowed(x, y, give, take):
                            continue
                        tabu = self._is_tabu(give, y, now) or self._is_tabu(take, x, now)
                        if tabu and delta + above_best >= 0:
                            continue
                        best = (delta, moved, x, y, give, take)
        return best, weighed

    def _allowed(self, x: int, y: int, give: _Set, take: _Set) -> bool:
        """Whether bins x and y keep every rule after x gives `give` and takes `take`."""
        p = self.p
        for bin_, out, into in ((x, give, take), (y, take, give)):
            whole = self.whole[bin_]
            if len(self.members[bin_]) - len(out.items) + len(into.items) < 1:
                return False
            if p.cap is not None and whole.fit - out.fit + into.fit > p.cap:
                return False
            if p.max_tables is not None and whole.size - out.size + into.size > p.max_tables:
                return False
            for label in into.labels:
                if whole.labels[label] - out.labels[label] > 0:
                    return False
        return True

    def _is_tabu(self, moving: _Set, to: int, now: int) -> bool:
        return any(self.tabu.get((i, to), 0) >= now for i in moving.items)

    def _swap(self, x: int, y: int, give: _Set, take: _Set, now: int) -> None:
        for out, src, dst in ((give, x, y), (take, y, x)):
            for i in out.items:
                self.assign[i] = dst
                self.members[src].remove(i)
                self.members[dst].append(i)
                self.tabu[(i, src)] = now + TENURE
        for b in (x, y):
            self.members[b].sort()
            self.whole[b] = self._carried(tuple(self.members[b]))
            self.sets[b] = self._sets(b)

    def _carried(self, items: tuple[int, ...]) -> _Set:
        p = self.p
        return _Set(
            sum(p.costs[i] for i in items),
            sum(p.fit_costs[i] for i in items),
            sum(p.sizes[i] for i in items),
            items,
            Counter(c for i in items for c in p.categories[i]),
            Counter(label for i in items for label in p.apart[i]),
        )

    def _sets(self, b: int) -> list[_Set]:
        """Every set of up to `self.size` movable items of bin b, the empty set included,
        in (cost, items) order."""
        movable = [i for i in self.members[b] if self.p.pins[i] is None]
        chosen = {items for k in range(self.size + 1) for items in combinations(movable, k)}
        by_category: dict[str, list[int]] = {}
        for i in movable:
            for c in self.p.categories[i]:
                by_category.setdefault(c, []).append(i)
        chosen.update(tuple(items) for items in by_category.values())
        out = [self._carried(items) for items in chosen]
        out.sort(key=lambda s: (s.cost, s.items))
        return out


def _delta(cats: Counter[str], out: _Set, into: _Set) -> int:
    """Change in a bin's category count when `out` leaves and `into` arrives."""
    change = 0
    for c, n in out.cats.items():
        # a category that leaves counts only if all of it leaves and none arrives
        if cats[c] == n and c not in into.cats:
            change -= 1
    for c in into.cats:
        if cats[c] == 0:
            change += 1
    return change


def _set_size(bin_sizes: list[int]) -> int:
    """The largest set size (at most MAX_SET) whose swaps over all bin pairs fit ROUND_WORK."""
    for size in range(MAX_SET, 0, -1):
        counts = [sum(comb(n, k) for k in range(size + 1)) for n in bin_sizes]
        pairs = sum(a * b for i, a in enumerate(counts) for b in counts[i + 1 :])
        if pairs <= ROUND_WORK:
            return size
    return 1
