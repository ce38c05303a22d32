"""A fast start and a bound for the moves model: a greedy repair of the plan in use, and a
lower bound on the weight any repair must move.

The repair takes the pipeline furthest over its cap and moves out of it the cheapest item
that sheds the whole excess into a pipeline with room (else the item that sheds the most per
unit of weight), until every pipeline is within its caps. It respects the pipelines each item
may go to, the table cap, apart labels and schedule fit; it returns None when it gets stuck
(CP-SAT then starts from the plan in use).

The bound: every pipeline over its cap must shed its excess load (and excess p90 load); the
cheapest way to shed it, allowing fractions of items (a knapsack cover relaxed to an LP), is
a lower bound on that pipeline's moved weight, and pipelines shed independently.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from balancer.engine.instance import Item
from balancer.engine.rules import BinAfter, Limits, admitted


@dataclass(frozen=True)
class Caps:
    """What a pipeline may hold: load (cost) and p90 load per key, tables per pipeline."""

    load: int
    fit: Mapping[str, int | None]
    tables: int | None


@dataclass(frozen=True)
class Shedding:
    """Items in the pipelines `home` puts them in (None: new), the pipelines each may go to,
    the caps every pipeline must come within, and what moving each item weighs."""

    items: Sequence[Item]
    home: Mapping[int, str | None]
    allowed: Mapping[int, Sequence[str]]
    keys: Sequence[str]
    caps: Caps
    weight: Mapping[int, int]


class _State:
    def __init__(self, items: Sequence[Item], keys: Sequence[str]) -> None:
        self.items = items
        self.where: dict[int, str] = {}
        self.load: Counter[str] = Counter()
        self.fit: Counter[str] = Counter()
        self.size: Counter[str] = Counter()
        self.labels: dict[str, Counter[str]] = {k: Counter() for k in keys}
        self.members: dict[str, set[int]] = {k: set() for k in keys}

    def put(self, i: int, k: str, sign: int = 1) -> None:
        it = self.items[i]
        self.load[k] += sign * it.cost
        self.fit[k] += sign * it.p90
        self.size[k] += sign * it.size
        self.labels[k].update({label: sign for label in it.apart})
        if sign > 0:
            self.where[i] = k
            self.members[k].add(i)
        else:
            del self.where[i]
            self.members[k].discard(i)

    def fits(self, i: int, k: str, caps: Caps) -> bool:
        """Within the load the repair aims for (its search), and admitted by the rules (the
        pipelines an item may go to at all, pins included, are `allowed`)."""
        it = self.items[i]
        if self.load[k] + it.cost > caps.load:
            return False
        after = BinAfter(
            k,
            len(self.members[k]) + 1,
            self.size[k] + it.size,
            self.fit[k] + it.p90,
            self.labels[k],
            frozenset(),
            it.apart,
        )
        return admitted(after, Limits(max_tables=caps.tables, cap=caps.fit.get(k)))

    def excess(self, k: str, caps: Caps) -> tuple[int, int]:
        fit_cap = caps.fit.get(k)
        fit_over = 0 if fit_cap is None else max(0, self.fit[k] - fit_cap)
        return max(0, self.load[k] - caps.load), fit_over


def repair(p: Shedding) -> dict[int, str] | None:
    """A feasible assignment (item -> key) moving little weight from `home`, or None."""
    items, home, allowed, keys, caps = p.items, p.home, p.allowed, p.keys, p.caps
    state = _State(items, keys)
    for i in range(len(items)):
        k = home.get(i)
        if k is not None and k in allowed[i]:
            state.put(i, k)
    for i in range(len(items)):  # new tables (or ones whose pipeline went): most room first
        if i not in state.where:
            room = [k for k in allowed[i] if state.fits(i, k, caps)]
            if not room:
                return None
            state.put(i, min(room, key=lambda k: (state.load[k], k)))
    for _ in range(4 * len(items) + 1):
        over = [(excess, k) for k in keys if (excess := state.excess(k, caps)) != (0, 0)]
        if not over:
            return dict(state.where)
        (shed, shed_fit), k = max(over)
        move = _best_move(state, k, shed, shed_fit, allowed, caps, p.weight)
        if move is None:
            return None
        i, q = move
        state.put(i, k, -1)
        state.put(i, q)
    return None


def _best_move(
    state: _State,
    k: str,
    shed: int,
    shed_fit: int,
    allowed: Mapping[int, Sequence[str]],
    caps: Caps,
    weight: Mapping[int, int],
) -> tuple[int, str] | None:
    """The cheapest item of k that sheds the whole excess, else the one shedding the most per
    unit of weight; to the pipeline with the most room it fits in."""
    best: tuple[tuple[int, float, int], int, str] | None = None
    for i in sorted(state.members[k]):
        it = state.items[i]
        if len(allowed[i]) < 2 or state.size[k] <= it.size:
            continue  # pinned, frozen, or the last item (a pipeline never empties)
        room = [q for q in allowed[i] if q != k and state.fits(i, q, caps)]
        if not room:
            continue
        covers = it.cost >= shed and it.p90 >= shed_fit
        w = weight.get(i, 0)
        score = (0, float(w), i) if covers else (1, -it.cost / max(1, w), i)
        if best is None or score < best[0]:
            best = (score, i, min(room, key=lambda q: (state.load[q], q)))
    return None if best is None else (best[1], best[2])


def shed_bound(p: Shedding) -> int:
    """A lower bound on the weight any assignment within the caps must move out of `home`."""
    items, allowed, caps, weight = p.items, p.allowed, p.caps, p.weight
    members: dict[str, list[int]] = {k: [] for k in p.keys}
    for i, k in p.home.items():
        if k is not None and k in members:
            members[k].append(i)
    total = 0.0
    for k, held in members.items():
        load = sum(items[i].cost for i in held)
        fit = sum(items[i].p90 for i in held)
        fit_cap = caps.fit.get(k)
        need = [(load - caps.load, "cost")]
        if fit_cap is not None:
            need.append((fit - fit_cap, "p90"))
        movable = [i for i in held if len(allowed[i]) > 1]
        bound = 0.0
        for excess, kind in need:
            if excess > 0:
                bound = max(bound, _cover(items, movable, weight, excess, kind))
        total += bound
    if math.isinf(total):
        return 0  # some pipeline cannot shed its excess at all: CP-SAT will say so
    return math.ceil(total - 1e-9)


def _cover(
    items: Sequence[Item], movable: list[int], weight: Mapping[int, int], excess: int, kind: str
) -> float:
    """Least weight that sheds `excess` of cost (or p90) when items may be split: the LP of a
    knapsack cover, cheapest weight per second first."""
    size = {i: items[i].cost if kind == "cost" else items[i].p90 for i in movable}
    order = sorted(movable, key=lambda i: (weight.get(i, 0) / max(1, size[i]), i))
    left, spent = float(excess), 0.0
    for i in order:
        take = min(1.0, left / max(1, size[i]))
        spent += take * weight.get(i, 0)
        left -= take * size[i]
        if left <= 0:
            return spent
    return math.inf  # cannot shed it at all: CP-SAT will say so
