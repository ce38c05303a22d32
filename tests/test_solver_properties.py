"""Properties that hold for every instance: complete, valid, never worse than LPT, bounds hold."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balancer.engine.bounds import makespan_lower_bound
from balancer.engine.exact import fits
from balancer.engine.heuristics import best_heuristic, karmarkar_karp, lpt, makespan_of
from balancer.engine.instance import Instance, Item, Pool
from balancer.engine.pool import PoolProblem
from balancer.engine.solver import SolveOptions, solve
from tests.helpers import optimal_makespan, plan_of, tables_of

FAST = SolveOptions(time_limit_s=2.0, workers=1)


small_costs = st.lists(st.integers(1, 60), min_size=1, max_size=7)


@settings(max_examples=150, deadline=None)
@given(small_costs, st.integers(1, 3))
def test_lower_bound_never_exceeds_the_optimum(costs: list[int], m: int) -> None:
    assert makespan_lower_bound(costs, m) <= optimal_makespan(costs, m)


@settings(max_examples=150, deadline=None)
@given(small_costs, st.integers(1, 3))
def test_exact_dive_agrees_with_optimal_makespan(costs: list[int], m: int) -> None:
    opt = optimal_makespan(costs, m)
    found = fits(costs, m, opt)
    assert found.status == "FOUND"
    assert found.assignment is not None
    assert makespan_of(PoolProblem(tuple(costs), m), found.assignment) <= opt
    if opt > 1:
        assert fits(costs, m, opt - 1).status == "INFEASIBLE"


def instance_of(costs: list[int], k: int) -> Instance:
    items = tuple(Item(f"t{i}", c, (f"t{i}",), ("c",), "p") for i, c in enumerate(costs))
    return Instance(items, (Pool("p", "all", "0 0 * * *"),), k, k, None, True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 500), min_size=3, max_size=40), st.integers(1, 6))
def test_solutions_are_complete_valid_and_never_worse_than_lpt(costs: list[int], k: int) -> None:
    k = min(k, len(costs))
    sol = solve(instance_of(costs, k), FAST)
    placed = sorted(i for b in sol.bins for i in b.items)
    assert placed == list(range(len(costs)))
    assert len(sol.bins) == k and all(b.items for b in sol.bins)
    loads = [sum(costs[i] for i in b.items) for b in sol.bins]
    assert loads == [b.load for b in sol.bins]
    assert max(loads) == sol.makespan
    assert sol.makespan <= makespan_of(PoolProblem(tuple(costs), k), lpt(costs, k))
    assert sol.makespan <= makespan_of(PoolProblem(tuple(costs), k), karmarkar_karp(costs, k))
    assert sol.lower_bound <= sol.makespan
    if len(costs) <= 7 and k <= 3:
        assert sol.makespan == optimal_makespan(costs, k)


@settings(max_examples=80, deadline=None)
@given(small_costs, st.integers(1, 3))
def test_claimed_optimum_is_the_optimum(costs: list[int], m: int) -> None:
    m = min(m, len(costs))
    sol = solve(instance_of(costs, m), FAST)
    best = optimal_makespan(costs, m)
    assert sol.lower_bound <= best <= sol.makespan  # a valid bound, a real assignment
    assert (sol.makespan == best) if sol.status == "OPTIMAL" else sol.status == "FEASIBLE"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 300), min_size=2, max_size=30), st.integers(2, 5))
def test_heuristic_is_never_worse_than_lpt(costs: list[int], m: int) -> None:
    problem = PoolProblem(tuple(costs), m)
    best = best_heuristic(problem)
    assert best is not None
    assert makespan_of(problem, best) <= makespan_of(problem, lpt(costs, m))


rules = st.fixed_dictionaries(
    {
        "weight": st.integers(1, 200),
        "ingestion_type": st.sampled_from(["snapshot", "cdc"]),
        "apart": st.sampled_from([(), ("x",), ("y",)]),
        "together": st.sampled_from([None, None, None, "g"]),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rules, min_size=4, max_size=14))
def test_random_rule_sets_give_checked_plans_or_clear_errors(rows: list[dict]) -> None:
    from balancer.errors import InfeasibleError

    tables = tables_of(rows)
    try:
        plan = plan_of(tables, pipelines_min=2, pipelines_max=5, explicit=False)
    except InfeasibleError as exc:
        text = str(exc)  # names the tables or the pool, and the rule; not a solver status
        assert any(f"t{i}" in text for i in range(len(rows))) or " @ " in text, text
        assert any(word in text for word in ("apart", "together", "pipelines")), text
        return
    assert sum(len(p.tables) for p in plan.pipelines) == len(tables)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=3, max_size=6), st.integers(2, 3))
def test_at_most_two_bound_is_valid(costs: list[int], m: int) -> None:
    from balancer.engine.bounds import at_most_two_bound

    assert at_most_two_bound(sorted(costs, reverse=True), m) <= optimal_makespan(costs, m)
