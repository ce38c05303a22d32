"""The solver-free checker must catch every kind of broken plan."""

import dataclasses

import pytest

from balancer.engine.checker import check_plan
from balancer.model import Plan
from tests.helpers import plan_of, table


def base() -> tuple[list, Plan]:
    tables = [
        table("a", 40, category="x", pin="hot"),
        table("b", 30, category="x", together="g"),
        table("c", 30, category="y", together="g"),
        table("d", 20, category="y", apart=("z",)),
        table("e", 20, category="y", apart=("z",)),
        table("f", 10, category="y", ingestion_type="cdc", schedule="0 0 * * *"),
    ]
    return tables, plan_of(tables, pipelines_min=4, pipelines_max=4)


def with_pipelines(plan: Plan, edit) -> Plan:  # type: ignore[no-untyped-def]
    pipes = [dataclasses.replace(p) for p in plan.pipelines]
    edit(pipes)
    return dataclasses.replace(plan, pipelines=tuple(pipes))


def move(pipes, table_name: str, dest: int) -> None:  # type: ignore[no-untyped-def]
    for k, p in enumerate(pipes):
        if table_name in p.tables:
            pipes[k] = dataclasses.replace(p, tables=tuple(t for t in p.tables if t != table_name))
    pipes[dest] = dataclasses.replace(pipes[dest], tables=(*pipes[dest].tables, table_name))


def test_a_sound_plan_has_no_violations() -> None:
    tables, plan = base()
    assert check_plan(plan, tables) == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda pl: dataclasses.replace(pl, makespan_s=pl.makespan_s - 1), "makespan is"),
        (lambda pl: dataclasses.replace(pl, spread_s=pl.spread_s + 1), "spread is"),
        (lambda pl: dataclasses.replace(pl, category_splits=99), "category splits"),
        (lambda pl: dataclasses.replace(pl, lower_bound_s=pl.makespan_s + 1), "lower bound"),
        (
            lambda pl: with_pipelines(pl, lambda ps: ps.append(dataclasses.replace(ps[0]))),
            "in 2 pipelines",
        ),
        (
            lambda pl: with_pipelines(
                pl, lambda ps: ps.__setitem__(0, dataclasses.replace(ps[0], load_s=1))
            ),
            "load is",
        ),
        (
            lambda pl: with_pipelines(
                pl, lambda ps: ps.__setitem__(0, dataclasses.replace(ps[0], p90_runtime_s=1))
            ),
            "p90 runtime is",
        ),
    ],
)
def test_numbers_are_recomputed(mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    tables, plan = base()
    assert any(expected in v for v in check_plan(mutate(plan), tables))


def test_missing_table_is_caught() -> None:
    tables, plan = base()
    broken = with_pipelines(
        plan, lambda ps: ps.__setitem__(0, dataclasses.replace(ps[0], tables=ps[0].tables[1:]))
    )
    assert any("in no pipeline" in v for v in check_plan(broken, tables))


@pytest.mark.parametrize(
    ("table_name", "expected"),
    [("a", "pinned"), ("b", "together"), ("d", "apart"), ("f", "mixes groups")],
)
def test_rule_violations_are_caught(table_name: str, expected: str) -> None:
    tables, plan = base()
    index = {t: k for k, p in enumerate(plan.pipelines) for t in p.tables}
    partner = {"a": "b", "b": "d", "d": "e", "f": "b"}[table_name]
    dest = index[partner]
    broken = with_pipelines(plan, lambda ps: move(ps, table_name, dest))
    # Loads no longer match either; the rule's own message must be among the findings.
    assert any(expected in v for v in check_plan(broken, tables)), check_plan(broken, tables)


def test_table_cap_and_schedule_violations_are_caught() -> None:
    tables, plan = base()
    capped = dataclasses.replace(
        plan, settings=dataclasses.replace(plan.settings, max_tables_per_pipeline=1)
    )
    assert any("more than 1" in v for v in check_plan(capped, tables))
    other = [
        dataclasses.replace(t, schedule="0 * * * *") if t.source_table == "e" else t for t in tables
    ]
    assert any("holds schedules" in v for v in check_plan(plan, other))


def test_schedule_fit_is_checked_on_p90_runtimes() -> None:
    tables, plan = base()
    strict = dataclasses.replace(
        plan, settings=dataclasses.replace(plan.settings, sla_headroom=0.8, batch_window_s=30)
    )  # daily pipelines within 30 s: those holding 40 s or more of p90 work are over
    over = sorted(p.key for p in plan.pipelines if p.p90_runtime_s > 30)
    found = [v for v in check_plan(strict, tables) if "p90 runtime of" in v]
    assert len(found) == len(over) >= 2
    assert all("over the 30 s its schedule '0 0 * * *' allows" in v for v in found)
    assert check_plan(dataclasses.replace(strict, settings=plan.settings), tables) == []
