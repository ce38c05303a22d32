"""Overruns counted as they happen: a pipeline whose p90 run outlasts its interval runs back
to back (costs.run_figures), is listed among the pipelines over schedule whether or not the
schedule-fit rule is on, and no objective prefers it to a fit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from balancer.analysis.plan_table import summary_lines
from balancer.costs import run_figures
from balancer.engine.allocation import Score, choose
from balancer.model import CostEstimate, PipelinePlan, Settings
from balancer.plan_metrics import pipeline_metrics, plan_metrics
from tests.helpers import plan_of, table

OBJECTIVES = ("balanced", "cost", "batch-window", "freshness")


@pytest.mark.parametrize(
    ("runtime", "p90", "interval", "runs", "age"),
    [
        (200, 250, 300, 288.0, 300 + 250),  # fits: runs on schedule
        (200, 400, 300, 288.0, 400 + 400),  # p90 overruns, a typical run fits
        (3600, 4000, 300, 24.0, 4000 + 4000),  # back to back: the day holds 24 runs
        (100_000, 100_000, 86_400, 86_400 / 100_000, 200_000),  # daily, longer than a day
    ],
)
def test_run_figures_count_back_to_back_runs(
    runtime: int, p90: int, interval: int, runs: float, age: int
) -> None:
    got_runs, compute, got_age = run_figures(runtime, p90, interval, 86_400 / interval, interval)
    assert got_runs == pytest.approx(runs)
    assert compute == pytest.approx(runs * runtime)
    assert compute <= 86_400 + 1e-6  # never more running than the day has
    assert got_age == age


def test_an_overrun_is_over_schedule_with_the_rule_off() -> None:
    est = {"a": CostEstimate("a", 3000, 3000, 4000, "history")}
    p = PipelinePlan("p", "p", "g", "*/5 * * * *", ("a",), 0, 0)
    m = pipeline_metrics(p, est, Settings(sla_headroom=None, overhead_s=60, concurrency=1))
    assert m.cap_s is None and m.fits  # the rule is off ...
    assert m.skips  # ... yet the overrun is seen
    assert m.compute_s_per_day == pytest.approx(86_400, abs=0.5)


scores = st.builds(
    Score,
    compute=st.floats(0, 1e6),
    batch=st.integers(0, 10**5),
    makespan=st.integers(0, 10**5),
    utilisation=st.floats(0.01, 50),
    k=st.integers(3, 8),
)


@given(
    st.lists(scores, min_size=1, max_size=6),
    st.lists(scores, min_size=0, max_size=6),
    st.sampled_from(OBJECTIVES),
    st.floats(0, 0.5),
)
def test_no_objective_prefers_an_overrun_to_a_fit(
    fits: list[Score], overruns: list[Score], objective: str, tolerance: float
) -> None:
    fits = [s for s in fits if s.utilisation <= 1.0] or [Score(1e9, 10**6, 10**6, 1.0, 8)]
    over = [s for s in overruns if s.utilisation > 1.0]
    candidates = [(s, {"p": i}) for i, s in enumerate([*over, *fits])]
    chosen, _ = choose(candidates, objective, tolerance)
    assert chosen.utilisation <= 1.0


@given(st.lists(scores, min_size=1, max_size=8), st.sampled_from(OBJECTIVES))
def test_among_overruns_the_least_overrun_wins(pool: list[Score], objective: str) -> None:
    candidates = [(s, {"p": i}) for i, s in enumerate(pool)]
    chosen, _ = choose(candidates, objective, 0.2)
    assert max(1.0, chosen.utilisation) == min(max(1.0, s.utilisation) for s in pool)


@pytest.mark.parametrize("objective", [*OBJECTIVES, "makespan"])
def test_solve_with_the_rule_off_prefers_a_fit_and_lists_the_overruns(objective: str) -> None:
    # eight 110 s tables every 5 minutes: 3 pipelines overrun (330 s), 4 fit (220 s)
    tables = [table(f"t{i}", 110, schedule="*/5 * * * *") for i in range(8)]
    plan = plan_of(tables, objective=objective, pipelines_min=3, pipelines_max=8)
    m = plan_metrics(plan)
    assert m.misfits == () and all(p.p90_runtime_s <= 300 for p in m.pipelines)
    over = plan_of(tables, objective=objective, pipelines_min=3, pipelines_max=3)
    listed = plan_metrics(over).misfits
    assert len(listed) >= 1
    assert f"OVER: {', '.join(listed)}" in " ".join(summary_lines(over))
