"""Fuzz `balancer render`: hand-edited plans, hostile options, hostile output folders, and
hostile table names carried from tables.csv through `solve` into a render."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import files, values
from tests.fuzz.budget import fuzz
from tests.fuzz.check import check_run
from tests.fuzz.paths import make_path, path_case
from tests.fuzz.plans import base_plan, plan_bytes
from tests.fuzz.sandbox import Sandbox, sandbox

WORKSPACE = ("--mode", "workspace", "--connector-root", "/Workspace/Repos/me/lcc")
MANAGED = ("--dependency", "/Volumes/main/default/v/connector.whl")


def _plan(box: Sandbox) -> str:
    return str(box.input("in/plan.json", json.dumps(base_plan(), indent=1)))


@fuzz(25)
@given(plan=plan_bytes(), mode=st.sampled_from((WORKSPACE, MANAGED)))
def test_hand_edited_plan(plan: bytes, mode: tuple[str, ...]) -> None:
    with sandbox() as box:
        p = box.input("in/plan.json", plan)
        out = box.path("out")
        check_run(box, ["render", p, "-o", out, *mode], [out])


OPTIONS = {
    "--catalog": values.text(),
    "--schema": values.text(),
    "--source-name": values.text(),
    "--connection-name": values.text(),
    "--bundle-suffix": st.one_of(values.text(), st.just("/../../../../Shared/x")),
    "--common-table-config-json": files.json_text().map(lambda b: b.decode("utf-8")),
    "--timezone": values.text(),
    "--rebalance-schedule": values.cron(),
    "--packages-volume-path": values.text(),
    "--ingest-files-path": values.text(),
    "--connector-root": values.text(),
    "--dependency": values.text(),
}


@fuzz(25)
@given(
    args=values.arguments(OPTIONS, min_size=1, max_size=3),
    mode=st.sampled_from((WORKSPACE, MANAGED)),
)
def test_hostile_options(args: list[str], mode: tuple[str, ...]) -> None:
    extra = ["--rebalance-job"] if "--rebalance-schedule" in args else []
    with sandbox() as box:
        out = box.path("out")
        check_run(box, ["render", _plan(box), "-o", out, *mode, *args, *extra], [out])


@fuzz(15)
@given(case=path_case())
def test_hostile_output_folder(case: str) -> None:
    with sandbox() as box:
        plan = _plan(box)
        out = make_path(box, case, [box.path("in/plan.json")])
        check_run(box, ["render", plan, "-o", out, *WORKSPACE], [out])


@fuzz(8)
@given(user_file=st.sampled_from(("notes.md", "src/mine.py", "deploy/extra.json", "resources")))
def test_an_earlier_render_keeps_the_users_files(user_file: str) -> None:
    with sandbox() as box:
        plan = _plan(box)
        out = box.path("out")
        check_run(box, ["render", plan, "-o", out, *WORKSPACE], [out])
        if (out / user_file).is_dir():
            user_file += "/mine.yml"
        box.input(f"out/{user_file}", "a person's file\n")
        check_run(box, ["render", plan, "-o", out, *MANAGED], [out])


@fuzz(20)
@given(data=st.data())
def test_hostile_names_through_solve_into_render(data: st.DataObject) -> None:
    base = files.example_csv("github", "tables.csv")
    focus = ("source_table", "destination_table", "category", "pin", "together", "apart")
    tables = data.draw(files.mutated_csv(_with_columns(base), focus))
    with sandbox() as box:
        t = box.input("in/tables.csv", files.encode(tables))
        r = box.input("in/runs.csv", files.encode(files.example_csv("github", "runs.csv", 300)))
        plan = box.path("plan.json")
        solved = check_run(
            box,
            ["solve", "--tables", t, "--history", r, "-o", plan, "--time-limit", "0.2", "-q"],
            [plan],
        )
        if solved.exit_code == 0:
            box.mark_input(plan)
            out = box.path("out")
            check_run(box, ["render", plan, "-o", out, *WORKSPACE], [out])


def _with_columns(base: files.Csv) -> files.Csv:
    """github's tables with a destination_table and a table_configuration_json column."""
    rows = tuple((*r, r[0], "{}") for r in base.rows)
    return files.Csv((*base.header, "destination_table", "table_configuration_json"), rows)
