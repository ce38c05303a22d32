"""Solver behaviour: K selection, stages, bounds, determinism, concurrency."""

from __future__ import annotations

import random

import pytest

from balancer.engine.instance import Instance, Item, Pool
from balancer.engine.solver import SolveOptions, solve
from balancer.errors import InfeasibleError
from tests.helpers import plan_of, table


def test_range_picks_the_smallest_k_within_tolerance() -> None:
    # One huge table dominates: beyond 3 pipelines nothing gets faster.
    tables = [table("huge", 1000)] + [table(f"s{i}", 100) for i in range(10)]
    plan = plan_of(tables, pipelines_min=3, pipelines_max=8, k_tolerance=0.05)
    assert len(plan.pipelines) == 3
    assert plan.makespan_s == 1000
    assert [k.k for k in plan.k_results] == [3, 4, 5, 6, 7, 8]


def test_range_takes_more_pipelines_when_they_pay() -> None:
    tables = [table(f"s{i}", 100) for i in range(16)]
    plan = plan_of(tables, pipelines_min=3, pipelines_max=8)
    assert len(plan.pipelines) == 8 and plan.makespan_s == 200


@pytest.mark.parametrize("k", [1, 2, 9, 12])
def test_k_outside_3_to_8_when_asked_explicitly(k: int) -> None:
    tables = [table(f"s{i}", 10 + i) for i in range(12)]
    plan = plan_of(tables, pipelines_min=k, pipelines_max=k)
    assert len(plan.pipelines) == k


def test_more_pipelines_than_tables_is_an_error() -> None:
    with pytest.raises(InfeasibleError, match="too many"):
        plan_of([table("a", 1), table("b", 1)], pipelines_min=3, pipelines_max=3)


def test_a_range_skips_counts_that_cannot_work() -> None:
    plan = plan_of([table(f"t{i}", 10) for i in range(4)], pipelines_min=3, pipelines_max=8)
    assert len(plan.pipelines) in (3, 4)
    assert [k.status for k in plan.k_results if k.k > 4] == ["INFEASIBLE"] * 4


def test_spread_stage_evens_out_after_the_makespan() -> None:
    # Makespan 100 is forced by one table; the others can be spread evenly.
    tables = [table("big", 100)] + [table(f"s{i}", 10) for i in range(12)]
    plan = plan_of(tables, pipelines_min=3, pipelines_max=3)
    assert plan.makespan_s == 100
    loads = sorted(p.load_s for p in plan.pipelines)
    assert loads == [60, 60, 100]


def test_category_stage_keeps_categories_together_when_free() -> None:
    tables = [table(f"a{i}", 10, category="a") for i in range(4)] + [
        table(f"b{i}", 10, category="b") for i in range(4)
    ]
    plan = plan_of(tables, pipelines_min=2, pipelines_max=2, spread_tolerance=0.0)
    assert plan.makespan_s == 40 and plan.category_splits == 0


def test_a_long_time_limit_lets_cp_sat_split_fewer_categories() -> None:
    # 85 tables of 8 categories over 4 pipelines: CP-SAT, from the tabu search's result, halves
    # the splits (15 -> 9 when measured)
    pick = random.Random(33)
    tables = [
        table(f"t{i}", pick.randint(10, 200), category=f"c{pick.randrange(8)}") for i in range(85)
    ]
    short = plan_of(tables, pipelines_min=4, pipelines_max=4, time_limit_s=10)
    long = plan_of(tables, pipelines_min=4, pipelines_max=4, time_limit_s=20)
    assert long.makespan_s == short.makespan_s
    assert long.category_splits < short.category_splits


def test_concurrency_shortens_runtime() -> None:
    tables = [table(f"s{i}", 100) for i in range(6)]
    one = plan_of(tables, pipelines_min=2, pipelines_max=2, overhead_s=30)
    two = plan_of(tables, pipelines_min=2, pipelines_max=2, overhead_s=30, concurrency=3)
    assert one.makespan_s == 330 and two.makespan_s == 130


def single_pool(costs: list[int], k: int) -> Instance:
    items = tuple(Item(f"t{i}", c, (f"t{i}",), (), "p") for i, c in enumerate(costs))
    return Instance(items, (Pool("p", "all", ""),), k, k, None, True)


def test_hard_instance_is_closed_and_reported_with_bound() -> None:
    costs = [611, 570, 484, 438, 314, 307, 236, 208, 196, 173, 172, 165, 165, 147, 126]
    sol = solve(single_pool(costs, 5), SolveOptions(time_limit_s=5.0, workers=1))
    assert sol.status == "OPTIMAL" and sol.makespan == sol.lower_bound


def test_same_instance_same_solution() -> None:
    costs = [37 * i % 101 + 5 for i in range(60)]
    first = solve(single_pool(costs, 7), SolveOptions(time_limit_s=2.0))
    second = solve(single_pool(costs, 7), SolveOptions(time_limit_s=2.0))
    assert first == second
