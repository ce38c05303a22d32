"""plan.json is read field by field: every field of every section, given a wrong type, nan,
a value out of range or left out, is an InputError naming plan.json and the field, never a
crash later (issue 18: overhead_s "60", half_life_days 0, concurrency 0, a schedule 'not a
cron' crashed rebalance)."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balancer.cli import main
from balancer.errors import InputError
from balancer.io.planio import dumps, plan_from_dict
from balancer.io.planio import parse_plan_file as read_plan
from balancer.model import Settings

NAN = math.nan
MISSING = object()


@pytest.fixture(scope="module")
def document(osipi_plan: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(osipi_plan.read_text(encoding="utf-8"))
    doc["moves"] = [{"table": "t", "from": "a", "to": "b"}]
    return doc


def _settings_cases() -> list[tuple[str, Any]]:
    """Each setting: a wrong type, nan (numbers), a value out of range or not a choice."""
    cases: list[tuple[str, Any]] = []
    for f in fields(Settings):
        bound = f.metadata["bound"]
        at = f"settings.{f.name}"
        if bound.kind is bool:
            cases += [(at, "true"), (at, 1)]
        elif bound.kind is str:
            cases += [(at, 5), (at, "" if not bound.choices else "nonsense")]
        else:
            cases += [(at, "60"), (at, NAN), (at, True)]
            if bound.low is not None:
                cases.append((at, bound.low - (0 if bound.open_low else 1)))
            if bound.high is not None:
                cases.append((at, bound.high * 2 + 1))
            if bound.integer:
                cases.append((at, 1.5))
    return cases


TEXT, NUMBER, COUNT, LIST = ("text", 5), ("number", "1"), ("count", -1), ("list", "a")
FIELD_CASES: list[tuple[str, Any]] = [
    *_settings_cases(),
    ("settings", "all"),
    ("settings.pipelines_max", 1),  # below pipelines_min (3): a rule between two settings
    ("settings.bogus", 1),
    # pipelines
    *[(f"pipelines[0].{k}", MISSING) for k in ("key", "name", "group", "schedule", "tables")],
    *[(f"pipelines[0].{k}", MISSING) for k in ("load_s", "runtime_s")],
    *[(f"pipelines[0].{k}", 5) for k in ("key", "name", "group", "schedule", "pin")],
    ("pipelines[0].schedule", "not a cron"),
    ("pipelines[0].schedule", "0 0 L * *"),
    ("pipelines[0].tables", "pi_points"),
    ("pipelines[0].tables", [1]),
    *[
        (f"pipelines[0].{k}", v)
        for k in ("load_s", "runtime_s", "p90_runtime_s")
        for v in ("60", NAN, -1, 10**13, 1.5, None, True)
    ],
    ("pipelines[0].bogus", 1),
    ("pipelines", {}),
    ("pipelines[0]", "a pipeline"),
    # estimates
    *[(f"estimates[0].{k}", MISSING) for k in ("table", "seconds", "p50", "p90", "source")],
    *[
        (f"estimates[0].{k}", v)
        for k in ("seconds", "p50", "p90")
        for v in ("60", NAN, -1, 1e13, math.inf, None)
    ],
    ("estimates[0].source", "magic"),
    ("estimates[0].runs_used", -1),
    ("estimates[0].runs_used", 1.5),
    ("estimates[0].growth_per_day", NAN),
    ("estimates[0].growth_per_day", -2),
    ("estimates[0].note", 5),
    ("estimates[0].table", None),
    # tables
    ("tables[0].source_table", MISSING),
    ("tables[0].source_table", ""),
    *[
        (f"tables[0].{k}", 5)
        for k in ("source_table", "destination_table", "category", "cursor_field", "pin")
    ],
    ("tables[0].together", 5),
    ("tables[0].ingestion_type", "streaming"),
    ("tables[0].schedule", "not a cron"),
    ("tables[0].schedule", "0 0 * * 5#3"),
    *[("tables[0].weight", v) for v in ("1", NAN, -1, 604_801, True)],
    *[(f"tables[0].{k}", "id") for k in ("primary_keys", "sequence_by", "cluster_by", "apart")],
    ("tables[0].primary_keys", [1]),
    ("tables[0].table_configuration", []),
    ("tables[0].table_configuration", {"a": 1}),
    ("tables[0].extra", {"a": None}),
    ("tables[0].scd_type", "SCD_TYPE_9"),
    # summary, solver, moves, top level
    *[
        (f"summary.{k}", v)
        for k in ("makespan_s", "lower_bound_s", "spread_s", "category_splits")
        for v in (MISSING, "1", NAN, -1)
    ],
    ("solver.status", "BEST"),
    ("solver.status", MISSING),
    ("solver.deterministic_time_s", NAN),
    ("solver.deterministic_time_s", MISSING),
    ("solver.k_sweep[0].k", 0),
    ("solver.k_sweep[0].status", "DONE"),
    ("solver.k_sweep[0].makespan_s", "1"),
    ("moves[0].table", 5),
    ("moves[0].to", MISSING),
    ("moves[0].bogus", "x"),
    ("moves", "none"),
    ("inputs", {"tables": 5}),
    ("warnings", [1]),
    ("tool", 5),
    ("deployment_id", 5),
    ("summary", MISSING),
    ("solver", []),
]


def _edit(doc: dict[str, Any], at: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    *parents, last = at.replace("]", "").replace("[", ".").split(".")
    node: Any = out
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    key: Any = int(last) if last.isdigit() else last
    if value is MISSING:
        del node[key]
    else:
        node[key] = value
    return out


@pytest.mark.parametrize(("at", "value"), FIELD_CASES, ids=lambda v: repr(v)[:40])
def test_every_field_with_a_wrong_value_names_plan_json_and_the_field(
    document: dict[str, Any], at: str, value: Any
) -> None:
    with pytest.raises(InputError) as info:
        plan_from_dict(_edit(document, at, value), "plan.json")
    where = info.value.where
    assert where.file == "plan.json", info.value
    assert where.column == at, info.value


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_a_setting_left_out_takes_its_default(document: dict[str, Any], name: str) -> None:
    plan = plan_from_dict(_edit(document, f"settings.{name}", MISSING), "plan.json")
    assert getattr(plan.settings, name) == getattr(Settings(), name)


@pytest.mark.parametrize("found", ["1", True, 2, None, 1.0])
def test_only_format_1_is_read(document: dict[str, Any], found: Any) -> None:
    with pytest.raises(InputError, match="not a plan of format 1"):
        plan_from_dict(_edit(document, "format", found), "plan.json")


def test_a_plan_reads_back_to_the_same_bytes(osipi_plan: Path) -> None:
    assert dumps(read_plan(osipi_plan)) == osipi_plan.read_text(encoding="utf-8")


def test_an_integral_float_in_an_integer_field_is_read_as_the_integer(
    document: dict[str, Any],
) -> None:
    plan = plan_from_dict(_edit(document, "settings.overhead_s", 60.0), "plan.json")
    assert plan.settings.overhead_s == 60 and isinstance(plan.settings.overhead_s, int)


@pytest.mark.parametrize(
    ("at", "value", "words"),
    [
        ("settings.overhead_s", "60", "'60' is not a number"),
        ("settings.half_life_days", 0, "0 must be > 0"),
        ("settings.concurrency", 0, "0 must be >= 1"),
        ("pipelines[0].schedule", "not a cron", "is not a schedule"),
    ],
)
def test_the_issues_plans_end_in_exit_2_on_rebalance(
    tmp_path: Path, document: dict[str, Any], at: str, value: Any, words: str
) -> None:
    plan = tmp_path / "plan.json"
    doc = _edit(document, at, value)
    doc["moves"] = []
    plan.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["rebalance", "--plan", str(plan), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert str(plan) in result.output and at in result.output and words in result.output
    assert "Traceback" not in result.output and not out.exists()


def _paths(node: Any, at: str = "") -> list[str]:
    """Every field path of a document (objects' keys, lists' first items)."""
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{at}.{key}" if at else key
            out += [here, *_paths(value, here)]
    elif isinstance(node, list) and node:
        out += [f"{at}[0]", *_paths(node[0], f"{at}[0]")]
    return out


_ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["0 0 L * *", "*/5 * * * *", "OPTIMAL", "history", "snapshot"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_field_given_any_value_reads_or_names_plan_json(
    document: dict[str, Any], data: st.DataObject
) -> None:
    """Property: replacing any one field of a plan with any JSON value (or nan, inf) gives a
    plan or an InputError naming plan.json, never another exception."""
    at = data.draw(st.sampled_from(_paths(document)))
    value = data.draw(_ANY_JSON | st.just(MISSING))
    try:
        plan = plan_from_dict(_edit(document, at, value), "plan.json")
    except InputError as exc:
        assert exc.where.file == "plan.json"
        return
    assert dumps(plan)  # what was read writes back


def test_every_placed_table_has_one_estimate(document: dict[str, Any]) -> None:
    with pytest.raises(InputError) as info:
        plan_from_dict(_edit(document, "estimates[0]", MISSING), "plan.json")
    assert info.value.where.column == "estimates" and "has no estimate of" in info.value.problem
    twice = copy.deepcopy(document)
    twice["estimates"].append(twice["estimates"][0])
    with pytest.raises(InputError) as info:
        plan_from_dict(twice, "plan.json")
    assert info.value.where.column == f"estimates[{len(twice['estimates']) - 1}].table"
