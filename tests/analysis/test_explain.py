"""`balancer explain` (balancer/analysis/explain.py): the rules that bind a table, its cost's
source, and for each other pipeline the figures after moving it, recomputed independently."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from balancer.analysis.explain import explain
from balancer.cli import main
from balancer.costs import costed
from balancer.errors import InputError
from balancer.io.plan_check import read_plan
from balancer.model import Plan
from balancer.plan_metrics import plan_metrics
from tests.helpers import solve_tables

TABLES = "\n".join(
    [
        "source_table,category,ingestion_type,schedule,weight,pin,together,apart",
        *(f"snap_{i},s,snapshot,0 0 * * *,{30 + i},,," for i in range(6)),
        "pair_a,s,snapshot,0 0 * * *,20,,duo,",
        "pair_b,s,snapshot,0 0 * * *,25,,duo,",
        "loner_1,s,snapshot,0 0 * * *,20,,,big",
        "loner_2,s,snapshot,0 0 * * *,22,,,big",
        *(f"app_{i},a,append,*/15 * * * *,{20 + i},,," for i in range(4)),
        "hot,a,append,*/15 * * * *,25,hotpin,,",
        "",
    ]
)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return read_plan(solve_tables(tmp_path_factory.mktemp("explain"), TABLES))


BINDS = [
    ("snap_0", ["--group-by ingestion_type", "one schedule per pipeline", "at most 250 tables"]),
    ("pair_a", ["together 'duo' with pair_b"]),
    ("loner_1", ["apart from tables labelled big"]),
    ("hot", ["pinned to 'hotpin'"]),
    ("app_0", ["schedule fit: the pipeline's p90 run"]),
]


@pytest.mark.parametrize(("name", "phrases"), BINDS)
def test_it_names_the_rules_that_bind_the_table(plan: Plan, name: str, phrases: list[str]) -> None:
    e = explain(plan, name)
    assert name in e.pipeline.tables
    text = "\n".join(e.binds)
    for phrase in phrases:
        assert phrase in text, text


def test_cost_and_its_source(plan: Plan) -> None:
    e = explain(plan, "snap_3")
    assert e.estimate.seconds == 33 and e.estimate.source == "weight"
    assert "weight column" in e.cost_source
    load = sum(x.seconds for x in plan.estimates if x.table in e.pipeline.tables)
    assert e.share == round(33 / load, 4)


@pytest.mark.parametrize("name", ["snap_0", "pair_a", "loner_1", "hot", "app_2"])
def test_every_move_is_recomputed_from_scratch(plan: Plan, name: str) -> None:
    e = explain(plan, name)
    assert {m.to for m in e.moves} == {p.key for p in plan.pipelines} - {e.pipeline.key}
    estimates = {x.table: x for x in plan.estimates}
    for m in e.moves:
        pipelines = tuple(
            costed(
                dataclasses.replace(
                    p,
                    tables=tuple(t for t in p.tables if t != name)
                    + ((name,) if p.key == m.to else ()),
                ),
                estimates,
                plan.settings,
            )
            for p in plan.pipelines
        )
        metrics = plan_metrics(dataclasses.replace(plan, pipelines=pipelines))
        assert m.figures.makespan_s == max(p.runtime_s for p in pipelines)
        assert m.figures.compute_s_per_day == metrics.compute_s_per_day
        destination = next(p for p in pipelines if p.key == m.to)
        assert m.destination_after.p90_runtime_s == destination.p90_runtime_s


def test_the_rules_a_move_breaks(plan: Plan) -> None:
    group = {p.key: p.group for p in plan.pipelines}
    e = explain(plan, "snap_0")
    for m in e.moves:
        rules = {rule for rule, _ in m.breaks}
        assert ("group-by" in rules) == (group[m.to] != "snapshot"), (m.to, rules)
    pinned = explain(plan, "hot")
    assert all("pin" in {rule for rule, _ in m.breaks} for m in pinned.moves)
    pair = explain(plan, "pair_a")
    assert all("together" in {rule for rule, _ in m.breaks} for m in pair.moves)


def test_a_table_the_plan_lacks_is_one_message(plan: Plan) -> None:
    assert explain(plan, "SNAP_1").table.source_table == "snap_1"  # as UC compares names
    with pytest.raises(InputError, match=r"no table 'snap'.*e\.g\. snap_0"):
        explain(plan, "snap")


def test_the_command_prints_the_place_the_rules_and_a_row_per_pipeline(
    plan: Plan, tmp_path: Path
) -> None:
    from balancer.io.planio import write_plan

    path = tmp_path / "plan.json"
    write_plan(plan, path)
    result = CliRunner().invoke(main, ["explain", "pair_a", "--plan", str(path)])
    assert result.exit_code == 0, result.output
    home = explain(plan, "pair_a").pipeline.key
    assert f"in pipeline {home}" in result.output and "together 'duo'" in result.output
    for p in plan.pipelines:
        if p.key != home:
            assert p.key in result.output
    missing = CliRunner().invoke(main, ["explain", "nope", "--plan", str(path)])
    assert missing.exit_code == 2 and "no table 'nope'" in missing.output
