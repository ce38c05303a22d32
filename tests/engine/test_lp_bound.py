"""The column-generation LP bound: never above the optimum, and stronger than counting."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.engine.bounds import makespan_lower_bound
from balancer.engine.lp_bound import bins_lower_bound, makespan_lp_bound
from benchmarks.instances import literature
from tests.helpers import optimal_makespan


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 60), min_size=2, max_size=7), st.integers(1, 3))
def test_the_lp_bound_never_exceeds_the_optimum(costs: list[int], m: int) -> None:
    best = optimal_makespan(costs, m)
    low = makespan_lower_bound(costs, m)
    assert low <= makespan_lp_bound(costs, m, low, best) <= best
    assert bins_lower_bound(costs, best) <= m


def test_bins_for_items_that_pair_badly() -> None:
    # six items of 51: no two share a bin of 100, so six bins, though the sizes sum to 306
    assert bins_lower_bound([51] * 6, 100) == 6
    assert bins_lower_bound([101], 100) > 10**6  # an item that fits no bin


def test_it_proves_a_literature_instance_the_counting_bounds_leave_open() -> None:
    instance = next(p for p in literature(3) if p.name == "U[20,100] n=50 m=25 #1")
    costs = list(instance.costs)
    assert makespan_lower_bound(costs, instance.m) == 122
    assert makespan_lp_bound(costs, instance.m, 122, 123) == 123  # 123 is optimal


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 60), min_size=2, max_size=9), st.integers(1, 4), st.integers(0, 30))
def test_stopping_at_enough_bins_keeps_the_answer_to_the_question_asked(
    costs: list[int], m: int, extra: int
) -> None:
    capacity = max(costs) + extra
    full = bins_lower_bound(costs, capacity)
    early = bins_lower_bound(costs, capacity, enough=m)
    assert (early > m) == (full > m)  # the same verdict: does the LP allow m bins?
    assert early <= full


def test_a_master_glop_cannot_re_solve_is_rebuilt() -> None:
    # GLOP's warm-started re-solve of this master turns ABNORMAL (ortools 9.15): rebuilt from
    # its columns, it solves, and the bound proves the optimum 9251 (the counting bound: 9084)
    instance = next(p for p in literature(10) if p.name == "NU[1,1000] n=100 m=10 #9")
    costs = list(instance.costs)
    assert makespan_lower_bound(costs, instance.m) == 9084
    assert makespan_lp_bound(costs, instance.m, 9084, 9251) == 9251
