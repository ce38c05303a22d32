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
        match=r"schedule fit: pool 'snapshot @ \*/15.*alone take longer.*slow \(13m 20s\).*No split"
        r".*Fix: give those tables a longer schedule.*run them '\*/30",
    ) as refused:
        plan_of(slow, pipelines_min=1, pipelines_max=8, sla_headroom=0.8)
    assert "--sla-headroom" not in str(refused.value)  # no headroom split fixes one slow table


def test_infeasible_sla_with_too_few_pipelines() -> None:
    with pytest.raises(InfeasibleError, match="too few"):
        plan_of(tables(), pipelines_min=2, pipelines_max=2, sla_headroom=0.8)


def test_fit_is_judged_on_p90_runs_not_the_prediction() -> None:
    from balancer.model import CostEstimate, Settings
    from balancer.planning.planner import make_plan
    from tests.helpers import catalog

    tables = [table(f"t{i}", 300, schedule=EVERY_15) for i in range(4)]
    spiky = {t.source_table: CostEstimate(t.source_table, 300, 300, 400, "history") for t in tables}
    s = Settings(
        pipelines_min=1,
        pipelines_max=8,
        overhead_s=0,
        concurrency=1,
        concurrency_calibrated=False,
        sla_headroom=0.8,
        objective="cost",
        workers=1,
    )
    calm = make_plan(catalog(tables), None, s)
    assert len(calm.pipelines) == 2  # 600 s predicted, 600 s p90 within 720 s
    slow = make_plan(catalog(tables), None, s, estimates=spiky)
    assert len(slow.pipelines) == 4  # two tables' p90 runs (800 s) no longer fit 720 s
    assert all(p.p90_runtime_s <= 720 for p in slow.pipelines)


def test_daily_pipelines_keep_the_batch_window() -> None:
    daily = [table(f"d{i}", 3000) for i in range(6)]
    knobs = {"pipelines_min": 1, "pipelines_max": 8, "overhead_s": 60, "objective": "cost"}
    wide = plan_of(daily, sla_headroom=0.8, batch_window_s=86_400, **knobs)
    assert len(wide.pipelines) == 1  # 18,060 s within 0.8 x a day: one start-up is cheapest
    narrow = plan_of(daily, sla_headroom=0.8, batch_window_s=7200, **knobs)
    assert len(narrow.pipelines) == 3 and max(p.runtime_s for p in narrow.pipelines) <= 7200
