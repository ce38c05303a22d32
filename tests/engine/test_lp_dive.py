"""The LP dive: every packing it returns is complete and within the capacity, and it finds
the near-perfect packings of the widest-range class that the other methods miss."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.engine.bounds import makespan_lower_bound
from balancer.engine.lp_dive import lp_dive
from benchmarks.instances import literature
from tests.helpers import bin_loads, optimal_makespan


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 500), min_size=1, max_size=8), st.integers(1, 4), st.integers(0, 40))
def test_a_packing_it_returns_is_complete_and_fits(costs: list[int], m: int, extra: int) -> None:
    capacity = optimal_makespan(costs, m) + extra
    found = lp_dive(costs, m, capacity)
    if found is not None:
        assert len(found) == len(costs) and all(0 <= b < m for b in found)
        assert max(bin_loads(costs, found, m)) <= capacity
    assert lp_dive(costs, m, optimal_makespan(costs, m) - 1) is None  # never below the optimum


def test_it_packs_a_widest_range_instance_to_its_bound() -> None:
    # 100 tables in [1, 10000] over 25 pipelines: 24 units of slack in all at the bound
    instance = next(p for p in literature(3) if p.name == "U[1,10000] n=100 m=25 #0")
    costs = list(instance.costs)
    bound = makespan_lower_bound(costs, instance.m)
    assert bound == 19023
    found = lp_dive(costs, instance.m, bound)
    assert found is not None
    assert max(bin_loads(costs, found, instance.m)) == bound


def test_it_gives_up_when_told() -> None:
    costs = [7, 6, 5, 4, 3, 3, 2]
    assert lp_dive(costs, 3, 10) is not None
    assert lp_dive(costs, 3, 10, stop=lambda: True) is None
    assert lp_dive([11], 3, 10) is None and lp_dive([], 3, 10) is None
