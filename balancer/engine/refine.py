"""Stages 2 and 3 of a solve, pool by pool: shrink the spread (raise the smallest load), then
split fewer categories across pipelines, each keeping the pool's load within its cap.

Each stage starts with a swap search (`spread_swaps`, `category_swaps`): fast, and on the
examples as good as or better than CP-SAT on a small budget. Stage 2 calls CP-SAT only when
the search leaves the smallest load below its bound; stage 3 only when the time limit gives
CP-SAT at least CATEGORY_CPSAT_MIN deterministic seconds, because on a small budget it costs
more wall time than the rest of a solve and finds less."""

from __future__ import annotations

from collections import Counter

from balancer.engine.category_swaps import fewer_touches, touches
from balancer.engine.pool import PoolProblem, by_load
from balancer.engine.pool_search import PoolSearch
from balancer.engine.spread_swaps import min_load_bound, raise_min_load

# Shares of the time limit (deterministic seconds) for the refinements: polish that must not
# make a small solve slow (the makespan stage's share is in `pool_search`).
SPREAD_SHARE = 0.01
CATEGORY_SHARE = 0.005
CATEGORY_CPSAT_MIN = 0.1  # so CP-SAT polishes category splits from --time-limit 20 up


def refine(search: PoolSearch, alloc: dict[str, int], caps: dict[str, int]) -> dict[str, list[int]]:
    """Spread, then category splits, in each pool of `alloc` (pool -> pipelines), starting
    from the splits `search` knows; each pool's load stays within caps[pool]. The new splits."""
    opt = search.opt
    final = {p: list(search.states[(p, n)].assign or []) for p, n in alloc.items()}
    if opt.stages < 2:
        return final
    for pool in sorted(alloc):
        final[pool] = spread(search, pool, alloc[pool], caps[pool], final[pool])
    if opt.stages < 3:
        return final
    slack = int(opt.spread_tolerance * max(caps.values()))
    for pool in sorted(alloc):
        st = search.states[(pool, alloc[pool])]
        low = min(st.problem.loads(final[pool])) - slack
        final[pool] = categories(search, pool, alloc[pool], caps[pool], low, final[pool])
    return final


def spread(search: PoolSearch, pool: str, n: int, cap: int, assign: list[int]) -> list[int]:
    """Stage 2: the highest smallest load found, every load within cap."""
    st = search.states[(pool, n)]
    if search.budget.out_of_time():
        return assign
    bound = min_load_bound(st.problem.costs, n)
    # With two bins the spread is 2 x max - total: settled by the makespan stage.
    if n == 1 or min(st.problem.loads(assign)) >= bound or (n == 2 and st.proven):
        return assign
    assign = raise_min_load(st.problem, assign, bound, stop=search.budget.out_of_time)
    lowest = min(st.problem.loads(assign))
    if lowest >= bound:
        search.rep.stage_done("spread", pool, "OPTIMAL")
        return assign
    limit = search.budget.take(SPREAD_SHARE)
    if search.budget.out_of_time() or not search.model_fits(st, limit):
        return assign
    from balancer.engine.cpsat import PoolModel

    model = PoolModel(st.problem, search.opt.seed, search.opt.workers, search.budget.wall_left())
    hint = by_load(st.problem, assign)
    res = model.maximize_min_load(cap, hint, limit)
    search.budget.spend(res.deterministic_time)
    search.budget.out_of_time()
    search.rep.stage_done("spread", pool, res.status)
    if res.assignment is not None and min(st.problem.loads(res.assignment)) > lowest:
        return res.assignment
    return assign


def categories(
    search: PoolSearch, pool: str, n: int, cap: int, low: int, assign: list[int]
) -> list[int]:
    """Stage 3: the fewest category splits found, every load within [low, cap]."""
    st = search.states[(pool, n)]
    if search.budget.out_of_time():
        return assign
    bound = _touch_bound(st.problem, n, cap)
    if touches(st.problem, assign) <= bound:
        return assign
    assign = fewer_touches(st.problem, assign, low, cap, stop=search.budget.out_of_time)
    current = touches(st.problem, assign)
    budget = search.budget.take(CATEGORY_SHARE)
    if (
        current <= bound
        or budget < CATEGORY_CPSAT_MIN
        or search.budget.out_of_time()
        or not search.model_fits(st, budget)
    ):
        search.rep.stage_done("categories", pool, "OPTIMAL" if current <= bound else "FEASIBLE")
        return assign
    from balancer.engine.cpsat import PoolModel

    model = PoolModel(st.problem, search.opt.seed, search.opt.workers, search.budget.wall_left())
    for load in model.ctx.loads:
        model.ctx.model.add(load <= cap)
    res = model.minimize_category_touches(low, by_load(st.problem, assign), budget)
    search.budget.spend(res.deterministic_time)
    search.budget.out_of_time()
    search.rep.stage_done("categories", pool, res.status)
    if res.assignment is not None and touches(st.problem, res.assignment) < current:
        return res.assignment
    return assign


def _touch_bound(problem: PoolProblem, n: int, cap: int) -> int:
    per_cat: Counter[str] = Counter()
    for i, cats in enumerate(problem.categories):
        for c in cats:
            per_cat[c] += problem.costs[i]
    need = sum(max(1, -(-cost // cap)) for cost in per_cat.values())
    return max(need, n)
