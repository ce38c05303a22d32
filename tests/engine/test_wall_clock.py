"""The wall deadline: a safety net under the deterministic budget. Fake clocks (one that jumps
past the deadline after its first reading, one that ticks a fixed step a reading) show each
long stage stop and a plan come back with an honest status and the warning; a clock that
never reaches the deadline changes nothing."""

from __future__ import annotations

import dataclasses
import random

import pytest

from balancer.engine.checker import check_plan
from balancer.engine.heuristics import best_heuristic, differenced, greedy, improve, lpt
from balancer.engine.instance import Instance, Item, Pool
from balancer.engine.options import Budget, SolveOptions
from balancer.engine.pool import PoolProblem
from balancer.engine.pool_search import PoolSearch
from balancer.engine.refine import categories, spread
from balancer.engine.reporter import Reporter
from balancer.engine.solver import solve
from balancer.io import read_history, read_tables
from balancer.io.planio import dumps
from balancer.model import Settings
from balancer.planning.planner import make_plan
from benchmarks.instances import uniform
from tests.helpers import EXAMPLES, catalog, table


class Jump:
    """Reads 0 once (when the deadline is set), then far past any deadline."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        return 0.0 if self.calls == 1 else 1e9


class Tick:
    """Advances `step` seconds on every reading."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def never() -> float:
    return 0.0


class Stages(Reporter):
    def __init__(self) -> None:
        self.stages: list[str] = []

    def stage_done(self, stage: str, pool: str, status: str) -> None:
        self.stages.append(stage)


def single_pool(costs: list[int], k_min: int, k_max: int | None = None) -> Instance:
    items = tuple(Item(f"t{i}", c, (f"t{i}",), (), "p") for i, c in enumerate(costs))
    return Instance(items, (Pool("p", "all", ""),), k_min, k_max or k_min, None, True)


# a gap the bounds do not close: the makespan stage has work to do
HARD = uniform(60, 1, 10_000, random.Random("wall-hard"))


def test_the_budget_latches_once_the_deadline_passes() -> None:
    budget = Budget(5.0, Tick(2.0))  # deadline at 2 + 5 = 7
    assert not budget.out_of_time()  # 4
    assert not budget.out_of_time()  # 6
    assert budget.out_of_time() and budget.stopped_by_wall  # 8
    assert Budget(5.0).wall_left() is None and not Budget(5.0).out_of_time()


def test_heuristics_stop_at_once_with_the_best_start() -> None:
    problem = PoolProblem(tuple(HARD), 7)
    start = lpt(problem.costs, 7)
    assert improve(problem, start, stop=lambda: True) == start
    assert differenced(problem.costs, 7, lambda: True) is None
    assert best_heuristic(problem, 0, lambda: True) == start


def test_the_capped_greedy_is_the_greedy_that_asks_every_bin() -> None:
    rng = random.Random(5)
    for _ in range(30):
        n, k = rng.randint(5, 40), rng.randint(2, 6)
        costs = tuple(rng.randint(1, 50) for _ in range(n))
        sizes = tuple(rng.randint(1, 3) for _ in range(n))
        cap = -(-sum(sizes) // k) + rng.randint(0, 3)
        capped = PoolProblem(costs, k, sizes=sizes, max_tables=cap)
        # an apart label no two items share keeps the rules the same but takes the slow path
        labelled = dataclasses.replace(capped, apart=tuple(frozenset({f"x{i}"}) for i in range(n)))
        assert greedy(capped) == greedy(labelled)


def test_the_makespan_stage_skips_cp_sat_once_the_deadline_passed() -> None:
    inst = single_pool(HARD, 7)
    reporter = Stages()
    budget = Budget(5.0, Jump())
    search = PoolSearch(inst, SolveOptions(time_limit_s=5.0), budget, reporter)
    state = search.exact("p", 7, 0.6)
    assert "makespan" not in reporter.stages and budget.stopped_by_wall
    assert state.assign is not None and not state.proven
    free = PoolSearch(inst, SolveOptions(time_limit_s=5.0), Budget(5.0), Stages())
    assert free.exact("p", 7, 0.6).ub <= state.ub


def test_refinements_return_their_input_once_the_deadline_passed() -> None:
    inst = single_pool(HARD, 7)
    search = PoolSearch(inst, SolveOptions(time_limit_s=5.0), Budget(5.0, Jump()), Stages())
    state = search.heuristic("p", 7)
    assert state.assign is not None
    assert search.budget.out_of_time()
    assert spread(search, "p", 7, state.ub, list(state.assign)) == state.assign
    assert categories(search, "p", 7, state.ub, 0, list(state.assign)) == state.assign


@pytest.mark.parametrize("clock", [Jump, lambda: Tick(0.5)])
def test_a_solve_cut_short_returns_a_checked_plan_and_says_so(clock: object) -> None:
    inst = single_pool(HARD, 3, 8)  # the allocation loop over K in a range
    options = SolveOptions(time_limit_s=5.0, clock=clock())  # type: ignore[operator]
    sol = solve(inst, options)
    assert sol.stopped_by_wall_clock
    assert sorted(i for b in sol.bins for i in b.items) == list(range(len(HARD)))
    assert sol.status == ("OPTIMAL" if sol.makespan <= sol.lower_bound else "FEASIBLE")
    assert sol.makespan >= sol.lower_bound


def test_a_large_solve_cut_short_answers_quickly() -> None:
    costs = uniform(3_000, 1, 1000, random.Random("wall-large"))
    sol = solve(single_pool(costs, 300), SolveOptions(time_limit_s=5.0, clock=Jump()))
    assert sol.stopped_by_wall_clock and sol.k == 300
    assert sol.makespan <= 2 * sol.lower_bound


def test_the_plan_carries_the_warning_and_an_honest_status() -> None:
    tables = [table(f"t{i}", float(c)) for i, c in enumerate(HARD)]
    settings = Settings(
        pipelines_min=7,
        pipelines_max=7,
        objective="makespan",
        overhead_s=0,
        concurrency=1,
        sla_headroom=None,
    )
    plan = make_plan(catalog(tables), None, settings, k_explicit=True, clock=Jump())
    assert check_plan(plan, tables) == []
    assert any("wall-time limit" in w for w in plan.warnings)
    assert plan.status == ("OPTIMAL" if plan.makespan_s <= plan.lower_bound_s else "FEASIBLE")


@pytest.mark.parametrize("example", ["osipi", "github", "sap_successfactors"])
def test_without_the_deadline_hit_the_plan_is_the_plan_without_a_clock(example: str) -> None:
    folder = EXAMPLES / example
    cat = read_tables(folder / "tables.csv")
    history = read_history(folder / "runs.csv")
    settings = Settings(name=example, time_limit_s=2.0, sla_headroom=None)
    plain = make_plan(cat, history, settings)
    timed = make_plan(cat, history, settings, clock=never)
    assert dumps(timed) == dumps(plain)
    assert not any("wall-time limit" in w for w in plain.warnings)


def test_a_rebalance_past_its_deadline_says_so_and_keeps_the_rules() -> None:
    from balancer.planning.rebalance import RebalanceOptions, rebalance

    tables = [table(f"t{i}", 100.0) for i in range(12)]
    settings = Settings(
        pipelines_min=4,
        pipelines_max=4,
        objective="makespan",
        overhead_s=0,
        concurrency=1,
        sla_headroom=None,
    )
    plan = make_plan(catalog(tables), None, settings, k_explicit=True)
    heavy = plan.pipelines[0].tables[0]
    grown = dataclasses.replace(
        plan,
        tables=tuple(
            dataclasses.replace(t, weight=400.0 if t.source_table == heavy else t.weight)
            for t in plan.tables
        ),
    )
    options = RebalanceOptions(target=0.0)
    # the fresh solve's deadline passes at once; the moves model gets its whole limit
    proposal = rebalance(grown, None, options, clock=Jump())
    assert proposal.acted
    assert check_plan(proposal.plan, grown.tables) == []
    assert any("wall-time limit" in w for w in proposal.plan.warnings)
    plain = rebalance(grown, None, options)
    assert not any("wall-time limit" in w for w in plain.plan.warnings)


def test_each_what_if_scenario_gets_the_limit_and_says_when_it_was_cut() -> None:
    from balancer.analysis.whatif import WhatIf

    tables = [table(f"t{i}", float(c)) for i, c in enumerate(HARD)]
    settings = Settings(overhead_s=0, workers=1, time_limit_s=2.0, sla_headroom=None)
    base = WhatIf(catalog(tables), None, settings, clock=Tick(100.0))
    plans = base.sweep_pipelines(range(3, 5))
    assert all(any("wall-time limit" in w for w in p.warnings) for p in plans.values())


def three_pools(k: int) -> Instance:
    costs = uniform(300, 1, 1000, random.Random("wall-pools"))
    pools = tuple(Pool(f"p{j}", f"g{j}", "") for j in range(3))
    items = tuple(Item(f"t{i}", c, (f"t{i}",), (), f"p{i % 3}") for i, c in enumerate(costs))
    return Instance(items, pools, k, k, None, True)


@pytest.mark.parametrize("objective", ["makespan", "balanced"])
def test_pools_cut_short_keep_a_proven_bound_and_every_table(objective: str) -> None:
    inst = three_pools(30)
    cut = solve(inst, SolveOptions(time_limit_s=5.0, objective=objective, clock=Jump()))
    free = solve(inst, SolveOptions(time_limit_s=5.0, objective=objective))
    assert cut.stopped_by_wall_clock and not free.stopped_by_wall_clock
    assert sorted(i for b in cut.bins for i in b.items) == list(range(300))
    assert cut.k == 30 and cut.lower_bound <= free.lower_bound <= free.makespan
    assert cut.status == ("OPTIMAL" if cut.makespan <= cut.lower_bound else "FEASIBLE")
