"""Stage 2's swap search: it keeps every rule, never lowers the smallest load nor raises the
largest, and its bound is one no split beats."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.engine.pool import PoolProblem
from balancer.engine.spread_swaps import min_load_bound, raise_min_load
from tests.helpers import bin_loads, keeps_pool_rules, pools_with_a_start


def _best_min_load(costs: list[int], m: int) -> int:
    """The highest smallest load of any split (small inputs only)."""
    return max(
        min(bin_loads(costs, assign, m))
        for assign in itertools.product(range(m), repeat=len(costs))
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 100), min_size=1, max_size=8), st.integers(1, 4))
def test_the_bound_is_never_below_the_best_split(costs: list[int], m: int) -> None:
    best = _best_min_load(costs, m)
    assert min_load_bound(costs, m, nodes=0) >= best  # the counting bound alone
    assert min_load_bound(costs, m, nodes=10**6) == best  # small pools: searched exactly


def test_large_pools_get_the_counting_bound() -> None:
    costs = [1 + k % 97 for k in range(2000)]
    assert min_load_bound(costs, 8) == min_load_bound(costs, 8, nodes=0)


@settings(max_examples=200, deadline=None)
@given(pools_with_a_start())
def test_it_keeps_every_rule_and_never_lowers_the_smallest_load(
    case: tuple[PoolProblem, list[int], int, int],
) -> None:
    problem, start, _, _ = case
    found = raise_min_load(problem, start, min_load_bound(problem.costs, problem.n_bins))
    keeps_pool_rules(problem, found)
    before = bin_loads(list(problem.costs), start, problem.n_bins)
    after = bin_loads(list(problem.costs), found, problem.n_bins)
    assert max(after) <= max(before)
    assert min(after) >= min(before)


@pytest.mark.parametrize(
    ("costs", "start", "expected"),
    [
        # one move: 4 | 4+2 from 4+4 | 2 (the bound, 5, is not met by any split)
        ([4, 4, 2], [0, 0, 1], 4),
        # a swap, not a move: 9+1 | 5+5 from 9+5 | 5+1
        ([9, 5, 5, 1], [0, 0, 1, 1], 10),
        # a giant table alone: the others share the rest (the bound's k = 1)
        ([40, 10, 10, 5, 5, 15, 15], [0, 1, 1, 1, 2, 2, 2], 30),
    ],
)
def test_known_pools(costs: list[int], start: list[int], expected: int) -> None:
    m = max(start) + 1
    problem = PoolProblem(costs=tuple(costs), n_bins=m)
    found = raise_min_load(problem, start, min_load_bound(costs, m))
    assert min(bin_loads(costs, found, m)) == expected


def test_schedule_fit_can_forbid_the_lift() -> None:
    # 7+3 | 2: moving the 3 lifts the minimum to 5, unless its p90 (3) overfills bin 1 (8 + 3)
    free = PoolProblem(costs=(7, 3, 2), n_bins=2)
    assert raise_min_load(free, [0, 0, 1], 5) == [0, 1, 1]
    capped = PoolProblem(costs=(7, 3, 2), n_bins=2, fit_costs=(7, 3, 8), cap=10)
    assert raise_min_load(capped, [0, 0, 1], 5) == [0, 0, 1]
