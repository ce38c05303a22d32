"""Schedule fit: p90 runtime <= schedule interval x headroom (a batch window when daily)."""

import pytest

from balancer.errors import InfeasibleError
from tests.helpers import plan_of, table

EVERY_15 = "*/15 * * * *"  # 900 s


def tables() -> list:
    return [table(f"t{i}", 300, schedule=EVERY_15) for i in range(6)]


def test_feasible_sla_is_kept() -> None:
    plan = plan_of(tables(), pipelines_min=1, pipelines_max=8, sla_headroom=0.8, k_tolerance=10.0)
    assert all(p.runtime_s <= 720 for p in plan.pipelines)


def test_sla_changes_the_answer() -> None:
    loose = plan_of(tables(), pipelines_min=1, pipelines_max=8, k_tolerance=10.0)
    assert len(loose.pipelines) == 1  # any K is within the huge tolerance; the smallest wins
    strict = plan_of(tables(), pipelines_min=1, pipelines_max=8, sla_headroom=0.8, k_tolerance=10.0)
    assert len(strict.pipelines) == 3  # 2 tables (600 s) fit 720 s; 3 do not


def test_infeasible_sla_no_split_meets_names_the_table() -> None:
    slow = [*tables(), table("slow", 800, schedule=EVERY_15)]
    with pytest.raises(
        InfeasibleError,
        match=r"schedule fit: pool 'snapshot @ \*/15.*alone take longer.*slow \(800 s\).*Fixes: run it '\*/30",
    ):
        plan_of(slow, pipelines_min=1, pipelines_max=8, sla_headroom=0.8)


def test_infeasible_sla_with_too_few_pipelines() -> None:
    with pytest.raises(InfeasibleError, match="too few"):
        plan_of(tables(), pipelines_min=2, pipelines_max=2, sla_headroom=0.8)
