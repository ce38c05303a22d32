"""One planning model: random tables, schedules and rules go through `solve`, `whatif` and
`rebalance`, and every plan and every proposal they return passes the solver-free checker
(schedule fit included); anything else is a clear InfeasibleError or InputError."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balancer.analysis.whatif import Scenario, WhatIf
from balancer.engine.checker import check_plan
from balancer.errors import InfeasibleError, InputError
from balancer.model import OBJECTIVES, Plan, Settings
from balancer.planning.planner import make_plan
from balancer.planning.rebalance import RebalanceOptions, rebalance
from tests.helpers import catalog, tables_of

SCHEDULES = ("*/5 * * * *", "*/15 * * * *", "0 * * * *", "0 0 * * *")
TYPES = ("snapshot", "append", "cdc")

rows = st.lists(
    st.fixed_dictionaries(
        {
            "weight": st.integers(1, 400),
            "ingestion_type": st.sampled_from(TYPES),
            "schedule": st.sampled_from(SCHEDULES),
            "apart": st.sampled_from([(), (), ("x",)]),
            "together": st.sampled_from([None] * 5 + ["g"]),
        }
    ),
    min_size=3,
    max_size=14,
)
knobs = st.fixed_dictionaries(
    {
        "objective": st.sampled_from(OBJECTIVES),
        "sla_headroom": st.sampled_from([None, 0.8, 1.0, 3.0]),
        "batch_window_s": st.sampled_from([600, 14_400]),
        "overhead_s": st.sampled_from([0, 30, 60]),
        "concurrency": st.integers(1, 4),
        "pipelines_max": st.integers(3, 8),
    }
)


def checked(plan: Plan) -> Plan:
    assert check_plan(plan, plan.tables) == [], check_plan(plan, plan.tables)
    return plan


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, knobs, st.floats(0.5, 3.0), st.integers(0, 2**16))
def test_solve_whatif_and_rebalance_results_all_pass_the_checker(
    rows: list[dict], knobs: dict, growth: float, seed: int
) -> None:
    tables = tables_of(rows)
    s = Settings(
        pipelines_min=1,
        concurrency_calibrated=False,
        time_limit_s=0.5,
        workers=1,
        **knobs,
    )
    try:
        plan = checked(make_plan(catalog(tables), None, s))
    except InfeasibleError:
        return  # a contradiction or a schedule no split keeps: said, not solved
    base = WhatIf(catalog(tables), None, s)
    outcome = base.try_run(Scenario("grown", growth=growth), current=plan)
    if isinstance(outcome, Plan):
        checked(outcome)
    else:
        assert "schedule fit" in outcome.message or "pipeline" in outcome.message
    scale = 1 + (seed % 7) / 3
    drifted = dataclasses.replace(
        plan,
        tables=tuple(
            dataclasses.replace(t, weight=(t.weight or 1) * (scale if i % 3 == 0 else 1))
            for i, t in enumerate(plan.tables)
        ),
    )
    try:
        proposal = rebalance(drifted, None, RebalanceOptions(time_limit_s=0.5))
    except (InfeasibleError, InputError) as exc:
        assert "schedule" in str(exc) or "pipeline" in str(exc), str(exc)
        return
    checked(proposal.plan)
