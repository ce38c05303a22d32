"""Bin completion: exact where it answers, and it closes the literature pools that were open."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.engine.bin_completion import complete_bins
from benchmarks.instances import literature
from tests.helpers import bin_loads, optimal_makespan


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 1000), min_size=1, max_size=9)
    | st.lists(st.integers(1, 12), max_size=9),
    st.integers(1, 4),
)
def test_it_finds_the_optimum_and_proves_one_less_impossible(costs: list[int], m: int) -> None:
    best = optimal_makespan(costs, m)
    found = complete_bins(costs, m, best)
    assert found.status == "FOUND" and found.assignment is not None
    assert max(bin_loads(costs, found.assignment, m), default=0) <= best
    assert all(0 <= b < m for b in found.assignment)
    if best > 0:
        assert complete_bins(costs, m, best - 1).status == "INFEASIBLE"


@pytest.mark.parametrize(
    ("name", "infeasible", "found"),
    [
        # the LP bound was right (934); the search stopped at 940
        ("U[100,800] n=50 m=25 #2", 933, 934),
        # the LP bound (116) was weak; the optimum is 117
        ("U[20,100] n=50 m=25 #7", 116, 117),
        # near-perfect packings: 25 bins, a few units of slack in all
        ("U[100,800] n=100 m=25 #1", 1603, 1604),
        ("NU[1,1000] n=100 m=25 #5", None, 3811),
    ],
)
def test_literature_pools_the_other_methods_left_open(
    name: str, infeasible: int | None, found: int
) -> None:
    instance = next(p for p in literature(10) if p.name == name)
    costs = list(instance.costs)
    if infeasible is not None:
        assert complete_bins(costs, instance.m, infeasible).status == "INFEASIBLE"
    result = complete_bins(costs, instance.m, found)
    assert result.status == "FOUND" and result.assignment is not None
    assert max(bin_loads(costs, result.assignment, instance.m)) <= found


def test_items_that_cannot_pair_need_a_bin_each() -> None:
    assert complete_bins([51] * 6, 5, 100).status == "INFEASIBLE"
    assert complete_bins([51] * 6, 6, 100).status == "FOUND"
    assert complete_bins([101], 3, 100).status == "INFEASIBLE"
    assert complete_bins([], 3, 100).status == "FOUND"


def test_the_node_limit_stops_the_search() -> None:
    instance = next(p for p in literature(10) if p.name == "NU[1,1000] n=100 m=25 #5")
    result = complete_bins(list(instance.costs), instance.m, 3751, node_limit=1000)
    assert result.status == "LIMIT" and result.assignment is None
