"""Stages 2 and 3 of a solve, pool by pool: shrink the spread (raise the smallest load), then
split fewer categories across pipelines, each keeping the pool's load within its cap.

Stage 3 is a tabu search (`category_swaps`); CP-SAT continues from its result only when the
time limit gives it at least CATEGORY_CPSAT_MIN deterministic seconds, because on a small
budget CP-SAT costs more wall time than the whole rest of a solve and finds less."""

from __future__ import annotations

from collections import Counter

from balancer.engine.category_swaps import fewer_touches, touches
from balancer.engine.pool import PoolProblem, by_load
from balancer.engine.pool_search import PoolSearch

# Shares of the time limit (deterministic seconds) for the refinements: polish that must not
# make a small solve slow (the makespan stage's share is in `pool_search`).
SPREAD_SHARE = 0.01
CATEGORY_SHARE = 0.005
CATEGORY_CPSAT_MIN = 0.1  # so CP-SAT polishes category splits from --time-limit 20 up


class Refiner(PoolSearch):
    def _refine(self, alloc: dict[str, int], caps: dict[str, int]) -> dict[str, list[int]]:
        """Spread, then category splits, in each pool; its load stays within caps[pool]."""
        final = {p: list(self.cache[(p, n)].assign or []) for p, n in alloc.items()}
        if self.opt.stages < 2:
            return final
        from balancer.engine.cpsat import PoolModel

        minima: dict[str, int] = {}
        for pool in sorted(alloc):
            st = self.cache[(pool, alloc[pool])]
            n = alloc[pool]
            cap = caps[pool]
            loads = _loads(st.problem, final[pool])
            minima[pool] = min(loads)
            # With two bins the spread is 2 x max - total: settled by the makespan stage.
            if n == 1 or min(loads) >= st.problem.total // n or (n == 2 and st.proven):
                continue
            model = PoolModel(st.problem, self.opt.seed, self.opt.workers)
            res = model.maximize_min_load(cap, by_load(st.problem, final[pool]), self.budget.take(SPREAD_SHARE))
            self.budget.spend(res.deterministic_time)
            self.rep.stage_done("spread", pool, res.status)
            if (
                res.assignment is not None
                and min(_loads(st.problem, res.assignment)) > minima[pool]
            ):
                final[pool] = res.assignment
                minima[pool] = min(_loads(st.problem, res.assignment))
        if self.opt.stages < 3:
            return final
        slack = int(self.opt.spread_tolerance * max(caps.values()))
        for pool in sorted(alloc):
            st = self.cache[(pool, alloc[pool])]
            n = alloc[pool]
            cap = caps[pool]
            bound = _touch_bound(st.problem, n, cap)
            if touches(st.problem, final[pool]) <= bound:
                continue
            final[pool] = fewer_touches(st.problem, final[pool], minima[pool] - slack, cap)
            current = touches(st.problem, final[pool])
            budget = self.budget.take(CATEGORY_SHARE)
            if current <= bound or budget < CATEGORY_CPSAT_MIN:
                self.rep.stage_done(
                    "categories", pool, "OPTIMAL" if current <= bound else "FEASIBLE"
                )
                continue
            model = PoolModel(st.problem, self.opt.seed, self.opt.workers)
            for load in model.ctx.loads:
                model.ctx.model.add(load <= cap)
            hint = by_load(st.problem, final[pool])
            res = model.minimize_category_touches(minima[pool] - slack, hint, budget)
            self.budget.spend(res.deterministic_time)
            self.rep.stage_done("categories", pool, res.status)
            if res.assignment is not None and touches(st.problem, res.assignment) < current:
                final[pool] = res.assignment
        return final


def _loads(problem: PoolProblem, assign: list[int]) -> list[int]:
    loads = [0] * problem.n_bins
    for i, b in enumerate(assign):
        loads[b] += problem.costs[i]
    return loads


def _touch_bound(problem: PoolProblem, n: int, cap: int) -> int:
    per_cat: Counter[str] = Counter()
    for i, cats in enumerate(problem.categories):
        for c in cats:
            per_cat[c] += problem.costs[i]
    need = sum(max(1, -(-cost // cap)) for cost in per_cat.values())
    return max(need, n)
