"""Stage 2 without a solver: a higher smallest load (less spread), by swaps of small sets of
items between the emptiest bin and another (`swaps`).

Contract of `raise_min_load`: it returns an assignment that keeps every rule
`swaps.SwapState.allowed` names, whose smallest load is no lower and whose largest load is no
higher than the start's; it stops early at `target`. Every swap lifts the emptiest bin and
leaves the other above the old minimum (so the lifted bin ends below the other's old load, and
the search cannot cycle). Pure and deterministic; `work` bounds how many swaps are weighed.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from balancer.engine.pool import PoolProblem
from balancer.engine.swaps import ItemSet, SwapState

EXACT_ITEMS = 40  # pools this small are searched exhaustively for the bound (one level an item)
Move = tuple[int, int, int, ItemSet, ItemSet]  # (-lifted load, items moved, x, give, take)


def min_load_bound(costs: Sequence[int], n_bins: int, nodes: int = 5_000) -> int:
    """No split of `costs` over n_bins bins has a smallest load above this. For every k, the
    bins that hold none of the k largest items share what those leave; small pools are then
    searched exhaustively (up to EXACT_ITEMS items, within `nodes`), which gives the best
    smallest load itself."""
    ordered = sorted(costs, reverse=True)
    total = sum(costs)
    bound = total // n_bins
    for k in range(1, min(n_bins, len(ordered) + 1)):
        bound = min(bound, (total - sum(ordered[:k])) // (n_bins - k))
    if len(ordered) > EXACT_ITEMS:
        return bound
    exact = _best_min_load(ordered, n_bins, bound, nodes)
    return bound if exact is None else exact


def _best_min_load(ordered: list[int], n_bins: int, bound: int, nodes: int) -> int | None:
    """The highest smallest load of any split (items largest first), or None past `nodes`."""
    loads = [0] * n_bins
    rest = [sum(ordered[i:]) for i in range(len(ordered) + 1)]
    best = -1
    left = nodes

    def place(i: int) -> bool:
        nonlocal best, left
        left -= 1
        if left < 0:
            return False
        if i == len(ordered):
            best = max(best, min(loads))
            return True
        reach = min(min(loads) + rest[i], (sum(loads) + rest[i]) // n_bins)
        if reach <= best:
            return True
        tried: set[int] = set()
        for b in range(n_bins):
            if loads[b] in tried:  # bins of equal load are interchangeable
                continue
            tried.add(loads[b])
            loads[b] += ordered[i]
            done = place(i + 1)
            loads[b] -= ordered[i]
            if not done:
                return False
            if best >= bound:
                return True
        return True

    return best if place(0) else None


def raise_min_load(
    problem: PoolProblem,
    assignment: list[int],
    target: int,
    work: int = 100_000,
    stop: Callable[[], bool] = lambda: False,
) -> list[int]:
    """The assignment with the highest smallest load found (see the module's contract); the
    best so far once `stop` says the wall deadline passed."""
    state = SwapState(problem, assignment)
    spent = 0
    while spent < work and not stop():
        loads = state.loads()
        low = min(loads)
        if low >= target:
            break
        y = loads.index(low)
        move, weighed = _best_move(state, loads, y)
        spent += weighed
        if move is None:
            break
        _, _, x, give, take = move
        state.swap(y, x, give, take)
    return state.assign


def _best_move(state: SwapState, loads: list[int], y: int) -> tuple[Move | None, int]:
    """The swap between bin y (the emptiest) and another that leaves the higher lesser load
    of the two (fewest items moved on ties), and how many swaps were weighed."""
    low = loads[y]
    best: Move | None = None
    weighed = 0
    for x in range(state.p.n_bins):
        if x == y:
            continue
        # y gains d = take - give: 1 <= d, and x stays above the old minimum
        most = loads[x] - low - 1
        if most < 1:
            continue
        sets_x = state.sets[x]
        costs_x = [s.cost for s in sets_x]
        weighed += len(state.sets[y])
        for give in state.sets[y]:
            j = bisect.bisect_left(costs_x, give.cost + 1)
            while j < len(sets_x) and costs_x[j] <= give.cost + most:
                take = sets_x[j]
                j += 1
                weighed += 1
                d = take.cost - give.cost
                key = (-min(low + d, loads[x] - d), len(give.items) + len(take.items), x)
                if best is not None and key >= best[:3]:
                    continue
                if state.allowed(y, x, give, take):
                    best = (*key, give, take)
    return best, weighed
