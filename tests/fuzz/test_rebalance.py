"""Fuzz `balancer rebalance`: hand-edited plans, hostile histories and options, and output
folders that hold or are the plan."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import files, values
from tests.fuzz.budget import fuzz
from tests.fuzz.check import check_run
from tests.fuzz.paths import make_path, path_case
from tests.fuzz.plans import STATE, base_plan, pinned_tables, plan_bytes, state_bytes
from tests.fuzz.sandbox import Sandbox, sandbox

FAST = ("--time-limit", "0.2")
RUNS = ("start_time", "end_time", "duration_s", "status", "table")


def _inputs(box: Sandbox, plan: bytes | None = None) -> tuple[str, str]:
    p = box.input("in/plan.json", plan or json.dumps(base_plan(), indent=1).encode("utf-8"))
    r = box.input("in/runs.csv", files.encode(files.example_csv("github", "runs.csv", 300)))
    return str(p), str(r)


@fuzz(20)
@given(plan=plan_bytes())
def test_hand_edited_plan(plan: bytes) -> None:
    with sandbox() as box:
        p, r = _inputs(box, plan)
        out = box.path("prop")
        check_run(box, ["rebalance", "--plan", p, "--history", r, "-o", out, *FAST], [out])


@fuzz(15)
@given(data=st.data())
def test_hostile_history(data: st.DataObject) -> None:
    runs = data.draw(files.mutated_csv(files.example_csv("github", "runs.csv", 300), RUNS))
    with sandbox() as box:
        p, _ = _inputs(box)
        r = box.input("in/drift.csv", data.draw(files.damaged(files.encode(runs))))
        out = box.path("prop")
        check_run(box, ["rebalance", "--plan", p, "--history", r, "-o", out, *FAST], [out])


OPTIONS = {
    "--detect-threshold": values.number(),
    "--target": values.number(),
    "--max-moves": values.number(),
    "--max-moves-per-pipeline": values.number(),
    "--freeze": values.text(),
    "--pipeline-ids-json": files.json_text().map(lambda b: b.decode("utf-8")),
    "--catalog": values.text(),
    "--schema": values.text(),
    "--deployment-target": values.text(),
    "--time-limit": values.number(),
}


@fuzz(20)
@given(
    args=values.arguments(OPTIONS, min_size=1, max_size=3),
)
def test_hostile_options(args: list[str]) -> None:
    with sandbox() as box:
        p, r = _inputs(box)
        out = box.path("prop")
        check_run(box, ["rebalance", "--plan", p, "--history", r, "-o", out, *args], [out])


@fuzz(15)
@given(
    case=st.one_of(path_case(), st.sampled_from(("plan-folder", "deployment"))),
    record=state_bytes(),
)
def test_hostile_output_and_deployment(case: str, record: bytes) -> None:
    with sandbox() as box:
        p, r = _inputs(box)
        args = ["rebalance", "--plan", p, "--history", r, *FAST]
        if case == "plan-folder":
            out = box.path("in")
        elif case == "deployment":
            out = box.path("prop")
            deployment = box.path("render")
            deployment.mkdir()
            box.input(f"render/{STATE}", record)
            args += ["--deployment", str(deployment)]
        else:
            out = make_path(box, case, [box.path("in/plan.json")])
        check_run(box, [*args, "-o", out], [out])


@fuzz(6)
@given(drift=st.sampled_from(("0", "0.8", "3")))
def test_apply_replaces_only_the_plan(drift: str) -> None:
    with sandbox() as box:
        p, _ = _inputs(box)
        t = box.input("in/tables.csv", pinned_tables())
        drifted = box.path("drift.csv")
        check_run(
            box,
            [
                "synth-history",
                "--tables",
                t,
                "-o",
                drifted,
                "--drift",
                drift,
                "--max-runs-per-table",
                "20",
            ],
            [drifted],
        )
        box.mark_input(drifted)
        box.inputs.discard("in/plan.json")
        out = box.path("prop")
        args = ["rebalance", "--plan", p, "--history", drifted, "-o", out, "--apply", *FAST]
        check_run(box, args, [out, p])
