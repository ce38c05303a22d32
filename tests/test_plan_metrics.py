"""What a plan means per pipeline: runs a day, p50/p90 runtime, utilisation, skipped runs,
worst data age, compute and cost a day; and the totals."""

from __future__ import annotations

import dataclasses

import pytest

from balancer.model import CostEstimate, PipelinePlan, Settings
from balancer.plan_metrics import pipeline_metrics, plan_metrics
from tests.helpers import plan_of, table


def estimates(*rows: tuple[str, float, float, float]) -> dict[str, CostEstimate]:
    return {n: CostEstimate(n, s, p50, p90, "history") for n, s, p50, p90 in rows}


def pipe(schedule: str, *tables: str) -> PipelinePlan:
    return PipelinePlan("p", "p", "g", schedule, tables, 0, 0)


@pytest.mark.parametrize(
    ("schedule", "runs", "interval", "skips", "age"),
    [
        # p90 run 60 + 300 + 200 = 560 s
        ("*/15 * * * *", 96.0, 900, False, 900 + 560),
        # p90 560 s > 300 s: an overrun; runs go back to back (86400 / 360 s predicted) and a
        # row waits for the p90 run under way and the whole next one
        ("*/5 * * * *", 86_400 / 360, 300, True, 560 + 560),
        ("0 0 * * *", 1.0, 86_400, False, 86_400 + 560),
        ("0 9-17 * * 1-5", 45 / 7, 3600, False, 230_400 - 8 * 3600 + 560 + 8 * 3600),
    ],
)
def test_runs_skips_and_worst_age_follow_the_schedule(
    schedule: str, runs: float, interval: int, skips: bool, age: int
) -> None:
    est = estimates(("a", 200, 190, 300), ("b", 100, 95, 200))
    m = pipeline_metrics(pipe(schedule, "a", "b"), est, Settings(concurrency=1, overhead_s=60))
    assert (m.interval_s, m.skips) == (interval, skips)
    assert m.runs_per_day == pytest.approx(runs, abs=1e-3)
    assert (m.runtime_s, m.p50_runtime_s, m.p90_runtime_s) == (360, 345, 560)
    assert m.utilisation == pytest.approx(560 / interval, abs=1e-4)
    assert m.worst_age_s == age
    assert m.compute_s_per_day == pytest.approx(runs * 360, abs=0.1)


def test_concurrency_price_and_the_allowed_runtime() -> None:
    est = estimates(("a", 200, 200, 300), ("b", 100, 100, 200), ("c", 100, 100, 100))
    s = Settings(concurrency=2, overhead_s=60, price_per_hour=3.6, sla_headroom=0.5)
    m = pipeline_metrics(pipe("*/15 * * * *", "a", "b", "c"), est, s)
    assert (m.runtime_s, m.p90_runtime_s) == (60 + 200, 60 + 300)  # max(sum / 2, largest)
    assert m.cap_s == 450 and m.fits
    assert m.cost_per_day == pytest.approx(96 * 260 / 3600 * 3.6, abs=0.01)
    over = pipeline_metrics(
        pipe("*/15 * * * *", "a", "b", "c"), est, dataclasses.replace(s, sla_headroom=0.3)
    )
    assert over.cap_s == 270 and not over.fits


def test_plan_totals_and_worst_age_by_schedule() -> None:
    quarter = "*/15 * * * *"
    tables = [table("a", 300, ingestion_type="append", schedule=quarter), table("s", 1000)]
    plan = plan_of(tables, pipelines_min=2, pipelines_max=2, overhead_s=60, price_per_hour=1.0)
    m = plan_metrics(plan)
    assert m.runs_per_day == 97.0
    assert m.compute_s_per_day == pytest.approx(96 * 360 + 1060)
    assert m.cost_per_day == pytest.approx((96 * 360 + 1060) / 3600, abs=0.01)
    assert m.worst_age_by_schedule == ((quarter, 900 + 360), ("0 0 * * *", 86_400 + 1060))
    assert m.worst_age_intraday_s == 1260 and m.batch_window_s == 1060 and m.misfits == ()
