"""Every command that reads a plan runs the full checker on it (balancer/io/plan_check.py):
a hand-edited plan that breaks a rule is refused, naming the rule, exit 2, nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from balancer.cli import main
from tests.helpers import solve_tables

TABLES = "\n".join(
    [
        "source_table,category,ingestion_type,schedule,weight,pin",
        *(f"snap_{i:04d},s,snapshot,0 0 * * *,{30 + i % 7}," for i in range(8)),
        *(f"app_{i:04d},a,append,*/15 * * * *,{20 + i % 5}," for i in range(6)),
        "hot_0001,a,append,*/15 * * * *,25,hot",
        "cold_0001,a,append,*/15 * * * *,25,cold",
        "",
    ]
)
Plan = dict[str, Any]


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    plan: Plan = json.loads(solve_tables(tmp_path_factory.mktemp("solved"), TABLES).read_text())
    return plan


def _pipeline(plan: Plan, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return next(p for p in plan["pipelines"] if test(p))


def _move(plan: Plan, table: str, to: dict[str, Any]) -> None:
    for p in plan["pipelines"]:
        if table in p["tables"]:
            p["tables"].remove(table)
    to["tables"].append(table)


def snapshot_into_append(plan: Plan) -> None:
    _move(plan, "snap_0000", _pipeline(plan, lambda p: p["group"] == "append"))


def pinned_out_of_its_pin(plan: Plan) -> None:
    _move(plan, "hot_0001", _pipeline(plan, lambda p: p["pin"] == "cold"))


def over_the_table_cap(plan: Plan) -> None:
    plan["settings"]["max_tables_per_pipeline"] = 2
    # two tables each stay within the cap; the third in one snapshot pipeline breaks it
    snapshots = [p for p in plan["pipelines"] if p["group"] == "snapshot"]
    _move(plan, snapshots[1]["tables"][0], snapshots[0])


def loads_no_longer_add_up(plan: Plan) -> None:
    snapshots = [p for p in plan["pipelines"] if p["group"] == "snapshot"]
    snapshots[0]["load_s"] += 1


def too_few_pipelines(plan: Plan) -> None:
    plan["settings"]["pipelines_min"] = len(plan["pipelines"]) + 1
    plan["settings"]["pipelines_max"] = len(plan["pipelines"]) + 2


EDITS = [
    (snapshot_into_append, "breaks its rules", "snapshot"),
    (pinned_out_of_its_pin, "breaks its rules", "hot_0001"),
    (over_the_table_cap, "breaks its rules", "tables, more than 2"),
    (loads_no_longer_add_up, "does not add up", "load is"),
    (too_few_pipelines, "does not add up", "pipelines, outside"),
]


def _reader_commands(plan_path: Path, out: Path) -> dict[str, list[str]]:
    return {
        "render": ["render", str(plan_path), "-o", str(out)],
        "rebalance": ["rebalance", "--plan", str(plan_path), "-o", str(out)],
        "history sql": [
            "history",
            "sql",
            "--plan",
            str(plan_path),
            "--catalog",
            "c",
            "--schema",
            "s",
        ],
        "solve --current": [
            "solve",
            "--tables",
            str(plan_path.with_name("tables.csv")),
            "--current",
            str(plan_path),
            "-o",
            str(out / "plan.json"),
        ],
    }


@pytest.mark.parametrize("command", ["render", "rebalance", "history sql", "solve --current"])
@pytest.mark.parametrize(("edit", "what", "names"), EDITS, ids=[e[0].__name__ for e in EDITS])
def test_a_hand_edited_plan_is_refused_by_every_reader(
    tmp_path: Path,
    solved: Plan,
    command: str,
    edit: Callable[[Plan], None],
    what: str,
    names: str,
) -> None:
    plan = json.loads(json.dumps(solved))
    edit(plan)
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    plan_path.with_name("tables.csv").write_text(TABLES, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, _reader_commands(plan_path, out)[command])
    assert result.exit_code == 2, result.output
    assert f"the plan {what}" in result.output and names in result.output, result.output
    assert str(plan_path) in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_the_solved_plan_itself_passes(tmp_path: Path, solved: Plan) -> None:
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(solved), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["history", "sql", "--plan", str(plan_path), "--catalog", "c", "--schema", "s"]
    )
    assert result.exit_code == 0, result.output


def test_a_plan_without_its_tables_is_refused(tmp_path: Path, solved: Plan) -> None:
    plan = json.loads(json.dumps(solved))
    plan["tables"] = []
    plan.pop("tables_digest")
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(plan_path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "carries no tables" in result.output, result.output
