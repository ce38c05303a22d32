"""The assignment solver: every item to exactly one of K pipelines.

Pure: takes an `Instance`, returns a `Solution`, reports progress through a `Reporter`.

How it works. Pools (one purity group and schedule each) never share pipelines, so a plan is
an allocation of pipelines to pools plus an independent split inside each pool. For each pool
and pipeline count n the solver knows a lower bound (`bounds`) and a heuristic split
(`heuristics`); CP-SAT (`cpsat`) closes the gap only for the pool that sets the makespan. The
allocation gives the next pipeline to the pool with the longest makespan, which is optimal
for a min-max of non-increasing functions; run on lower bounds it gives the proven bound.
Then, for the chosen K, each pool's spread and category splits are improved in turn, each
stage keeping the earlier within its tolerance. Deterministic: fixed seeds, deterministic
time limits, ties broken by index.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from balancer.engine.instance import Instance
from balancer.engine.pool import PoolProblem
from balancer.engine.pool_search import MAKESPAN_SHARE, PoolSearch
from balancer.engine.reporter import Reporter
from balancer.errors import InfeasibleError, SolverError
from balancer.model import PlanStatus, Settings, SolveStatus
from balancer.model import category_splits as count_splits

# Shares of the time limit (deterministic seconds) for the refinements: polish that must not
# make a small solve slow (the makespan stage's share is in `pool_search`).
SPREAD_SHARE = 0.01
CATEGORY_SHARE = 0.005


@dataclass(frozen=True)
class SolveOptions:
    time_limit_s: float = 10.0
    k_tolerance: float = 0.05
    makespan_tolerance: float = 0.0
    spread_tolerance: float = 0.01
    seed: int = 0
    workers: int = 2
    stages: int = 3
    dive_nodes: int = 100_000
    # Benchmarks pass time.perf_counter to also stop at time_limit_s of wall time; a plan
    # made with a clock is no longer guaranteed to be reproducible.
    clock: Callable[[], float] | None = None

    @classmethod
    def of(cls, settings: Settings) -> SolveOptions:
        """The solver's share of a plan's settings (the fields both have, by name)."""
        names = {f.name for f in dataclasses.fields(cls)} & {
            f.name for f in dataclasses.fields(settings)
        }
        return cls(**{name: getattr(settings, name) for name in sorted(names)})


@dataclass(frozen=True)
class Bin:
    """One pipeline of the solution: its pool, its pin name (if named) and its items."""

    pool: str
    pin: str | None
    items: tuple[int, ...]
    load: int


@dataclass(frozen=True)
class Solution:
    k: int
    bins: tuple[Bin, ...]
    makespan: int
    lower_bound: int
    spread: int
    category_splits: int
    status: PlanStatus
    deterministic_time: float
    k_results: tuple[tuple[int, int, int, SolveStatus], ...] = ()


class Solver(PoolSearch):
    """One solve of one instance. Use `solve()`; the object only holds caches."""

    def _allocate_on_bounds(self, k: int) -> dict[str, int]:
        """Greedy min-max allocation of k bins to pools on lower bounds (cheap, exact for them)."""
        alloc = dict(self.min_bins)
        while sum(alloc.values()) < k:
            best = None
            for pool in sorted(alloc):
                if alloc[pool] >= self.max_bins[pool]:
                    continue
                n = alloc[pool]
                score = (self._monotone_lb(pool, n, self.inst.k_max), self._lb(pool, n))
                if best is None or score > best[0]:
                    best = (score, pool)
            assert best is not None
            alloc[best[1]] += 1
        return alloc

    def _allocate(self, k: int) -> dict[str, int]:
        """Start from the bound allocation; move a bin to the bottleneck pool while that helps."""
        alloc = self._allocate_on_bounds(k)
        for _ in range(4 * k):
            ubs = {p: self._heuristic(p, n).ub for p, n in alloc.items()}
            worst = max(ubs.values())
            neck = max(sorted(alloc), key=lambda p: ubs[p])
            if alloc[neck] >= self.max_bins[neck]:
                break
            moved = False
            for donor in sorted(alloc, key=lambda p: (ubs[p], p)):
                if donor == neck or alloc[donor] <= self.min_bins[donor]:
                    continue
                trial = dict(alloc)
                trial[donor] -= 1
                trial[neck] += 1
                if max(self._heuristic(p, n).ub for p, n in trial.items()) < worst:
                    alloc, moved = trial, True
                    break
            if not moved:
                break
        return alloc

    def _needs_text(self) -> str:
        parts = []
        for p, n in sorted(self.min_bins.items()):
            binding = [need.why for need in self._needs(p) if need.pipelines == n and n > 1]
            reason = f" ({'; '.join(binding)})" if binding else ""
            parts.append(f"{p.replace('@', ' @ ')} needs {n}{reason}")
        return ", ".join(parts)

    def _feasible_k(self, k: int) -> str | None:
        """Why k pipelines cannot work, or None."""
        need = sum(self.min_bins.values())
        room = sum(self.max_bins.values())
        if need > k:
            return (
                f"{k} pipeline(s) are too few: each group/schedule needs its own pipelines: "
                f"{self._needs_text()}; {need} in all."
            )
        if room < k:
            return (
                f"{k} pipelines are too many: only {room} tables (or together-groups) can each "
                f"fill a pipeline ({self._items_text()})."
            )
        return None

    def _items_text(self) -> str:
        """Each pool with the items that can fill its pipelines, a few named."""
        parts = []
        for p, items in sorted(self.pool_items.items()):
            keys = [self.inst.items[i].key for i in items]
            shown = ", ".join(keys[:3]) + (", ..." if len(keys) > 3 else "")
            parts.append(f"{p.replace('@', ' @ ')}: {shown}")
        return "; ".join(parts)

    def _solve_k(self, k: int, share: float) -> tuple[dict[str, int], int, int]:
        """Makespan stage for k pipelines: (allocation, makespan, lower bound)."""
        lb_alloc = self._allocate_on_bounds(k)
        lower = max(self._monotone_lb(p, n, self.inst.k_max) for p, n in lb_alloc.items())
        alloc = self._allocate(k)
        for _ in range(2 * len(alloc) + 2):
            bottleneck = max(sorted(alloc), key=lambda p: self._heuristic(p, alloc[p]).ub)
            state = self._heuristic(bottleneck, alloc[bottleneck])
            if state.proven or state.ub <= lower:
                break
            before = state.ub
            self._exact(bottleneck, alloc[bottleneck], share)
            if state.ub == before and not state.proven:
                break
            alloc = self._allocate(k)
        for p, n in alloc.items():
            if self.cache[(p, n)].assign is None:
                self._exact(p, n, share)
                if self.cache[(p, n)].assign is None:
                    raise SolverError(
                        f"no split of {p} over {n} pipelines was found in the time limit."
                    )
        makespan = max(self.cache[(p, n)].ub for p, n in alloc.items())
        # Proven pool optima raised the cached bounds; the allocation on bounds sees them.
        lb_alloc = self._allocate_on_bounds(k)
        lower = max(self._monotone_lb(p, n, self.inst.k_max) for p, n in lb_alloc.items())
        return alloc, makespan, min(lower, makespan)

    # ---- stages 2 and 3 ------------------------------------------------------------------

    def _refine(self, alloc: dict[str, int], makespan: int) -> dict[str, list[int]]:
        cap = int(makespan * (1 + self.opt.makespan_tolerance))
        final = {p: list(self.cache[(p, n)].assign or []) for p, n in alloc.items()}
        if self.opt.stages < 2:
            return final
        from balancer.engine.cpsat import PoolModel

        minima: dict[str, int] = {}
        for pool in sorted(alloc):
            st = self.cache[(pool, alloc[pool])]
            n = alloc[pool]
            loads = _loads(st.problem, final[pool])
            minima[pool] = min(loads)
            # With two bins the spread is 2 x max - total: settled by the makespan stage.
            if n == 1 or min(loads) >= st.problem.total // n or (n == 2 and st.proven):
                continue
            model = PoolModel(st.problem, self.opt.seed, self.opt.workers)
            res = model.maximize_min_load(cap, final[pool], self.budget.take(SPREAD_SHARE))
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
        slack = int(self.opt.spread_tolerance * makespan)
        for pool in sorted(alloc):
            st = self.cache[(pool, alloc[pool])]
            n = alloc[pool]
            current = _touches(st.problem, final[pool])
            if current <= _touch_bound(st.problem, n, cap):
                continue
            model = PoolModel(st.problem, self.opt.seed, self.opt.workers)
            for load in model.ctx.loads:
                model.ctx.model.add(load <= cap)
            res = model.minimize_category_touches(
                minima[pool] - slack, final[pool], self.budget.take(CATEGORY_SHARE)
            )
            self.budget.spend(res.deterministic_time)
            self.rep.stage_done("categories", pool, res.status)
            if res.assignment is not None and _touches(st.problem, res.assignment) < current:
                final[pool] = res.assignment
        return final

    # ---- top level -----------------------------------------------------------------------

    def solve(self) -> Solution:
        inst = self.inst
        ks = list(range(inst.k_min, inst.k_max + 1))
        self.rep.starting(len(inst.items), len(inst.pools), ks)
        reasons = {k: self._feasible_k(k) or "" for k in ks}
        results: dict[int, tuple[dict[str, int], int, int]] = {}
        feasible = [k for k in ks if not reasons[k]]
        if not feasible:
            if len(ks) == 1:
                problem = reasons[ks[0]]
            elif inst.k_explicit:
                problem = "; ".join(f"K={k}: {r}" for k, r in reasons.items())
            else:
                problem = "no pipeline count in the range works. " + " ".join(
                    f"K={k}: {r}" for k, r in reasons.items()
                )
            raise InfeasibleError(
                problem,
                fix="allow another number of pipelines (--pipelines), or relax the rules named.",
            )
        share = MAKESPAN_SHARE / max(1, len(feasible))
        for k in feasible:
            results[k] = self._solve_k(k, share)
            self.rep.k_done(k, results[k][1], results[k][2])
        best = min(r[1] for r in results.values())
        chosen = min(k for k in feasible if results[k][1] <= best * (1 + self.opt.k_tolerance))
        alloc, makespan, lower = results[chosen]
        final = self._refine(alloc, makespan)
        bins: list[Bin] = []
        for pool in sorted(alloc):
            items = self.pool_items[pool]
            labels = self.pins[pool]
            for b in range(alloc[pool]):
                members = tuple(sorted(items[i] for i, bb in enumerate(final[pool]) if bb == b))
                load = sum(inst.items[i].cost for i in members)
                bins.append(Bin(pool, labels[b] if b < len(labels) else None, members, load))
        loads = [b.load for b in bins]
        makespan = max(loads)
        status: PlanStatus = "OPTIMAL" if makespan <= lower else "FEASIBLE"
        k_results: tuple[tuple[int, int, int, SolveStatus], ...] = tuple(
            (
                k,
                results[k][1],
                results[k][2],
                "OPTIMAL" if results[k][1] <= results[k][2] else "FEASIBLE",
            )
            if k in results
            else (k, 0, 0, "INFEASIBLE")
            for k in ks
        )
        solution = Solution(
            k=chosen,
            bins=tuple(bins),
            makespan=makespan,
            lower_bound=lower,
            spread=makespan - min(loads),
            category_splits=category_splits(inst, bins),
            status=status,
            deterministic_time=round(self.budget.used, 3),
            k_results=k_results,
        )
        self.rep.finished(chosen, makespan, lower, status)
        return solution


def _loads(problem: PoolProblem, assign: list[int]) -> list[int]:
    loads = [0] * problem.n_bins
    for i, b in enumerate(assign):
        loads[b] += problem.costs[i]
    return loads


def _touches(problem: PoolProblem, assign: list[int]) -> int:
    pairs = {(c, b) for i, b in enumerate(assign) for c in problem.categories[i]}
    return len(pairs)


def _touch_bound(problem: PoolProblem, n: int, cap: int) -> int:
    per_cat: Counter[str] = Counter()
    for i, cats in enumerate(problem.categories):
        for c in cats:
            per_cat[c] += problem.costs[i]
    need = sum(max(1, -(-cost // cap)) for cost in per_cat.values())
    return max(need, n)


def category_splits(instance: Instance, bins: list[Bin] | tuple[Bin, ...]) -> int:
    """Sum over categories of (pipelines holding it - 1)."""
    return count_splits([c for i in b.items for c in instance.items[i].categories] for b in bins)


def solve(
    instance: Instance, options: SolveOptions | None = None, reporter: Reporter | None = None
) -> Solution:
    """Solve an instance. Raises InfeasibleError when no assignment meets the rules."""
    return Solver(instance, options or SolveOptions(), reporter).solve()
