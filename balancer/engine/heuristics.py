"""Fast heuristics for a pool: LPT, Karmarkar-Karp, and a local search that keeps every rule.

They give the solver its starting hint and its fallback; the solver never returns anything
worse than the best of them. All functions are pure and deterministic (ties go to the lower
index).
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Sequence
from typing import Any

from balancer.engine.placement import BinState, only_table_cap, restricted
from balancer.engine.pool import PoolProblem

Assignment = list[int]
Stop = Callable[[], bool]  # True once the wall deadline has passed (never, without a clock)


def _never() -> bool:
    return False


def lpt(costs: Sequence[int], n_bins: int) -> Assignment:
    """Longest processing time first: largest cost to the least-loaded bin."""
    order = sorted(range(len(costs)), key=lambda i: (-costs[i], i))
    heap = [(0, b) for b in range(n_bins)]
    assign = [0] * len(costs)
    for i in order:
        load, b = heapq.heappop(heap)
        assign[i] = b
        heapq.heappush(heap, (load + costs[i], b))
    return assign


def _flatten(tree: Any, out: list[int]) -> None:
    stack = [tree]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, int):
            out.append(node)
        else:
            stack.extend(node)


def karmarkar_karp(costs: Sequence[int], n_bins: int) -> Assignment:
    """Multi-way largest differencing: merge the two partial partitions that differ most."""
    found = differenced(costs, n_bins, _never)
    assert found is not None
    return found


def differenced(costs: Sequence[int], n_bins: int, stop: Stop) -> Assignment | None:
    """`karmarkar_karp`, or None when `stop` says the time is out before it ends (it takes
    O(n K log K))."""
    n = len(costs)
    if n == 0:
        return []
    heap: list[tuple[int, int, list[tuple[int, Any]]]] = []
    for i in sorted(range(n), key=lambda i: (-costs[i], i)):
        state: list[tuple[int, Any]] = [(costs[i], i)] + [(0, None)] * (n_bins - 1)
        heapq.heappush(heap, (-costs[i], i, state))
    counter = n
    while len(heap) > 1:
        if counter % 64 == 0 and stop():
            return None
        _, _, left = heapq.heappop(heap)
        _, _, right = heapq.heappop(heap)
        merged = [
            (left[j][0] + right[n_bins - 1 - j][0], (left[j][1], right[n_bins - 1 - j][1]))
            for j in range(n_bins)
        ]
        merged.sort(key=lambda s: -s[0])
        heapq.heappush(heap, (-(merged[0][0] - merged[-1][0]), counter, merged))
        counter += 1
    final = heap[0][2]
    assign = [0] * n
    for b, part in enumerate(final):
        members: list[int] = []
        _flatten(part[1], members)
        for i in members:
            assign[i] = b
    return assign


def greedy(problem: PoolProblem) -> Assignment | None:
    """LPT that keeps pins, apart labels and the table cap; None when it gets stuck.

    Items with more restrictions go first among equal costs so that they find room.
    """
    if only_table_cap(problem):
        return _capped_lpt(problem)
    state = BinState(problem)
    pinned = [i for i in range(problem.n_items) if problem.pins[i] is not None]
    for i in pinned:
        b = problem.pins[i]
        assert b is not None
        if not state.can_place(i, b):
            return None
        state.add(i, b)
    rest = [i for i in range(problem.n_items) if problem.pins[i] is None]
    rest.sort(key=lambda i: (-problem.costs[i], -len(problem.apart[i]), -problem.sizes[i], i))
    for i in rest:
        best = -1
        for b in range(problem.n_bins):
            if state.can_place(i, b) and (best < 0 or state.loads[b] < state.loads[best]):
                best = b
        if best < 0:
            return None
        state.add(i, best)
    return list(state.assign)


def _capped_lpt(problem: PoolProblem) -> Assignment | None:
    """`greedy` where only the table cap can refuse a bin: the same choices (the least loaded
    bin with room, ties to the lower index) from a heap, in O(n log K) instead of O(n K)."""
    cap = problem.max_tables
    assert cap is not None
    order = sorted(range(problem.n_items), key=lambda i: (-problem.costs[i], -problem.sizes[i], i))
    heap = [(0, b) for b in range(problem.n_bins)]
    sizes = [0] * problem.n_bins
    assign = [-1] * problem.n_items
    for i in order:
        full: list[tuple[int, int]] = []
        while heap and sizes[heap[0][1]] + problem.sizes[i] > cap:
            full.append(heapq.heappop(heap))
        if not heap:
            return None
        load, b = heapq.heappop(heap)
        assign[i] = b
        sizes[b] += problem.sizes[i]
        heapq.heappush(heap, (load + problem.costs[i], b))
        for entry in full:
            heapq.heappush(heap, entry)
    return assign


def makespan_of(problem: PoolProblem, assign: Sequence[int]) -> int:
    return max(problem.loads(assign), default=0)


def _two_bin_split(costs: list[int], items: list[int]) -> tuple[list[int], list[int]] | None:
    """Split items over two bins as evenly as possible (subset-sum DP on an int bitset)."""
    total = sum(costs[i] for i in items)
    if len(items) * (total + 1) > 40_000_000:
        return None
    reach = [1]
    for i in items:
        reach.append(reach[-1] | (reach[-1] << costs[i]))
    final = reach[-1]
    target = total // 2
    mask = final & ((1 << (target + 1)) - 1)
    s = mask.bit_length() - 1
    side_a: list[int] = []
    side_b: list[int] = []
    for k in range(len(items) - 1, -1, -1):
        i = items[k]
        if (reach[k] >> s) & 1:
            side_b.append(i)
        else:
            side_a.append(i)
            s -= costs[i]
    return side_a, side_b


def improve(
    problem: PoolProblem,
    assign: Assignment,
    target: int = 0,
    rounds: int = 100_000,
    stop: Stop = _never,
) -> Assignment:
    """Local search on the fullest bin: moves, swaps, then (without side rules) two-bin DP.

    Each accepted step lowers (max load, number of bins at max load), so it ends. Stops early
    once the max load reaches `target` (a lower bound), or when `stop` says the time is out.
    """
    state = BinState(problem, assign)
    costs = problem.costs
    free = [problem.pins[i] is None for i in range(problem.n_items)]
    n_bins = problem.n_bins
    dp_ok = not restricted(problem)
    for _ in range(rounds):
        bmax = state.max_bin()
        top = state.loads[bmax]
        if top <= target or n_bins == 1 or stop():
            break
        if _try_move(state, bmax, top, free) or _try_swap(state, bmax, top, free):
            continue
        if dp_ok and _try_two_bin(state, bmax, top, list(costs), stop):
            continue
        if dp_ok and _balance_pairs(state, list(costs), stop):
            continue
        break
    return list(state.assign)


def _balance_pairs(state: BinState, costs: list[int], stop: Stop = _never) -> bool:
    """Re-split every pair of bins as evenly as possible; True if any pair changed.

    Each re-split lowers the pair's larger load, so the sorted load vector only decreases.
    The pairs are visited fullest first; the caller retries the cheaper moves afterwards.
    """
    order = sorted(range(state.p.n_bins), key=lambda b: (-state.loads[b], b))
    changed = False
    for x, b1 in enumerate(order):
        if stop():  # K^2 / 2 pairs: past the wall deadline, what changed so far
            break
        for b2 in order[x + 1 :]:
            hi = max(state.loads[b1], state.loads[b2])
            if hi - min(state.loads[b1], state.loads[b2]) <= 1:
                continue
            items = sorted(state.members[b1] | state.members[b2])
            split = _two_bin_split(costs, items)
            if split is None:
                continue
            changed |= _apply_if_lower(state, split, b1, b2, hi)
    return changed


def _try_move(state: BinState, bmax: int, top: int, free: list[bool]) -> bool:
    costs = state.p.costs
    best: tuple[int, int, int] | None = None
    for i in sorted(state.members[bmax]):
        if not free[i]:
            continue
        for b in range(state.p.n_bins):
            if b == bmax:
                continue
            new_pair = max(top - costs[i], state.loads[b] + costs[i])
            if new_pair < top and state.can_place(i, b):
                cand = (new_pair, i, b)
                if best is None or cand < best:
                    best = cand
    if best is None:
        return False
    _, i, b = best
    state.remove(i)
    state.add(i, b)
    return True


def _try_swap(state: BinState, bmax: int, top: int, free: list[bool]) -> bool:
    costs = state.p.costs
    mine = sorted(i for i in state.members[bmax] if free[i])
    best: tuple[int, int, int] | None = None
    for b in range(state.p.n_bins):
        if b == bmax:
            continue
        gap = top - state.loads[b]
        if gap <= 1:
            continue
        theirs = sorted((costs[j], j) for j in state.members[b] if free[j])
        if not theirs:
            continue
        keys = [c for c, _ in theirs]
        for i in mine:
            # Want d = c_i - c_j in (0, gap), ideally gap / 2.
            want = costs[i] - gap // 2
            pos = bisect.bisect_left(keys, want)
            for k in (pos - 2, pos - 1, pos, pos + 1):
                if not 0 <= k < len(theirs):
                    continue
                cj, j = theirs[k]
                d = costs[i] - cj
                if not 0 < d < gap:
                    continue
                new_pair = max(top - d, state.loads[b] + d)
                cand = (new_pair, i, j)
                if (
                    (best is None or cand < best)
                    and state.can_place(i, b, leaving=j)
                    and state.can_place(j, bmax, leaving=i)
                ):
                    best = cand
    if best is None:
        return False
    _, i, j = best
    bi, bj = state.assign[i], state.assign[j]
    state.remove(i)
    state.remove(j)
    state.add(i, bj)
    state.add(j, bi)
    return True


def _try_two_bin(
    state: BinState, bmax: int, top: int, costs: list[int], stop: Stop = _never
) -> bool:
    for b in sorted(range(state.p.n_bins), key=lambda b: (state.loads[b], b)):
        if b == bmax:
            continue
        if stop():
            return False
        items = sorted(state.members[bmax] | state.members[b])
        split = _two_bin_split(costs, items)
        if split is None:
            continue
        if _apply_if_lower(state, split, bmax, b, top):
            return True
    return False


def _apply_if_lower(
    state: BinState, split: tuple[list[int], list[int]], b1: int, b2: int, limit: int
) -> bool:
    """Put split[0] in b1 and split[1] in b2 if the larger side stays below `limit`."""
    costs = state.p.costs
    side_a, side_b = split
    if max(sum(costs[i] for i in side_a), sum(costs[i] for i in side_b)) >= limit:
        return False
    for i in (*side_a, *side_b):
        state.remove(i)
    for i in side_a:
        state.add(i, b1)
    for i in side_b:
        state.add(i, b2)
    return True


def best_heuristic(problem: PoolProblem, target: int = 0, stop: Stop = _never) -> Assignment | None:
    """The best of LPT and KK (or the constrained greedy), each improved by local search;
    once `stop` says the time is out, the best start found so far, improved no further."""
    candidates: list[Assignment] = []
    side = restricted(problem)  # the rules limit where items go: the greedy that asks them
    if side:
        start = greedy(problem)
        if start is not None:
            candidates.append(start)
    else:
        candidates.append(lpt(problem.costs, problem.n_bins))
        kk = None if stop() else differenced(problem.costs, problem.n_bins, stop)
        if kk is not None:
            candidates.append(kk)
    best: Assignment | None = None
    best_key: tuple[int, int] | None = None
    for rank, start in enumerate(candidates):
        improved = improve(problem, start, target, stop=stop)
        key = (makespan_of(problem, improved), rank)
        if best_key is None or key < best_key:
            best, best_key = improved, key
        if best_key[0] <= target:
            break
    if best is not None and best_key is not None and best_key[0] > target and not side:
        best = kick(problem, best, target, stop=stop)
    return best


def kick(
    problem: PoolProblem,
    assign: Assignment,
    target: int,
    tries: int = 60,
    seed: int = 0,
    stop: Stop = _never,
) -> Assignment:
    """Iterated local search: swap two random items between random bins, improve, keep if
    no worse. Seeded, so repeatable. Stops at `target`."""
    import random

    rng = random.Random(seed)
    best = list(assign)
    best_ms = makespan_of(problem, best)
    free = [i for i in range(problem.n_items) if problem.pins[i] is None]
    if len(free) < 2 or problem.n_bins < 2:
        return best
    current = list(best)
    for _ in range(tries):
        if stop():
            break
        trial = list(current)
        for _ in range(2):
            i, j = rng.sample(free, 2)
            if trial[i] != trial[j]:
                trial[i], trial[j] = trial[j], trial[i]
        if len(set(trial)) < problem.n_bins:
            continue
        trial = improve(problem, trial, target, stop=stop)
        ms = makespan_of(problem, trial)
        if ms <= best_ms:
            current = trial
            if ms < best_ms:
                best, best_ms = list(trial), ms
                if best_ms <= target:
                    break
    return best
