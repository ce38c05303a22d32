"""Fuzz `balancer synth-history`: hostile tables.csv, numeric options and output paths."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import files, values
from tests.fuzz.budget import fuzz
from tests.fuzz.check import check_run
from tests.fuzz.paths import make_path, path_case
from tests.fuzz.sandbox import sandbox

COLUMNS = ("source_table", "ingestion_type", "schedule", "weight")


@fuzz(20)
@given(example=st.sampled_from(files.SMALL), data=st.data())
def test_hostile_tables(example: str, data: st.DataObject) -> None:
    tables = data.draw(files.mutated_csv(files.example_csv(example, "tables.csv"), COLUMNS))
    with sandbox() as box:
        t = box.input("in/tables.csv", data.draw(files.damaged(files.encode(tables))))
        out = box.path("runs.csv")
        check_run(box, ["synth-history", "--tables", t, "-o", out, "--days", "2"], [out])


OPTIONS = {
    "--days": values.number(),
    "--seed": values.number(),
    "--max-runs-per-table": values.number(),
    "--drift": values.number(),
    "--drift-seed": values.number(),
}


@fuzz(20)
@given(
    args=values.arguments(OPTIONS, min_size=1, max_size=3),
)
def test_hostile_options(args: list[str]) -> None:
    if "--max-runs-per-table" not in args:
        args += ["--max-runs-per-table", "20"]
    with sandbox() as box:
        t, _ = files.example_inputs(box)
        out = box.path("runs.csv")
        check_run(box, ["synth-history", "--tables", t, "-o", out, *args], [out])


@fuzz(15)
@given(case=path_case())
def test_hostile_output_path(case: str) -> None:
    with sandbox() as box:
        t, _ = files.example_inputs(box)
        out = make_path(box, case, [t])
        check_run(box, ["synth-history", "--tables", t, "-o", out, "--days", "2"], [out])
