"""Everything the solver knows about one pool split over n pipelines: its problem, its lower
bound (`bounds`, plus what every rule says the pool needs), a heuristic split, the exact dive
(`exact`) and CP-SAT's makespan stage (`cpsat`).

`PoolState` is frozen: each step of the makespan stage takes a state and returns a new one
(`PoolSearch.exact` runs them in order and keeps the latest in its table of known states).
The `Solver` composes a `PoolSearch` with the allocation and the refinement stages; all of
them draw on one `Budget`."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from balancer.engine.bin_completion import complete_bins
from balancer.engine.bounds import makespan_lower_bound, pigeonhole_of_prefix, prefix_sums
from balancer.engine.exact import DiveResult, fits
from balancer.engine.heuristics import best_heuristic, makespan_of
from balancer.engine.instance import Instance
from balancer.engine.lp_bound import makespan_lp_bound
from balancer.engine.lp_dive import lp_dive
from balancer.engine.options import Budget, SolveOptions
from balancer.engine.placement import restricted
from balancer.engine.pool import PoolProblem
from balancer.engine.reporter import Reporter
from balancer.engine.rules import RULES, Need
from balancer.errors import InfeasibleError

# Share of the time limit (deterministic seconds) for the makespan stage: most of it.
MAKESPAN_SHARE = 0.6
# The LP bound's pricing tables: distinct costs x capacity cells (about 15 ms a round at this size).
LP_WORK_LIMIT = 10_000_000

DIVE_TRIES = 16  # capacities the item-by-item dive tests before the LP bound
# CP-SAT model cells (item types x pipelines) built a second, conservatively (about 3
# million cells, 10,240 tables over 1,000 pipelines, took 146 s to build under cProfile): a
# model whose building alone would outlast its share of the time limit is not built. A rule
# of the model's size, so it keeps plans reproducible.
MODEL_CELLS_PER_S = 30_000

# An exact test: can these costs fit n bins of this capacity, within a node limit?
FitTest = Callable[[Sequence[int], int, int, int], DiveResult]


@dataclass(frozen=True)
class PoolState:
    """What is known about one pool split over n bins."""

    problem: PoolProblem
    lb: int
    ub: int
    assign: list[int] | None
    proven: bool = False
    # (exact test, capacity) pairs that ran out of nodes: not worth trying again
    stalled: frozenset[tuple[str, int]] = frozenset()


class PoolSearch:
    """Per-pool knowledge of one solve: the states known so far (`states`), by (pool, n)."""

    def __init__(
        self,
        instance: Instance,
        options: SolveOptions,
        budget: Budget,
        reporter: Reporter | None = None,
    ):
        self.inst = instance
        self.opt = options
        self.rep = reporter or Reporter()
        self.budget = budget
        self.pool_items = {p.key: instance.items_of(p.key) for p in instance.pools}
        self.pool_by_key = {p.key: p for p in instance.pools}
        self.states: dict[tuple[str, int], PoolState] = {}
        self._lbs: dict[tuple[str, int], int] = {}
        self._sorted: dict[str, tuple[list[int], list[int], int]] = {}
        self.pins = {
            p.key: sorted({pin for i in self.pool_items[p.key] if (pin := instance.items[i].pin)})
            for p in instance.pools
        }
        self.min_bins = {p.key: self.min_bins_of(p.key) for p in instance.pools}
        self.max_bins = {p.key: len(self.pool_items[p.key]) for p in instance.pools}

    # ---- pools ---------------------------------------------------------------------------

    def problem(self, pool: str, n: int) -> PoolProblem:
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

    def needs(self, pool: str) -> list[Need]:
        """What each rule says this pool needs, most first."""
        items = [self.inst.items[i] for i in self.pool_items[pool]]
        found = [
            need
            for rule in RULES
            if (need := rule.needs(self.pool_by_key[pool], items, self.inst.max_tables))
        ]
        return sorted(found, key=lambda n: -n.pipelines)

    def min_bins_of(self, pool: str) -> int:
        return max([1, *(need.pipelines for need in self.needs(pool))])

    def lb(self, pool: str, n: int) -> int:
        """A lower bound for the pool on n bins, non-increasing in n."""
        key = (pool, n)
        if key in self.states:
            return self.states[key].lb
        if key not in self._lbs:
            self._lbs[key] = self._first_lb(pool, n)
        return self._lbs[key]

    def _first_lb(self, pool: str, n: int) -> int:
        costs = [self.inst.items[i].cost for i in self.pool_items[pool]]
        return max(makespan_lower_bound(costs, n), self._pinned_most(pool))

    def _pinned_most(self, pool: str) -> int:
        """The most cost pinned to one named pipeline (it holds all of it)."""
        pinned: Counter[str] = Counter()
        for i in self.pool_items[pool]:
            if pin := self.inst.items[i].pin:
                pinned[pin] += self.inst.items[i].cost
        return max(pinned.values(), default=0)

    def quick_lb(self, pool: str, n: int) -> int:
        """The trivial, pigeonhole and pinned bounds only: non-increasing in n, O(items / n)
        (what the allocation uses once the wall deadline has passed)."""
        if pool not in self._sorted:
            desc = sorted((self.inst.items[i].cost for i in self.pool_items[pool]), reverse=True)
            self._sorted[pool] = (desc, prefix_sums(desc), self._pinned_most(pool))
        desc, prefix, pinned_most = self._sorted[pool]
        if not desc:
            return 0
        return max(-(-prefix[-1] // n), desc[0], pinned_most, pigeonhole_of_prefix(prefix, n))

    def monotone_lb(self, pool: str, n: int, n_top: int) -> int:
        return max(self.lb(pool, m) for m in range(n, max(n, n_top) + 1))

    def heuristic(self, pool: str, n: int) -> PoolState:
        key = (pool, n)
        if key not in self.states:
            problem = self.problem(pool, n)
            lb = self.lb(pool, n)
            assign = best_heuristic(problem, lb, self.budget.out_of_time)
            ub = makespan_of(problem, assign) if assign is not None else math.inf
            if assign is not None and not problem.fits_cap(assign):
                assign, ub = None, math.inf
            proven = assign is not None and ub <= lb
            self.states[key] = PoolState(problem, lb, int(ub) if assign else 10**18, assign, proven)
            if proven:
                self.rep.proved(pool, n, "bounds")
        return self.states[key]

    def exact(self, pool: str, n: int, share: float) -> PoolState:
        """Close the makespan gap of (pool, n), CP-SAT last, within a share of the budget; the
        state reached (also kept as the known state of (pool, n))."""
        state = self._exact(pool, n, share, self.heuristic(pool, n))
        self.states[(pool, n)] = state
        return state

    def _exact(self, pool: str, n: int, share: float, state: PoolState) -> PoolState:
        if state.proven:
            return state
        if not restricted(state.problem):
            steps = (
                ("dive", self._dive),
                ("bin completion", self._complete_once),
                ("LP bound", self._lp_bound),
                ("bin completion", self._complete),
                ("LP dive", self._lp_dive),
            )
            for method, step in steps:
                state = step(state)
                if state.proven:
                    self.rep.proved(pool, n, method)
                    return state
        limit = self.budget.take(share)
        if limit <= 0.0 or self.budget.out_of_time() or not self.model_fits(state, limit):
            return state
        from balancer.engine.cpsat import PoolModel

        model = PoolModel(state.problem, self.opt.seed, self.opt.workers, self.budget.wall_left())
        upper = state.ub - 1 if state.assign is not None else state.problem.total
        if upper < state.lb:
            return replace(state, proven=True)
        res = model.minimize_makespan(state.lb, upper, state.assign, limit)
        self.budget.spend(res.deterministic_time)
        self.budget.out_of_time()  # CP-SAT stopped at the wall deadline: the solve says so
        self.rep.stage_done("makespan", pool, res.status)
        if res.status == "INFEASIBLE":
            if state.assign is None:
                self.states[(pool, n)] = state  # the bound the steps raised stays known
                raise self._pool_infeasible(pool, n)
            state = replace(state, lb=state.ub, proven=True)
        elif res.assignment is not None and res.value is not None:
            lb = max(state.lb, res.bound or state.lb)
            proven = res.status == "OPTIMAL" or res.value <= lb
            state = replace(
                state,
                assign=res.assignment,
                ub=res.value,
                lb=res.value if proven else lb,
                proven=proven,
            )
        if state.proven:
            self.rep.proved(pool, n, "CP-SAT")
        return state

    def model_fits(self, state: PoolState, limit: float) -> bool:
        """Whether building the CP-SAT model would take less than the limit it would get
        (a deterministic estimate from its size: item types x pipelines)."""
        p = state.problem
        types = len(set(zip(p.costs, p.sizes, p.categories, p.fit_costs, strict=True)))
        cells = types * p.n_bins
        return cells <= MODEL_CELLS_PER_S * max(limit, 1.0)

    def _dive(self, state: PoolState) -> PoolState:
        """Raise the bound or meet it with the exact dive, for a few capacities: a bound far
        below the optimum rises faster by the LP than one unit a test."""
        return self._raise_or_meet(state, fits, tries=DIVE_TRIES)

    def _complete(self, state: PoolState) -> PoolState:
        """Raise the bound or meet it by bin completion, capacity by capacity."""
        return self._raise_or_meet(state, complete_bins)

    def _complete_once(self, state: PoolState) -> PoolState:
        """Bin completion at the bound's capacity only: where the bound is met, the LP is
        not needed; where it is far below, the LP raises it faster than one unit a test."""
        return self._raise_or_meet(state, complete_bins, tries=1)

    def _raise_or_meet(
        self, state: PoolState, test: FitTest, tries: int | None = None
    ) -> PoolState:
        """At the bound's capacity, an exact test either finds a split (the bound is met) or
        proves none exists (the bound rises by one); it stops at its node limit or after
        `tries` capacities."""
        costs = state.problem.costs
        while state.lb < state.ub:
            if tries is not None:
                if tries == 0:
                    return state
                tries -= 1
            if self.budget.out_of_time() or (test.__name__, state.lb) in state.stalled:
                return state
            result = test(costs, state.problem.n_bins, state.lb, self.opt.dive_nodes)
            if result.status == "INFEASIBLE":
                state = replace(state, lb=state.lb + 1)
            elif result.status == "FOUND" and result.assignment is not None:
                if not state.problem.fits_cap(result.assignment):
                    return state  # CP-SAT keeps schedule fit while it closes the gap
                state = replace(state, assign=result.assignment, ub=state.lb)
            else:
                return replace(state, stalled=state.stalled | {(test.__name__, state.lb)})
        return replace(state, proven=True)

    def _lp_sized(self, state: PoolState) -> bool:
        """Whether the LP's knapsack tables stay small enough for this pool."""
        return len(set(state.problem.costs)) * state.ub <= LP_WORK_LIMIT

    def _lp_bound(self, state: PoolState) -> PoolState:
        """Raise the bound with the column-generation LP where its knapsack tables stay small."""
        if state.assign is None or not self._lp_sized(state):
            return state
        costs = state.problem.costs
        found = makespan_lp_bound(
            costs, state.problem.n_bins, state.lb, state.ub, self.budget.out_of_time
        )
        lb = max(state.lb, found)
        if lb >= state.ub:
            return replace(state, lb=state.ub, proven=True)
        return replace(state, lb=lb)

    def _lp_dive(self, state: PoolState) -> PoolState:
        """Meet the bound with a packing the LP dive finds (near-perfect packings)."""
        if state.assign is None or not self._lp_sized(state):
            return state
        problem = state.problem
        # its own LP, from first-fit columns: from the bound's LP (more columns, another
        # optimal basis) the dive found fewer near-perfect packings of the widest class
        found = lp_dive(problem.costs, problem.n_bins, state.lb, self.budget.out_of_time)
        if found is not None and problem.fits_cap(found):
            return replace(state, assign=found, ub=state.lb, proven=True)
        return state

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
