"""Stage 3 without a solver: fewer categories split over a pool's bins, by a tabu search
that swaps small sets of items between two bins (`swaps`).

Contract of `fewer_touches`: from an assignment whose loads lie within [low, high], it
returns one that also does, keeps every rule `swaps.SwapState.allowed` names, and has no
more (category, bin) pairs than the start. Pure and deterministic: ties go to the lowest
bins and the first sets in cost order; `work` bounds how many swaps are weighed.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable

from balancer.engine.pool import PoolProblem
from balancer.engine.swaps import ItemSet, SwapState

TENURE = 7  # rounds an item may not go back to the bin it left
PATIENCE = 10  # rounds without a new best before the search stops

Move = tuple[int, int, int, int, ItemSet, ItemSet]  # (change, items moved, x, y, give, take)


def touches(problem: PoolProblem, assignment: list[int]) -> int:
    """How many (category, bin) pairs the assignment has."""
    return len({(c, b) for i, b in enumerate(assignment) for c in problem.categories[i]})


def fewer_touches(
    problem: PoolProblem,
    assignment: list[int],
    low: int,
    high: int,
    work: int = 100_000,
    stop: Callable[[], bool] = lambda: False,
) -> list[int]:
    """The assignment with the fewest touches found (see the module's contract); the best
    so far once `stop` says the wall deadline passed."""
    return _Search(problem, assignment, low, high).run(work, stop)


class _Search:
    def __init__(self, problem: PoolProblem, assignment: list[int], low: int, high: int) -> None:
        self.p = problem
        self.low, self.high = low, high
        self.state = SwapState(problem, assignment)
        self.tabu: dict[tuple[int, int], int] = {}

    def run(self, work: int, stop: Callable[[], bool]) -> list[int]:
        state = self.state
        current = best_value = touches(self.p, state.assign)
        best = list(state.assign)
        spent = idle = rounds = 0
        while spent < work and idle < PATIENCE and best_value > 0 and not stop():
            rounds += 1
            move, weighed = self._best_move(rounds, current - best_value, stop)
            spent += weighed
            if move is None:
                break
            delta, _, x, y, give, take = move
            for out, left in ((give, x), (take, y)):
                for i in out.items:
                    self.tabu[(i, left)] = rounds + TENURE
            state.swap(x, y, give, take)
            current += delta
            if current < best_value:
                best_value, best, idle = current, list(state.assign), 0
            else:
                idle += 1
        return best

    def _best_move(
        self, now: int, above_best: int, stop: Callable[[], bool]
    ) -> tuple[Move | None, int]:
        """The swap that lowers touches most (fewest items moved on ties), and how many
        swaps were weighed. A tabu swap counts only if it reaches a new best. It weighs
        O(K^2) bin pairs: past the wall deadline, the best among those weighed."""
        state = self.state
        best: Move | None = None
        weighed = 0
        n_bins = self.p.n_bins
        for x in range(n_bins):
            if stop():
                break
            for y in range(x + 1, n_bins):
                sets_y = state.sets[y]
                costs_y = [s.cost for s in sets_y]
                wx, wy = state.whole[x], state.whole[y]
                weighed += len(state.sets[x])
                for give in state.sets[x]:
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
                        if not state.allowed(x, y, give, take):
                            continue
                        tabu = self._is_tabu(give, y, now) or self._is_tabu(take, x, now)
                        if tabu and delta + above_best >= 0:
                            continue
                        best = (delta, moved, x, y, give, take)
        return best, weighed

    def _is_tabu(self, moving: ItemSet, to: int, now: int) -> bool:
        return any(self.tabu.get((i, to), 0) >= now for i in moving.items)


def _delta(cats: Counter[str], out: ItemSet, into: ItemSet) -> int:
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
