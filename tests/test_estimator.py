"""The cost model: robust, recency-weighted, growth-aware, with explained fallbacks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.costs import pipeline_runtime
from balancer.history.estimator import (
    DEFAULT_COST_S,
    calibrate_concurrency,
    estimate_costs,
    estimate_table,
)
from balancer.model import History, Run, Settings, Table, TableRuns

DAY = 86400.0


def runs(
    table: str, durations: list[float], status: str = "COMPLETED", step: float = DAY
) -> list[Run]:
    return [Run(table, k * step, d, status, f"r{k}") for k, d in enumerate(durations)]


def columns(rs: list[Run]) -> TableRuns:
    return History.from_runs(rs).runs[rs[0].table]


def test_flat_history_predicts_its_level() -> None:
    est = estimate_table(columns(runs("a", [100.0] * 20)), 19 * DAY, 7.0)
    assert est is not None
    assert est.source == "history" and est.seconds == pytest.approx(100.0)
    assert est.p50 == pytest.approx(100.0) and est.p90 == pytest.approx(100.0)


def test_outliers_and_failed_runs_are_ignored() -> None:
    rs = runs("a", [100.0 + (k % 3) for k in range(20)])
    rs[5] = rs[5]._replace(duration_s=5000.0)
    rs[7] = rs[7]._replace(duration_s=3.0, status="FAILED")
    est = estimate_table(columns(rs), 19 * DAY, 7.0)
    assert est is not None
    assert 99 <= est.seconds <= 103
    assert "1 outlier" in est.note and "1 failed" in est.note


def test_growth_is_followed() -> None:
    durations = [100.0 * 2 ** (k / 29) for k in range(30)]  # doubles over the window
    est = estimate_table(columns(runs("a", durations)), 29 * DAY, 7.0)
    assert est is not None
    plain_mean = sum(durations) / len(durations)
    assert est.seconds > plain_mean * 1.2
    assert est.seconds == pytest.approx(200.0, rel=0.05)
    assert est.growth_per_day == pytest.approx(2 ** (1 / 29) - 1, rel=0.05)


def test_recent_runs_weigh_more() -> None:
    # A step change without a trend: old level 100, the last week 200 (noisy, so no clean slope).
    durations = [100.0] * 23 + [200.0] * 7
    est = estimate_table(columns(runs("a", durations)), 29 * DAY, 7.0)
    assert est is not None
    assert est.seconds > 100.0 * 1.25


def test_p90_reports_spread() -> None:
    durations = [100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 160.0, 170.0, 180.0, 190.0]
    est = estimate_table(columns(runs("a", durations, step=3600.0)), 9 * 3600.0, 7.0)
    assert est is not None
    assert est.p50 < est.p90


@pytest.mark.parametrize(
    ("tables", "history", "expected_source", "expected_seconds", "note"),
    [
        (
            [Table("x", ingestion_type="cdc", weight=42.0)],
            {},
            "weight",
            42.0,
            "weight from tables.csv",
        ),
        (
            [
                Table("x", ingestion_type="cdc"),
                Table("y", ingestion_type="cdc"),
                Table("z", ingestion_type="cdc"),
            ],
            {"y": [10.0] * 5, "z": [30.0] * 5},
            "fallback",
            20.0,
            "median of cdc tables",
        ),
        ([Table("x", ingestion_type="cdc")], {}, "fallback", DEFAULT_COST_S, "assumed"),
        (
            [Table("x", ingestion_type="cdc"), Table("y", ingestion_type="snapshot")],
            {"y": [50.0] * 5},
            "fallback",
            50.0,
            "median of all tables",
        ),
    ],
)
def test_tables_without_history_say_where_their_cost_comes_from(
    tables: list[Table], history: dict, expected_source: str, expected_seconds: float, note: str
) -> None:
    hist = History.from_runs([r for t, d in history.items() for r in runs(t, d)])
    est = estimate_costs(tables, hist, Settings())["x"]
    assert est.source == expected_source
    assert est.seconds == pytest.approx(expected_seconds)
    assert note in est.note


def test_only_failed_runs_fall_back_and_say_so() -> None:
    hist = History.from_runs(runs("x", [5.0] * 3, status="FAILED"))
    est = estimate_costs([Table("x", weight=9.0)], hist, Settings())["x"]
    assert est.source == "weight" and "only failed runs" in est.note


def test_rows_based_estimate_from_similar_tables() -> None:
    y = [Run("y", k * DAY, 10.0, "COMPLETED", rows_written=1000.0) for k in range(5)]
    tables = [
        Table("x", category="c", ingestion_type="cdc"),
        Table("y", category="c", ingestion_type="cdc"),
    ]
    hist = History.from_runs(y)
    est = estimate_costs(tables, hist, Settings(), expected_rows={"x": 5000.0})["x"]
    assert est.source == "similar" and est.seconds == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("costs", "overhead", "c", "expected"),
    [([10, 20, 30], 5, 1, 65), ([10, 20, 30], 5, 2, 35), ([100, 1, 1], 0, 4, 100), ([], 7, 1, 7)],
)
def test_pipeline_runtime(costs: list[int], overhead: int, c: int, expected: int) -> None:
    assert pipeline_runtime(costs, overhead, c) == expected


def test_concurrency_is_calibrated_from_overlapping_flows() -> None:
    parallel = [Run(f"t{i}", 0.0, 100.0, "COMPLETED", "u1") for i in range(4)]
    parallel += [Run(f"t{i}", 1000.0 + 50.0 * (i % 2), 100.0, "COMPLETED", "u2") for i in range(4)]
    hist = History.from_runs(parallel)
    assert calibrate_concurrency(hist) in (3, 4)
    sequential = [Run(f"t{i}", 100.0 * i, 100.0, "COMPLETED", "u1") for i in range(4)]
    assert calibrate_concurrency(History.from_runs(sequential)) == 1


def test_estimates_do_not_depend_on_the_clock() -> None:
    hist = History.from_runs(runs("a", [10.0 * (1 + math.sin(k)) + 50 for k in range(12)]))
    first = estimate_costs([Table("a")], hist, Settings())
    second = estimate_costs([Table("a")], hist, Settings())
    assert first == second


# Issue 18: recency weights never vanish, however old a table's runs or short the half-life.
@pytest.mark.parametrize(
    ("age_days", "half_life"),
    [(0, 7.0), (3650, 7.0), (3650, 0.01), (30, 1e-6), (1, 1e-300), (40_000, 7.0), (3650, 3650)],
)
def test_old_runs_and_short_half_lives_still_estimate(age_days: float, half_life: float) -> None:
    old = [Run("a", k * 3600.0, 100.0 + k % 5, "COMPLETED", f"r{k}") for k in range(30)]
    now = old[-1].start + age_days * DAY
    est = estimate_table(columns(old), now, half_life)
    assert est is not None and math.isfinite(est.seconds)
    assert 100.0 <= est.p50 <= 104.0 and 100.0 / 2 <= est.seconds <= 104.0 * 2


def test_a_table_whose_runs_are_years_older_than_the_newest_is_estimated() -> None:
    history = History.from_runs(
        [Run("a", 0.0, 10.0, "COMPLETED"), Run("a", DAY, 12.0, "COMPLETED")]
        + [Run("b", 9 * 365 * DAY + k * DAY, 50.0, "COMPLETED") for k in range(8)]
    )
    est = estimate_costs([Table("a"), Table("b")], history, Settings(half_life_days=0.5))
    assert est["a"].source == "history" and 10.0 <= est["a"].seconds <= 12.0
    assert est["b"].seconds == pytest.approx(50.0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 3650 * DAY), st.floats(0.001, 7 * DAY)), min_size=1, max_size=30
    ),
    st.floats(0, 3650 * DAY),
    st.floats(1e-300, 3650),
)
def test_any_history_gives_a_finite_estimate_within_its_runs(
    points: list[tuple[float, float]], lead: float, half_life: float
) -> None:
    """Property: the estimate lies within the runs' range, widened by the growth cap (x2)."""
    rs = [Run("a", s, d, "COMPLETED") for s, d in points]
    now = max(s for s, _ in points) + lead
    est = estimate_table(columns(rs), now, half_life)
    assert est is not None
    low, high = min(d for _, d in points), max(d for _, d in points)
    for value in (est.seconds, est.p50, est.p90):
        assert math.isfinite(value) and low / 2 - 1e-3 <= value <= high * 2 + 1e-3
