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

from dataclasses import dataclass

from balancer.engine.allocation import Score, choose, pareto_allocations, split_score
from balancer.engine.bound_allocation import allocate_on_bounds
from balancer.engine.instance import Instance
from balancer.engine.options import Budget, SolveOptions
from balancer.engine.pool_search import MAKESPAN_SHARE, PoolSearch
from balancer.engine.refine import refine
from balancer.engine.reporter import Reporter
from balancer.engine.rules.schedule_fit import advice
from balancer.errors import InfeasibleError, SolverError
from balancer.model import PlanStatus, SolveStatus
from balancer.model import category_splits as count_splits

__all__ = ["Bin", "Solution", "SolveOptions", "Solver", "category_splits", "solve"]

FIT_SHARE = 0.02  # CP-SAT's share for a pool split the heuristics could not fit


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
    # True when the wall deadline (a clock in the options) cut a stage short: the plan is the
    # best found by then and may differ between runs
    stopped_by_wall_clock: bool = False
    # (k, makespan load, lower bound, status, compute s a day, batch window s); the last two
    # are 0 under the makespan objective
    k_results: tuple[tuple[int, int, int, SolveStatus, int, int], ...] = ()


class Solver:
    """One solve of one instance. Use `solve()`. It composes the stages: what is known of
    each pool (`PoolSearch`: bounds, heuristics, the makespan stage), the allocation of
    pipelines to pools (here), and the refinements (`refine`), all drawing on one budget."""

    def __init__(
        self, instance: Instance, options: SolveOptions, reporter: Reporter | None = None
    ) -> None:
        self.inst = instance
        self.opt = options
        self.rep = reporter or Reporter()
        self.budget = Budget(options.time_limit_s, options.clock)
        self.search = PoolSearch(instance, options, self.budget, self.rep)

    def _allocate(self, k: int) -> dict[str, int]:
        """Start from the bound allocation; move a bin to the bottleneck pool while that helps."""
        alloc, _ = allocate_on_bounds(self.search, k, self.inst.k_max)
        for _ in range(4 * k):
            if self.budget.out_of_time():
                break
            ubs = {p: self.search.heuristic(p, n).ub for p, n in alloc.items()}
            worst = max(ubs.values())
            neck = max(sorted(alloc), key=lambda p: ubs[p])
            if alloc[neck] >= self.search.max_bins[neck]:
                break
            moved = False
            for donor in sorted(alloc, key=lambda p: (ubs[p], p)):
                if donor == neck or alloc[donor] <= self.search.min_bins[donor]:
                    continue
                trial = dict(alloc)
                trial[donor] -= 1
                trial[neck] += 1
                if max(self.search.heuristic(p, n).ub for p, n in trial.items()) < worst:
                    alloc, moved = trial, True
                    break
            if not moved:
                break
        return alloc

    def _needs_text(self) -> str:
        parts = []
        for p, n in sorted(self.search.min_bins.items()):
            binding = [need.why for need in self.search.needs(p) if need.pipelines == n and n > 1]
            reason = f" ({'; '.join(binding)})" if binding else ""
            parts.append(f"{p.replace('@', ' @ ')} needs {n}{reason}")
        return ", ".join(parts)

    def _feasible_k(self, k: int) -> str | None:
        """Why k pipelines cannot work, or None."""
        need = sum(self.search.min_bins.values())
        room = sum(self.search.max_bins.values())
        if need > k:
            return (
                f"{k} pipeline(s) are too few: each group/schedule needs its own pipelines: "
                f"{self._needs_text()}; {need} in all." + self._fit_advice(k, need)
            )
        if room < k:
            return (
                f"{k} pipelines are too many: only {room} tables (or together-groups) can each "
                f"fill a pipeline ({self._items_text()})."
            )
        return None

    def _fit_advice(self, k: int, need: int) -> str:
        """Schedule-fit advice (by how much, pipelines needed, a schedule that fits) for each
        pool whose schedule is what makes it need more than one pipeline."""
        out = []
        for pool, n in sorted(self.search.min_bins.items()):
            binding = [x for x in self.search.needs(pool) if x.pipelines == n and n > 1]
            if binding and binding[0].why.startswith("schedule fit"):
                items = [self.inst.items[i] for i in self.search.pool_items[pool]]
                available = max(1, k - (need - n))
                out.append(
                    advice(
                        self.search.pool_by_key[pool],
                        items,
                        available,
                        self.inst.overhead_s,
                        self.inst.concurrency,
                    )
                )
        return "".join(f" {text}" for text in out)

    def _items_text(self) -> str:
        """Each pool with the items that can fill its pipelines, a few named."""
        parts = []
        for p, items in sorted(self.search.pool_items.items()):
            keys = [self.inst.items[i].key for i in items]
            shown = ", ".join(keys[:3]) + (", ..." if len(keys) > 3 else "")
            parts.append(f"{p.replace('@', ' @ ')}: {shown}")
        return "; ".join(parts)

    def _solve_k(self, k: int, share: float) -> tuple[dict[str, int], int, int]:
        """Makespan stage for k pipelines: (allocation, makespan, lower bound)."""
        _, lower = allocate_on_bounds(self.search, k, self.inst.k_max)
        alloc = self._allocate(k)
        for _ in range(2 * len(alloc) + 2):
            if self.budget.out_of_time():
                break
            bottleneck = max(sorted(alloc), key=lambda p: self.search.heuristic(p, alloc[p]).ub)
            state = self.search.heuristic(bottleneck, alloc[bottleneck])
            if state.proven or state.ub <= lower:
                break
            before = state.ub
            state = self.search.exact(bottleneck, alloc[bottleneck], share)
            if state.ub == before and not state.proven:
                break
            alloc = self._allocate(k)
        for p, n in alloc.items():
            if (
                self.search.heuristic(p, n).assign is None
                and self.search.exact(p, n, share).assign is None
            ):
                raise SolverError(
                    f"no split of {p} over {n} pipelines was found in the time limit."
                )
        makespan = max(self.search.states[(p, n)].ub for p, n in alloc.items())
        # Proven pool optima raised the cached bounds; the allocation on bounds sees them.
        _, lower = allocate_on_bounds(self.search, k, self.inst.k_max)
        return alloc, makespan, min(lower, makespan)

    def _by_makespan(
        self, feasible: list[int]
    ) -> tuple[int, dict[int, tuple[dict[str, int], int, int]]]:
        """The makespan stage for each count; the fewest pipelines within the K tolerance of
        the best makespan."""
        results: dict[int, tuple[dict[str, int], int, int]] = {}
        share = MAKESPAN_SHARE / max(1, len(feasible))
        for k in feasible:
            results[k] = self._solve_k(k, share)
            self.rep.k_done(k, results[k][1], results[k][2])
        best = min(r[1] for r in results.values())
        chosen = min(k for k in feasible if results[k][1] <= best * (1 + self.opt.k_tolerance))
        return chosen, results

    # ---- allocation by objective -----------------------------------------------------------

    def _options(self, top: int) -> dict[str, dict[int, Score]]:
        """Every pool's split over each feasible count up to what `top` pipelines leave it."""
        options: dict[str, dict[int, Score]] = {}
        spare = top - sum(self.search.min_bins.values())
        for pool, low in self.search.min_bins.items():
            options[pool] = {}
            counts = range(low, min(self.search.max_bins[pool], low + spare) + 1)
            if len(self.search.min_bins) == 1:  # one pool: only the counts asked for
                counts = range(max(low, self.inst.k_min), counts.stop)
            for n in counts:
                if n > low and self.budget.out_of_time():
                    break  # the counts scored so far are the options
                state = self.search.heuristic(pool, n)
                if state.assign is None:
                    try:
                        state = self.search.exact(pool, n, FIT_SHARE)
                    except InfeasibleError:
                        continue
                if state.assign is not None:
                    options[pool][n] = split_score(
                        self.search.pool_by_key[pool],
                        state.problem,
                        state.assign,
                        self.inst.overhead_s,
                        self.inst.concurrency,
                    )
        return options

    def _by_objective(
        self, feasible: list[int]
    ) -> tuple[
        int, dict[str, int], dict[int, tuple[dict[str, int], int, int]], dict[int, tuple[int, int]]
    ]:
        """Choose K and the allocation by the objective, then close each pool's gap."""
        options = self._options(max(feasible))
        for pool, found_n in options.items():
            if not found_n:
                items = [self.inst.items[i] for i in self.search.pool_items[pool]]
                raise InfeasibleError(
                    advice(
                        self.search.pool_by_key[pool],
                        items,
                        self.search.max_bins[pool],
                        self.inst.overhead_s,
                        self.inst.concurrency,
                    )
                    or f"no split of {pool} fits its rules.",
                    fix="allow more pipelines, or relax the rules named.",
                )
        by_k = {k: pareto_allocations(options, k) for k in feasible}
        found = [c for k in feasible for c in by_k[k]]
        if not found and self.budget.stopped_by_wall:
            # the wall deadline stopped the scoring before any allocation: the makespan
            # stage's (the plan says it was cut short)
            chosen, by_makespan = self._by_makespan(feasible)
            return chosen, by_makespan[chosen][0], by_makespan, {}
        if not found:
            raise SolverError("no split of the pools fits their schedules in the time limit.")
        score, alloc = choose(found, self.opt.objective, self.opt.k_tolerance)
        share = MAKESPAN_SHARE / max(1, len(alloc))
        for pool in sorted(alloc, key=lambda p: -self.search.states[(p, alloc[p])].ub):
            self.search.exact(pool, alloc[pool], share)
        results: dict[int, tuple[dict[str, int], int, int]] = {}
        extra: dict[int, tuple[int, int]] = {}
        for k in feasible:
            if not by_k[k]:
                continue
            best, best_alloc = (
                (score, alloc)
                if k == score.k
                else choose(by_k[k], self.opt.objective, self.opt.k_tolerance)
            )
            states = [self.search.states[(p, n)] for p, n in best_alloc.items()]
            results[k] = (best_alloc, max(s.ub for s in states), max(s.lb for s in states))
            extra[k] = (round(best.compute), best.batch)
            self.rep.k_done(k, results[k][1], results[k][2])
        return score.k, alloc, results, extra

    # ---- top level -----------------------------------------------------------------------

    def _bins(self, alloc: dict[str, int], final: dict[str, list[int]]) -> list[Bin]:
        bins: list[Bin] = []
        for pool in sorted(alloc):
            items = self.search.pool_items[pool]
            labels = self.search.pins[pool]
            held: list[list[int]] = [[] for _ in range(alloc[pool])]
            for i, b in enumerate(final[pool]):
                held[b].append(items[i])
            for b in range(alloc[pool]):
                members = tuple(sorted(held[b]))
                load = sum(self.inst.items[i].cost for i in members)
                bins.append(Bin(pool, labels[b] if b < len(labels) else None, members, load))
        return bins

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
        extra: dict[int, tuple[int, int]] = {}
        if self.opt.objective == "makespan":
            chosen, results = self._by_makespan(feasible)
            alloc, makespan, lower = results[chosen]
            caps = dict.fromkeys(alloc, int(makespan * (1 + self.opt.makespan_tolerance)))
        else:
            chosen, alloc, results, extra = self._by_objective(feasible)
            _, makespan, lower = results[chosen]
            caps = {p: self.search.states[(p, n)].ub for p, n in alloc.items()}
        final = refine(self.search, alloc, caps)
        bins = self._bins(alloc, final)
        loads = [b.load for b in bins]
        makespan = max(loads)
        status: PlanStatus = "OPTIMAL" if makespan <= lower else "FEASIBLE"
        k_results: tuple[tuple[int, int, int, SolveStatus, int, int], ...] = tuple(
            (
                k,
                results[k][1],
                results[k][2],
                "OPTIMAL" if results[k][1] <= results[k][2] else "FEASIBLE",
                *extra.get(k, (0, 0)),
            )
            if k in results
            else (k, 0, 0, "INFEASIBLE", 0, 0)
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
            stopped_by_wall_clock=self.budget.stopped_by_wall,
            k_results=k_results,
        )
        self.rep.finished(chosen, makespan, lower, status)
        return solution


def category_splits(instance: Instance, bins: list[Bin] | tuple[Bin, ...]) -> int:
    """Sum over categories of (pipelines holding it - 1)."""
    return count_splits([c for i in b.items for c in instance.items[i].categories] for b in bins)


def solve(
    instance: Instance, options: SolveOptions | None = None, reporter: Reporter | None = None
) -> Solution:
    """Solve an instance. Raises InfeasibleError when no assignment meets the rules."""
    return Solver(instance, options or SolveOptions(), reporter).solve()
