"""plan.json keeps a pipeline's staggered start (`start_offset_min`): written when not 0, read
back to the same bytes, a plan without it (older versions) reads as starting on its trigger,
and an offset no job schedule could keep is refused naming the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from balancer.errors import InputError
from balancer.io.planio import dumps, plan_from_dict
from balancer.io.planio import parse_plan_file as read_plan


@pytest.fixture(scope="module")
def staggered_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """OSIPI at eight pipelines: six daily ones, more than the default cap, so some start
    later (left to choose, the solver takes no more daily pipelines than the cap)."""
    from click.testing import CliRunner

    from balancer.cli import main
    from tests.helpers import EXAMPLES

    out = tmp_path_factory.mktemp("offsets") / "plan.json"
    args = ["solve", "--history", str(EXAMPLES / "osipi" / "runs.csv"), "--pipelines", "8"]
    result = CliRunner().invoke(main, [*args, "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def document(staggered_plan: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(staggered_plan.read_text(encoding="utf-8"))
    return doc


def _daily(doc: dict[str, Any]) -> int:
    return next(i for i, p in enumerate(doc["pipelines"]) if p["schedule"] == "0 0 * * *")


def test_offsets_round_trip_and_only_staggered_pipelines_carry_one(staggered_plan: Path) -> None:
    plan = read_plan(staggered_plan)
    assert any(p.start_offset_min for p in plan.pipelines)
    assert dumps(plan) == staggered_plan.read_text(encoding="utf-8")
    doc = json.loads(dumps(plan))
    for p, written in zip(plan.pipelines, doc["pipelines"], strict=True):
        assert written.get("start_offset_min", 0) == p.start_offset_min
        assert ("start_offset_min" in written) == (p.start_offset_min != 0)


def test_a_plan_without_offsets_starts_every_pipeline_on_its_trigger(
    document: dict[str, Any],
) -> None:
    doc = copy.deepcopy(document)
    for p in doc["pipelines"]:
        p.pop("start_offset_min", None)
    assert {p.start_offset_min for p in plan_from_dict(doc, "plan.json").pipelines} == {0}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (-1, "it must be from 0"),
        (1.5, "not a whole number"),
        ("10", "not a number"),
        (1440, "start after its next trigger"),
        (99999, "it must be from 0"),
    ],
)
def test_a_wrong_offset_names_the_field(document: dict[str, Any], value: Any, problem: str) -> None:
    doc = copy.deepcopy(document)
    k = _daily(doc)
    doc["pipelines"][k]["start_offset_min"] = value
    with pytest.raises(InputError, match=problem) as info:
        plan_from_dict(doc, "plan.json")
    assert info.value.where.column == f"pipelines[{k}].start_offset_min"
    assert info.value.where.file == "plan.json"
