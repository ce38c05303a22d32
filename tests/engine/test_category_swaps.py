"""Stage 3's tabu search: it keeps every rule of the pool and never adds a category split."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from balancer.engine.category_swaps import fewer_touches, touches
from balancer.engine.pool import PoolProblem, by_load
from tests.helpers import bin_loads, keeps_pool_rules, pools_with_a_start


@settings(max_examples=200, deadline=None)
@given(pools_with_a_start())
def test_it_keeps_every_rule_and_never_adds_a_split(
    case: tuple[PoolProblem, list[int], int, int],
) -> None:
    problem, start, low, high = case
    found = fewer_touches(problem, start, low, high)
    keeps_pool_rules(problem, found)
    m = problem.n_bins
    assert all(low <= load <= high for load in bin_loads(list(problem.costs), found, m))
    assert touches(problem, found) <= touches(problem, start)
    assert fewer_touches(problem, start, low, high) == found  # deterministic


def _pool(costs: list[int], cats: str, n_bins: int, **kw: object) -> PoolProblem:
    return PoolProblem(
        costs=tuple(costs), n_bins=n_bins, categories=tuple((c,) for c in cats), **kw
    )


@pytest.mark.parametrize(
    ("costs", "cats", "start", "window", "expected"),
    [
        # crossed over two bins of equal load: one swap puts each category in one bin
        ([10, 10, 10, 10], "abab", [0, 0, 1, 1], (20, 20), 2),
        # a category of four tables leaves a bin whole, more than a swap's three
        (
            [5, 5, 5, 5, 20, 20, 5, 5, 5, 5],
            "aaaabaabbb",
            [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
            (40, 40),
            3,
        ),
        # every swap that would help leaves the load window: nothing moves
        ([3, 5, 4, 6], "abab", [0, 0, 1, 1], (8, 10), 4),
    ],
)
def test_known_pools(
    costs: list[int], cats: str, start: list[int], window: tuple[int, int], expected: int
) -> None:
    problem = _pool(costs, cats, 2)
    found = fewer_touches(problem, start, *window)
    assert touches(problem, found) == expected
    assert all(window[0] <= load <= window[1] for load in bin_loads(costs, found, 2))


def test_pinned_tables_stay_where_they_are() -> None:
    free = _pool([10, 10, 10, 10], "abab", 2)
    assert touches(free, fewer_touches(free, [0, 0, 1, 1], 20, 20)) == 2
    # with both 'a' tables pinned apart, no swap lowers the count
    pinned = _pool([10, 10, 10, 10], "abab", 2, pins=(0, None, 1, None), n_labeled=2)
    found = fewer_touches(pinned, [0, 0, 1, 1], 20, 20)
    assert found[0] == 0 and found[2] == 1 and touches(pinned, found) == 4


def test_by_load_orders_unlabeled_bins_and_keeps_labeled_ones() -> None:
    problem = PoolProblem(costs=(5, 9, 1, 7, 3), n_bins=4, n_labeled=1)
    # loads: bin0 5 (labeled), bin1 9, bin2 1+3=4, bin3 7
    assert by_load(problem, [0, 1, 2, 3, 2]) == [0, 1, 3, 2, 3]
