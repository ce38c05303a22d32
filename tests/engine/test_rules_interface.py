"""One rule interface, used by every consumer: builder, solver, both models, checker."""

from __future__ import annotations

import dataclasses

import pytest

from balancer.engine.build import build_instance
from balancer.engine.checker import check_plan
from balancer.engine.moves import MoveCaps, fewest_moves
from balancer.engine.rules import RULES, BaseRule
from balancer.engine.rules.base import Rule
from balancer.errors import InfeasibleError
from balancer.history.estimator import estimate_costs
from balancer.model import Settings
from tests.helpers import plan_of, table

HOOKS = [name for name in dir(Rule) if not name.startswith("_") and name != "name"]


def test_every_rule_speaks_the_one_interface() -> None:
    assert set(HOOKS) == {
        "check_component",
        "check_items",
        "check_pool",
        "check_pools",
        "needs",
        "post",
        "post_moves",
        "violations",
        "restricts",
        "admits",
    }
    for rule in RULES:
        assert isinstance(rule, BaseRule) and rule.name
        assert all(callable(getattr(rule, hook)) for hook in HOOKS)
    assert len({type(rule) for rule in RULES}) == len(RULES)


def test_too_few_pipelines_names_the_rule_and_the_tables() -> None:
    tables = [table(f"t{i}", 10, apart=("x",)) for i in range(7)]
    with pytest.raises(InfeasibleError, match=r"apart label 'x' is on 7 tables \(t0, t1"):
        plan_of(tables, pipelines_min=3, pipelines_max=5, explicit=False)


def test_the_moves_model_keeps_every_rule_of_a_plan() -> None:
    """A drifted plan breaks the SLA of a */15 pipeline; the rebalance must repair it, not
    merely meet the makespan target (which the daily pipelines set far higher)."""
    tables = [
        table("d1", 2000),
        table("d2", 1900),
        table("a1", 500, ingestion_type="append", schedule="*/15 * * * *"),
        table("a2", 450, ingestion_type="append", schedule="*/15 * * * *"),
        table("a3", 100, ingestion_type="append", schedule="*/15 * * * *"),
    ]
    plan = plan_of(tables, pipelines_min=4, pipelines_max=4, sla_headroom=1.0)
    assert check_plan(plan, tables) == []
    heavy = next(p for p in plan.pipelines if "a1" in p.tables)
    light = next(p for p in plan.pipelines if p.key != heavy.key and p.schedule == heavy.schedule)
    drifted = dataclasses.replace(
        plan,
        pipelines=tuple(
            dataclasses.replace(p, tables=("a1", "a2"))
            if p.key == heavy.key
            else dataclasses.replace(p, tables=("a3",))
            if p.key == light.key
            else p
            for p in plan.pipelines
        ),
    )
    settings: Settings = plan.settings
    estimates = estimate_costs(tables, None, settings)
    instance = build_instance(tables, estimates, settings)
    weights = {t.source_table: 1.0 for t in tables}
    found = fewest_moves(instance, drifted, weights, settings, 2000, MoveCaps(), 5.0)
    assert found is not None
    assign, _ = found
    load = {k: 0.0 for k in (heavy.key, light.key)}
    for name in ("a1", "a2", "a3"):
        load[assign[name]] += estimates[name].seconds
    assert max(load.values()) <= 900  # the SLA: one */15 interval
    assert all(load[k] > 0 for k in load)  # and no pipeline left empty
