"""Staggered start times (balancer.planning.stagger): a table of cases, and properties: no
more than `cap` pipelines of one schedule run at once at their p90 whenever the interval
allows it, every offset stays before the next trigger, and the answer is deterministic."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.costs import lane_offsets, staggered_window
from balancer.model import PipelinePlan, Settings
from balancer.plan_metrics import plan_metrics
from balancer.planning.stagger import stagger, staggered_pipelines
from balancer.schedules import min_interval_seconds, shift_cron
from tests.helpers import plan_of, table

DAILY, HOURLY, QUARTER = "0 0 * * *", "0 * * * *", "*/15 * * * *"


def pipe(key: str, p90_s: int, schedule: str = DAILY) -> PipelinePlan:
    return PipelinePlan(key, key, "snapshot", schedule, (key,), p90_s, p90_s, None, p90_s)


def offsets(pipelines: tuple[PipelinePlan, ...]) -> dict[str, int]:
    return {p.key: p.start_offset_min for p in pipelines}


@pytest.mark.parametrize(
    ("p90s", "cap", "expected"),
    [
        # longest first onto the lane that frees first; an offset is rounded up to the minute
        ({"a": 600, "b": 600, "c": 600}, 1, {"a": 0, "b": 10, "c": 20}),
        ({"a": 600, "b": 600, "c": 600}, 2, {"a": 0, "b": 0, "c": 10}),
        ({"a": 600, "b": 600, "c": 600}, 3, {"a": 0, "b": 0, "c": 0}),
        ({"a": 600, "b": 600, "c": 600}, 0, {"a": 0, "b": 0, "c": 0}),  # 0: no cap
        ({"a": 61, "b": 300, "c": 120}, 1, {"b": 0, "c": 5, "a": 7}),
        ({"a": 3000, "b": 100, "c": 100, "d": 100}, 2, {"a": 0, "b": 0, "c": 2, "d": 4}),
        ({"only": 5000}, 1, {"only": 0}),
    ],
)
def test_cases(p90s: dict[str, int], cap: int, expected: dict[str, int]) -> None:
    result = stagger([pipe(k, s) for k, s in p90s.items()], cap)
    assert offsets(result.pipelines) == expected
    assert result.warnings == ()


def test_schedules_are_staggered_apart_and_order_is_kept() -> None:
    given_order = [
        pipe("d2", 600),
        pipe("h1", 600, HOURLY),
        pipe("d1", 600),
        pipe("h2", 600, HOURLY),
    ]
    result = stagger(given_order, 1)
    assert [p.key for p in result.pipelines] == ["d2", "h1", "d1", "h2"]
    assert offsets(result.pipelines) == {"d1": 0, "d2": 10, "h1": 0, "h2": 10}


def test_a_cap_the_interval_cannot_keep_opens_lanes_and_says_how_many_run_at_once() -> None:
    # four 6-minute runs every 15 minutes: one lane would take 24 minutes, two take 12
    result = stagger([pipe(k, 360, QUARTER) for k in "abcd"], 1)
    assert offsets(result.pipelines) == {"a": 0, "b": 0, "c": 6, "d": 6}
    assert len(result.warnings) == 1
    assert "4 pipelines on every 15 min run up to 2 at once" in result.warnings[0]
    assert "--max-concurrent-pipelines 1" in result.warnings[0]


def test_a_staggered_window_beyond_the_batch_window_is_warned() -> None:
    pipes = [pipe(k, 3000) for k in "abc"]
    assert stagger(pipes, 3, batch_window_s=3600).warnings == ()
    result = stagger(pipes, 1, batch_window_s=3600)
    assert offsets(result.pipelines) == {"a": 0, "b": 50, "c": 100}
    assert "beyond the batch window 1h 00m" in result.warnings[0]
    assert stagger(pipes, 1).warnings == ()  # schedule fit off: nothing to compare with


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(1, 4 * 3600), min_size=1, max_size=8),
    st.integers(0, 8),
    st.sampled_from([DAILY, HOURLY, QUARTER, "0 */6 * * *", "30 23 * * 1-5"]),
)
def test_no_more_than_cap_run_at_once_whenever_the_interval_allows(
    p90s: list[int], cap: int, schedule: str
) -> None:
    pipes = [pipe(f"p{i}", s, schedule) for i, s in enumerate(p90s)]
    result = stagger(pipes, cap)
    again = stagger(list(reversed(pipes)), cap)
    assert offsets(again.pipelines) == offsets(result.pipelines)  # order does not matter
    interval = min_interval_seconds(schedule)
    for p in result.pipelines:
        assert 0 <= p.start_offset_min * 60 < interval  # before the next trigger
        shift_cron(schedule, p.start_offset_min)  # a job schedule can say it
    most = _most_at_once(result.pipelines, interval)
    if not result.warnings:  # the cap was kept within the interval
        assert cap == 0 or most <= cap
    else:
        assert cap < most


def _most_at_once(pipelines: tuple[PipelinePlan, ...], interval: int) -> int:
    """Pipelines running at once at their p90, over three cycles of the schedule (a pipeline
    whose run outlasts its interval counts once: its job runs one update at a time)."""
    spans = [
        (p.key, cycle * interval + p.start_offset_min * 60, p.p90_runtime_s)
        for p in pipelines
        for cycle in range(3)
    ]
    return max(len({k for k, s, d in spans if s <= t < s + d}) for _, t, _ in spans)


def test_the_plan_counts_the_offsets_in_its_batch_window() -> None:
    tables = [table(f"t{i}", 600.0) for i in range(4)]
    plan = plan_of(tables, pipelines_min=4, pipelines_max=4, max_concurrent_pipelines=2)
    assert sorted(p.start_offset_min for p in plan.pipelines) == [0, 0, 10, 10]
    m = plan_metrics(plan)
    assert m.batch_window_s == max(p.start_offset_min * 60 + p.runtime_s for p in plan.pipelines)
    assert m.batch_window_s == 1200
    unlimited = plan_of(tables, pipelines_min=4, pipelines_max=4, max_concurrent_pipelines=0)
    assert {p.start_offset_min for p in unlimited.pipelines} == {0}
    assert plan_metrics(unlimited).batch_window_s == 600


def test_staggered_pipelines_follow_the_settings() -> None:
    pipes = [pipe(k, 3000) for k in "abc"]
    fit = Settings(max_concurrent_pipelines=1, batch_window_s=3600)
    assert len(staggered_pipelines(pipes, fit).warnings) == 1
    no_fit = dataclasses.replace(fit, sla_headroom=None)
    assert staggered_pipelines(pipes, no_fit).warnings == ()
    assert offsets(staggered_pipelines(pipes, no_fit).pipelines) == {"a": 0, "b": 50, "c": 100}


@pytest.mark.parametrize(
    ("p90s", "lanes", "offsets"),
    [
        ([], 2, []),
        ([600, 600, 600], 0, [0, 0, 0]),
        ([600, 600, 600], 3, [0, 0, 0]),
        ([600, 600, 600], 2, [0, 0, 10]),
        ([600, 601, 600], 1, [11, 0, 21]),  # longest first, ties in the order given
        ([90, 3000, 60, 30], 2, [0, 0, 2, 3]),
    ],
)
def test_lane_offsets(p90s: list[int], lanes: int, offsets: list[int]) -> None:
    assert lane_offsets(p90s, lanes) == offsets


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(60, 20_000), min_size=1, max_size=8),
    st.integers(0, 4),
)
def test_the_solver_scores_the_window_the_planner_staggers(p90s: list[int], cap: int) -> None:
    """The batch window a pool split is scored by (engine.allocation) is the one the plan
    gets once staggered (planning.stagger, plan_metrics): one lane rule for both."""
    pipelines = [pipe(f"p{i}", p90) for i, p90 in enumerate(p90s)]
    placed = stagger(pipelines, cap).pipelines
    window = max(p.start_offset_min * 60 + p.runtime_s for p in placed)
    ordered = sorted(placed, key=lambda p: p.key)
    assert window == staggered_window(
        [p.runtime_s for p in ordered], [p.p90_runtime_s for p in ordered], cap
    )


def test_the_pipeline_count_is_chosen_for_the_staggered_window() -> None:
    """Under a cap of 2, a daily pool's window stops shrinking at 2 pipelines (more only add
    start-ups): the solver knows it and the K sweep shows staggered windows."""
    from balancer.engine.allocation import split_score
    from balancer.engine.instance import Pool
    from balancer.engine.pool import PoolProblem

    costs = [1000] * 8
    for lanes, best_at in ((0, 8), (2, 2)):
        pool = Pool("p", "g", "0 0 * * *", lanes=lanes)
        windows = {}
        for n in (2, 4, 8):
            problem = PoolProblem(costs=tuple(costs), n_bins=n)
            windows[n] = split_score(pool, problem, [i % n for i in range(8)], 60, 1).batch
        assert min(windows, key=lambda n: (windows[n], n)) == best_at, windows


@pytest.mark.parametrize(
    ("schedule", "p90_s", "why"),
    [
        ("50 23 1 * *", 900, "cross midnight"),  # a day-of-month cron: no later start fits
        (QUARTER, 660, "do not finish within the schedule's interval"),
    ],
)
def test_a_cap_that_cannot_be_kept_says_why(schedule: str, p90_s: int, why: str) -> None:
    result = stagger([pipe(f"p{i}", p90_s, schedule) for i in range(3)], 1)
    assert {p.start_offset_min for p in result.pipelines} == {0}
    assert len(result.warnings) == 1 and why in result.warnings[0], result.warnings
