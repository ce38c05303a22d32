"""One schedule per pipeline unless mixing is allowed."""

import pytest

from balancer.errors import InfeasibleError
from tests.helpers import plan_of, table

HOURLY = "0 * * * *"
DAILY = "0 0 * * *"


def tables() -> list:
    return [
        table("h1", 100, schedule=HOURLY),
        table("h2", 100, schedule=HOURLY),
        table("d1", 20, schedule=DAILY),
        table("d2", 20, schedule=DAILY),
    ]


def test_feasible_each_pipeline_has_one_schedule() -> None:
    plan = plan_of(tables(), pipelines_min=3, pipelines_max=3)
    for p in plan.pipelines:
        assert {t[0] for t in p.tables} in ({"h"}, {"d"})
        assert p.schedule == (HOURLY if p.tables[0].startswith("h") else DAILY)


def test_infeasible_two_schedules_one_pipeline() -> None:
    with pytest.raises(InfeasibleError, match="2 groups"):
        plan_of(tables(), pipelines_min=1, pipelines_max=1)


def test_schedules_change_the_answer() -> None:
    strict = plan_of(tables(), pipelines_min=2, pipelines_max=2)
    mixed = plan_of(tables(), pipelines_min=2, pipelines_max=2, allow_mixed_schedules=True)
    assert strict.makespan_s == 200
    assert mixed.makespan_s == 120


def test_mixed_pipeline_runs_on_its_most_common_schedule() -> None:
    plan = plan_of(tables(), pipelines_min=1, pipelines_max=1, allow_mixed_schedules=True)
    assert plan.pipelines[0].schedule in (HOURLY, DAILY)
