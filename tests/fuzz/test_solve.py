"""Fuzz `balancer solve`: hostile tables.csv, runs.csv (CSV and Parquet), options and
output paths. Every run is held to `check_run`'s rules."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import files, values
from tests.fuzz.budget import fuzz
from tests.fuzz.check import check_run
from tests.fuzz.paths import make_path, path_case
from tests.fuzz.plans import plan_bytes
from tests.fuzz.sandbox import sandbox

FAST = ("--time-limit", "0.2", "-q")
RUN_COLUMNS = ("start_time", "end_time", "duration_s", "status", "table", "rows_written")
TABLE_COLUMNS = ("source_table", "ingestion_type", "schedule", "category", "weight", "pin")


def _runs(example: str) -> files.Csv:
    return files.example_csv(example, "runs.csv", max_rows=300)


@fuzz(25)
@given(
    example=st.sampled_from(files.SMALL),
    data=st.data(),
)
def test_hostile_tables(example: str, data: st.DataObject) -> None:
    tables = data.draw(files.mutated_csv(files.example_csv(example, "tables.csv"), TABLE_COLUMNS))
    raw = data.draw(files.damaged(files.encode(tables)))
    with sandbox() as box:
        t = box.input("in/tables.csv", raw)
        r = box.input("in/runs.csv", files.encode(_runs(example)))
        out = box.path("plan.json")
        check_run(box, ["solve", "--tables", t, "--history", r, "-o", out, *FAST], [out])


@fuzz(25)
@given(example=st.sampled_from(files.SMALL), data=st.data())
def test_hostile_history(example: str, data: st.DataObject) -> None:
    runs = data.draw(files.mutated_csv(_runs(example), RUN_COLUMNS))
    raw = data.draw(files.damaged(files.encode(runs)))
    with sandbox() as box:
        t = box.input("in/tables.csv", files.encode(files.example_csv(example, "tables.csv")))
        r = box.input("in/runs.csv", raw)
        out = box.path("plan.json")
        check_run(box, ["solve", "--tables", t, "--history", r, "-o", out, *FAST], [out])


@fuzz(12)
@given(
    example=st.sampled_from(files.SMALL),
    column=st.sampled_from(("duration_s", "start_time", "end_time", "status", "table")),
    kind=st.sampled_from(files.PARQUET_TYPES),
)
def test_parquet_history_of_wrong_types(example: str, column: str, kind: str) -> None:
    with sandbox() as box:
        t = box.input("in/tables.csv", files.encode(files.example_csv(example, "tables.csv")))
        r = box.input("in/runs.parquet", files.parquet(_runs(example), column, kind))
        out = box.path("plan.json")
        check_run(box, ["solve", "--tables", t, "--history", r, "-o", out, *FAST], [out])


OPTIONS = {
    "--pipelines": st.one_of(values.text(), st.sampled_from(("0", "1", "3..2", "1..1000", "2"))),
    "--overhead": values.number(),
    "--concurrency": st.one_of(values.number(), st.just("auto")),
    "--batch-window": st.one_of(values.number(), st.sampled_from(("0m", "90m", "-4h", "1e9h"))),
    "--sla-headroom": values.number(),
    "--k-tolerance": values.number(),
    "--price-per-hour": values.number(),
    "--seed": values.number(),
    "--max-tables-per-pipeline": values.number(),
    "--name": values.text(),
    "--schedule-snapshot": values.cron(),
    "--schedule-append": values.cron(),
    "--schedule-cdc": values.cron(),
    "--max-moves": values.number(),
}


@fuzz(25)
@given(
    args=values.arguments(OPTIONS, min_size=1, max_size=3),
)
def test_hostile_options(args: list[str]) -> None:
    with sandbox() as box:
        r = box.input("in/runs.csv", files.encode(_runs("github")))
        box.input("in/tables.csv", files.encode(files.example_csv("github", "tables.csv")))
        out = box.path("plan.json")
        check_run(box, ["solve", "--history", r, "-o", out, "--time-limit", "0.2", *args], [out])


@fuzz(15)
@given(plan=plan_bytes())
def test_hand_edited_current_plan(plan: bytes) -> None:
    with sandbox() as box:
        r = box.input("in/runs.csv", files.encode(_runs("github")))
        box.input("in/tables.csv", files.encode(files.example_csv("github", "tables.csv")))
        current = box.input("in/plan.json", plan)
        out = box.path("plan.json")
        check_run(box, ["solve", "--history", r, "--current", current, "-o", out, *FAST], [out])


@fuzz(20)
@given(case=path_case(), role=st.sampled_from(("-o", "--tables", "--history")))
def test_hostile_paths(case: str, role: str) -> None:
    with sandbox() as box:
        t = box.input("in/tables.csv", files.encode(files.example_csv("github", "tables.csv")))
        r = box.input("in/runs.csv", files.encode(_runs("github")))
        given_inputs = {"--tables": t, "--history": r}
        path = make_path(box, case, [r, t] if role == "-o" else [], "target")
        given_inputs |= {role: path} if role != "-o" else {}
        out = path if role == "-o" else box.path("plan.json")
        args = ["solve", *(a for k, v in given_inputs.items() for a in (k, v)), "-o", out, *FAST]
        check_run(box, args, [out])
