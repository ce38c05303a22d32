"""Everything the solver knows about one pool split over n pipelines: its problem, its lower
bound (`bounds`, plus what every rule says the pool needs), a heuristic split, the exact dive
(`exact`) and CP-SAT's makespan stage (`cpsat`), with caches and the shared time budget.
`Solver` builds on it to allocate pipelines to pools."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from balancer.engine.bin_completion import complete_bins
from balancer.engine.bounds import makespan_lower_bound
from balancer.engine.exact import DiveResult, fits
from balancer.engine.heuristics import best_heuristic, makespan_of
from balancer.engine.instance import Instance
from balancer.engine.lp_bound import makespan_lp_bound
from balancer.engine.lp_dive import lp_dive
from balancer.engine.pool import PoolProblem
from balancer.engine.reporter import Reporter
from balancer.engine.rules import RULES, Need
from balancer.errors import InfeasibleError

if TYPE_CHECKING:
    from balancer.engine.solver import SolveOptions

# Share of the time limit (deterministic seconds) for the makespan stage: most of it.
MAKESPAN_SHARE = 0.6
# The LP bound's pricing tables: distinct costs x capacity cells (about 15 ms a round at this size).
LP_WORK_LIMIT = 10_000_000

DIVE_TRIES = 16  # capacities the item-by-item dive tests before the LP bound

# An exact test: can these costs fit n bins of this capacity, within a node limit?
FitTest = Callable[[Sequence[int], int, int, int], DiveResult]


@dataclass
class PoolState:
    """What is known about one pool split over n bins."""

    problem: PoolProblem
    lb: int
    ub: int
    assign: list[int] | None
    proven: bool = False
    # (exact test, capacity) pairs that ran out of nodes: not worth trying again
    stalled: set[tuple[str, int]] = field(default_factory=set)


class Budget:
    """Deterministic seconds to spend; with a clock (benchmarks only), also a wall deadline."""

    def __init__(self, total: float, clock: Callable[[], float] | None = None) -> None:
        self.total = total
        self.used = 0.0
        self.clock = clock
        self.deadline = clock() + total if clock is not None else None

    def take(self, share: float) -> float:
        return max(0.0, min(self.total - self.used, self.total * share))

    def wall_left(self) -> float | None:
        if self.clock is None or self.deadline is None:
            return None
        return max(0.0, self.deadline - self.clock())

    def spend(self, dt: float) -> None:
        self.used += dt


class PoolSearch:
    """Per-pool knowledge of one solve; the object only holds caches."""

    def __init__(self, instance: Instance, options: SolveOptions, reporter: Reporter | None = None):
        self.inst = instance
        self.opt = options
        self.rep = reporter or Reporter()
        self.budget = Budget(options.time_limit_s, options.clock)
        self.pool_items = {p.key: instance.items_of(p.key) for p in instance.pools}
        self.pool_by_key = {p.key: p for p in instance.pools}
        self.cache: dict[tuple[str, int], PoolState] = {}
        self.pins = {
            p.key: sorted({pin for i in self.pool_items[p.key] if (pin := instance.items[i].pin)})
            for p in instance.pools
        }
        self.min_bins = {p.key: self._min_bins(p.key) for p in instance.pools}
        self.max_bins = {p.key: len(self.pool_items[p.key]) for p in instance.pools}

    # ---- pools ---------------------------------------------------------------------------

    def _problem(self, pool: str, n: int) -> PoolProblem:
        items = [self.inst.items[i] for i in self.pool_items[pool]]
        labels = self.pins[pool]
        index = {name: b for b, name in enumerate(labels)}
        return PoolProblem(
            costs=tuple(it.cost for it in items),
            n_bins=n,
            sizes=tuple(it.size for it in items),
            pins=tuple(index[it.pin] if it.pin else None for it in items),
            apart=tuple(it.apart for it in items),
            categories=tuple(it.categories for it in items),
            n_labeled=len(labels),
            max_tables=self.inst.max_tables,
            cap=self.pool_by_key[pool].load_cap,
            fit_costs=tuple(it.p90 for it in items),
        )

    def _needs(self, pool: str) -> list[Need]:
        """What each rule says this pool needs, most first."""
        items = [self.inst.items[i] for i in self.pool_items[pool]]
        found = [
            need
            for rule in RULES
            if (need := rule.needs(self.pool_by_key[pool], items, self.inst.max_tables))
        ]
        return sorted(found, key=lambda n: -n.pipelines)

    def _min_bins(self, pool: str) -> int:
        return max([1, *(need.pipelines for need in self._needs(pool))])

    def _lb(self, pool: str, n: int) -> int:
        """A lower bound for the pool on n bins, non-increasing in n."""
        key = (pool, n)
        if key in self.cache:
            return self.cache[key].lb
        costs = [self.inst.items[i].cost for i in self.pool_items[pool]]
        lb = makespan_lower_bound(costs, n)
        pinned: Counter[str] = Counter()
        for i in self.pool_items[pool]:
            it = self.inst.items[i]
            if it.pin:
                pinned[it.pin] += it.cost
        if pinned:
            lb = max(lb, max(pinned.values()))
        return lb

    def _monotone_lb(self, pool: str, n: int, n_top: int) -> int:
        return max(self._lb(pool, m) for m in range(n, max(n, n_top) + 1))

    def _heuristic(self, pool: str, n: int) -> PoolState:
        key = (pool, n)
        if key not in self.cache:
            problem = self._problem(pool, n)
            lb = self._lb(pool, n)
            assign = best_heuristic(problem, lb)
            ub = makespan_of(problem, assign) if assign is not None else math.inf
            if assign is not None and not problem.fits_cap(assign):
                assign, ub = None, math.inf
            proven = assign is not None and ub <= lb
            self.cache[key] = PoolState(problem, lb, int(ub) if assign else 10**18, assign, proven)
            if proven:
                self.rep.proved(pool, n, "bounds")
        return self.cache[key]

    def _exact(self, pool: str, n: int, share: float) -> PoolState:
        """Close the makespan gap of (pool, n) with CP-SAT, within a share of the budget."""
        state = self._heuristic(pool, n)
        if state.proven:
            return state
        if not state.problem.has_side_constraints:
            steps = (
                ("dive", self._dive),
                ("bin completion", self._complete_once),
                ("LP bound", self._lp_bound),
                ("bin completion", self._complete),
                ("LP dive", self._lp_dive),
            )
            for method, step in steps:
                step(state)
                if state.proven:
                    self.rep.proved(pool, n, method)
                    return state
        limit = self.budget.take(share)
        if limit <= 0.0:
            return state
        from balancer.engine.cpsat import PoolModel

        model = PoolModel(state.problem, self.opt.seed, self.opt.workers, self.budget.wall_left())
        upper = state.ub - 1 if state.assign is not None else state.problem.total
        if upper < state.lb:
            state.proven = True
            return state
        res = model.minimize_makespan(state.lb, upper, state.assign, limit)
        self.budget.spend(res.deterministic_time)
        self.rep.stage_done("makespan", pool, res.status)
        if res.status == "INFEASIBLE":
            if state.assign is None:
                raise self._pool_infeasible(pool, n)
            state.lb = state.ub
            state.proven = True
        elif res.assignment is not None and res.value is not None:
            state.assign, state.ub = res.assignment, res.value
            state.lb = max(state.lb, res.bound or state.lb)
            state.proven = res.status == "OPTIMAL" or state.ub <= state.lb
            if state.proven:
                state.lb = state.ub
        if state.proven:
            self.rep.proved(pool, n, "CP-SAT")
        return state

    def _dive(self, state: PoolState) -> None:
        """Raise the bound or meet it with the exact dive, for a few capacities: a bound far
        below the optimum rises faster by the LP than one unit a test."""
        self._raise_or_meet(state, fits, tries=DIVE_TRIES)

    def _complete(self, state: PoolState) -> None:
        """Raise the bound or meet it by bin completion, capacity by capacity."""
        self._raise_or_meet(state, complete_bins)

    def _complete_once(self, state: PoolState) -> None:
        """Bin completion at the bound's capacity only: where the bound is met, the LP is
        not needed; where it is far below, the LP raises it faster than one unit a test."""
        self._raise_or_meet(state, complete_bins, tries=1)

    def _raise_or_meet(self, state: PoolState, test: FitTest, tries: int | None = None) -> None:
        """At the bound's capacity, an exact test either finds a split (the bound is met) or
        proves none exists (the bound rises by one); it stops at its node limit or after
        `tries` capacities."""
        costs = state.problem.costs
        while state.lb < state.ub:
            if tries is not None:
                if tries == 0:
                    return
                tries -= 1
            if self._out_of_time() or (test.__name__, state.lb) in state.stalled:
                return
            result = test(costs, state.problem.n_bins, state.lb, self.opt.dive_nodes)
            if result.status == "INFEASIBLE":
                state.lb += 1
            elif result.status == "FOUND" and result.assignment is not None:
                if not state.problem.fits_cap(result.assignment):
                    return  # CP-SAT keeps schedule fit while it closes the gap
                state.assign, state.ub = result.assignment, state.lb
            else:
                state.stalled.add((test.__name__, state.lb))
                return
        state.proven = True

    def _lp_sized(self, state: PoolState) -> bool:
        """Whether the LP's knapsack tables stay small enough for this pool."""
        return len(set(state.problem.costs)) * state.ub <= LP_WORK_LIMIT

    def _out_of_time(self) -> bool:
        left = self.budget.wall_left()
        return left is not None and left <= 0

    def _lp_bound(self, state: PoolState) -> None:
        """Raise the bound with the column-generation LP where its knapsack tables stay small."""
        if state.assign is None or not self._lp_sized(state):
            return
        costs = state.problem.costs
        found = makespan_lp_bound(
            costs, state.problem.n_bins, state.lb, state.ub, self._out_of_time
        )
        state.lb = max(state.lb, found)
        if state.lb >= state.ub:
            state.lb, state.proven = state.ub, True

    def _lp_dive(self, state: PoolState) -> None:
        """Meet the bound with a packing the LP dive finds (near-perfect packings)."""
        if state.assign is None or not self._lp_sized(state):
            return
        problem = state.problem
        # its own LP, from first-fit columns: from the bound's LP (more columns, another
        # optimal basis) the dive found fewer near-perfect packings of the widest class
        found = lp_dive(problem.costs, problem.n_bins, state.lb, self._out_of_time)
        if found is not None and problem.fits_cap(found):
            state.assign, state.ub, state.proven = found, state.lb, True

    def _pool_infeasible(self, pool: str, n: int) -> InfeasibleError:
        items = [self.inst.items[i] for i in self.pool_items[pool]]
        pinned = [it.key for it in items if it.pin]
        apart = [it.key for it in items if it.apart]
        return InfeasibleError(
            f"the tables of {pool.replace('@', ' with schedule ')} cannot be split over {n} "
            f"pipeline(s) under their rules: pinned {pinned or 'none'}, apart {apart or 'none'}, "
            f"at most {self.inst.max_tables} tables per pipeline.",
            fix="relax a pin or apart label, raise --max-tables-per-pipeline, or allow more pipelines.",
        )

    # ---- allocation ----------------------------------------------------------------------
