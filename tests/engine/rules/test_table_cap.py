"""Max tables per pipeline: default 250, at most 1000."""

import pytest

from balancer.errors import InfeasibleError, InputError
from tests.helpers import plan_of, table


def test_feasible_cap_is_kept() -> None:
    tables = [table("big", 100)] + [table(f"s{i}", 1) for i in range(6)]
    plan = plan_of(tables, pipelines_min=2, pipelines_max=2, max_tables_per_pipeline=4)
    assert max(len(p.tables) for p in plan.pipelines) <= 4


def test_cap_changes_the_answer() -> None:
    tables = [table("big", 100)] + [table(f"s{i}", 1) for i in range(6)]
    assert plan_of(tables, pipelines_min=2, pipelines_max=2).makespan_s == 100
    capped = plan_of(tables, pipelines_min=2, pipelines_max=2, max_tables_per_pipeline=4)
    assert capped.makespan_s == 102  # big + 2 small; the other 4 small fill the cap
    assert sorted(len(p.tables) for p in capped.pipelines) == [3, 4]


def test_infeasible_too_many_tables_for_the_cap() -> None:
    tables = [table(f"s{i}", 1) for i in range(9)]
    with pytest.raises(InfeasibleError, match="too few"):
        plan_of(tables, pipelines_min=2, pipelines_max=2, max_tables_per_pipeline=4)


@pytest.mark.parametrize("cap", [0, 1001, -5])
def test_cap_outside_1_to_1000_is_rejected(cap: int) -> None:
    with pytest.raises(InputError, match=r"max_tables_per_pipeline .*must be (>= 1|<= 1000)"):
        plan_of([table("a", 1)], pipelines_min=1, pipelines_max=1, max_tables_per_pipeline=cap)


def test_infeasible_together_group_larger_than_cap() -> None:
    tables = [table(f"s{i}", 1, together="g") for i in range(5)] + [table("x", 1)]
    with pytest.raises(InfeasibleError, match="5 tables are kept together"):
        plan_of(tables, pipelines_min=2, pipelines_max=2, max_tables_per_pipeline=4)
