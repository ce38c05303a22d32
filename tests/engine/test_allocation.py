"""Sharing K pipelines over pools by objective: scores, the Pareto set, the choice, and what
each objective does to whole plans."""

from __future__ import annotations

from collections import Counter

import pytest

from balancer.engine.allocation import Score, choose, pareto_allocations, split_score
from balancer.engine.instance import Pool
from balancer.engine.pool import PoolProblem
from tests.helpers import plan_of, table

QUARTER = Pool("q", "append", "*/15 * * * *", None, 96.0, 900, False)
DAILY = Pool("d", "snapshot", "0 0 * * *", None, 1.0, 86_400, True)


def test_split_score_counts_start_ups_runs_and_back_to_back_runs() -> None:
    problem = PoolProblem((300, 300, 200), 2)
    score = split_score(QUARTER, problem, [0, 1, 1], overhead_s=60, concurrency=1)
    assert score.compute == 96 * (360 + 560)
    assert (score.makespan, score.batch, score.k) == (560, 0, 2)
    assert score.utilisation == pytest.approx(560 / 900)
    slow = split_score(QUARTER, PoolProblem((1000,), 1), [0], overhead_s=60, concurrency=1)
    assert slow.compute == 86_400  # a 1,060 s run on a 15-minute schedule runs back to back
    assert split_score(DAILY, problem, [0, 0, 1], 60, 1).batch == 660


def test_pareto_keeps_only_allocations_nothing_beats() -> None:
    options = {
        "q": {1: Score(100.0, 0, 50, 0.9, 1), 2: Score(150.0, 0, 30, 0.5, 2)},
        "d": {1: Score(10.0, 900, 900, 0.01, 1), 2: Score(11.0, 450, 450, 0.01, 2)},
    }
    found = pareto_allocations(options, 3)
    assert sorted(sorted(a.items()) for _, a in found) == [
        [("d", 1), ("q", 2)],
        [("d", 2), ("q", 1)],
    ]
    assert pareto_allocations(options, 5) == []


@pytest.mark.parametrize(
    ("objective", "wanted"),
    [("balanced", {"d": 2, "q": 1}), ("cost", {"d": 2, "q": 1}), ("freshness", {"d": 1, "q": 2})],
)
def test_choose_follows_the_objective(objective: str, wanted: dict[str, int]) -> None:
    options = {
        "q": {1: Score(100.0, 0, 50, 0.9, 1), 2: Score(150.0, 0, 30, 0.5, 2)},
        "d": {1: Score(10.0, 900, 900, 0.01, 1), 2: Score(11.0, 450, 450, 0.01, 2)},
    }
    _, alloc = choose(pareto_allocations(options, 3), objective, 0.05)
    assert alloc == wanted


def two_pools() -> list:
    quarter = [
        table(f"a{i}", 200, ingestion_type="append", schedule="*/15 * * * *") for i in range(4)
    ]
    return quarter + [table(f"s{i}", 1200) for i in range(8)]


def pools_of(plan) -> Counter:  # type: ignore[no-untyped-def]
    return Counter(p.group for p in plan.pipelines)


@pytest.mark.parametrize(("cap", "daily"), [(0, 4), (2, 2), (1, 2)])
def test_balanced_gives_spare_pipelines_to_the_batch_window_not_to_frequent_runs(
    cap: int, daily: int
) -> None:
    plan = plan_of(
        two_pools(),
        pipelines_min=3,
        pipelines_max=6,
        objective="balanced",
        overhead_s=60,
        max_concurrent_pipelines=cap,
    )
    # 800 s of 15-minute work fits one pipeline (900 s); each extra one would start 96 times a
    # day, an extra daily one once: the daily tables get them, as long as they shorten the
    # batch window (a fifth or sixth leaves two 1,200 s tables in some pipeline: no gain).
    # Under a cap the window is staggered: past `cap` daily pipelines it only grows, by a
    # start-up each, so K stays at its least, 3; at cap 1 the third pipeline is still a daily
    # one (one start-up more a day, against 96 for a second 15-minute pipeline).
    assert pools_of(plan)["snapshot"] == daily


def test_freshness_gives_pipelines_to_the_frequent_schedule() -> None:
    plan = plan_of(
        two_pools(), pipelines_min=3, pipelines_max=6, objective="freshness", overhead_s=60
    )
    assert pools_of(plan)["append"] >= 3


def test_cost_takes_the_fewest_start_ups() -> None:
    plan = plan_of(two_pools(), pipelines_min=2, pipelines_max=6, objective="cost", overhead_s=60)
    assert pools_of(plan) == {"append": 1, "snapshot": 1}


def test_makespan_is_the_old_single_number() -> None:
    tables = two_pools()
    plan = plan_of(tables, pipelines_min=2, pipelines_max=8, objective="makespan", overhead_s=60)
    assert plan.makespan_s == max(p.runtime_s for p in plan.pipelines) == 2460
    cost = plan_of(tables, pipelines_min=2, pipelines_max=8, objective="cost", overhead_s=60)
    assert cost.makespan_s > plan.makespan_s


def test_one_frequent_pool_gets_the_fewest_pipelines_that_fit() -> None:
    """HubSpot's complaint: nine tables every 5 minutes got 4 pipelines because K=3 was 12%
    slower. Every extra pipeline starts 288 times a day: the default takes 3."""
    tables = [table(f"c{i}", 25, ingestion_type="cdc", schedule="*/5 * * * *") for i in range(9)]
    plan = plan_of(
        tables,
        pipelines_min=3,
        pipelines_max=8,
        objective="balanced",
        overhead_s=60,
        sla_headroom=0.8,
    )
    assert len(plan.pipelines) == 3
    assert all(p.p90_runtime_s <= 240 for p in plan.pipelines)
