"""Fuzz `balancer whatif`: hostile tables and histories, scenario options, and output
paths (--csv, --html, --charts-dir) that are inputs, links or folders of the user's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import files, values
from tests.fuzz.budget import fuzz
from tests.fuzz.check import check_run
from tests.fuzz.paths import make_path, path_case
from tests.fuzz.sandbox import sandbox

FAST = ("--sweep-pipelines", "3..4", "--time-limit", "0.1")
RUNS = ("start_time", "end_time", "duration_s", "status", "table")


@fuzz(10)
@given(data=st.data(), which=st.sampled_from(("tables", "runs")))
def test_hostile_inputs(data: st.DataObject, which: str) -> None:
    with sandbox() as box:
        t, r = files.example_inputs(box)
        base = files.example_csv("github", "tables.csv" if which == "tables" else "runs.csv", 300)
        mutated = data.draw(files.mutated_csv(base, RUNS if which == "runs" else ()))
        box.input(f"in/{which}.csv", data.draw(files.damaged(files.encode(mutated))))
        out = box.path("w.csv")
        check_run(box, ["whatif", "--tables", t, "--history", r, *FAST, "--csv", out], [out])


def _pair(value: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    target = st.one_of(st.sampled_from(("issues", "people", "cdc", "snapshot")), values.text())
    return st.tuples(target, value).map(lambda p: f"{p[0]}={p[1]}")


OPTIONS = {
    "--growth": values.number(),
    "--category-growth": _pair(values.number()),
    "--schedule": _pair(values.cron()),
    "--sweep-schedule": _pair(st.lists(values.cron(), min_size=1, max_size=3).map(";".join)),
    "--add-table": st.one_of(
        values.text(),
        st.tuples(values.text(), st.sampled_from(("cdc", "append", "x")), values.number()).map(
            ":".join
        ),
    ),
    "--remove-table": st.one_of(st.just("issues"), values.text()),
    "--pin": _pair(values.text()),
    "--pipelines": values.text(),
    "--sweep-pipelines": st.one_of(values.text(), st.sampled_from(("1..1000", "4..3", "0..2"))),
    "--max-tables-per-pipeline": values.number(),
    "--price-per-hour": values.number(),
}


@fuzz(15)
@given(
    args=values.arguments(OPTIONS, min_size=1, max_size=2),
)
def test_hostile_scenarios(args: list[str]) -> None:
    if "--sweep-pipelines" not in args:
        args = ["--sweep-pipelines", "3..4", *args]
    with sandbox() as box:
        t, r = files.example_inputs(box)
        out = box.path("w.csv")
        check_run(
            box,
            ["whatif", "--tables", t, "--history", r, "--time-limit", "0.1", *args, "--csv", out],
            [out],
        )


@fuzz(6)
@given(case=path_case(), option=st.sampled_from(("--csv", "--html", "--charts-dir")))
def test_hostile_output_paths(case: str, option: str) -> None:
    with sandbox() as box:
        t, r = files.example_inputs(box)
        out = make_path(box, case, [r, t])
        check_run(box, ["whatif", "--tables", t, "--history", r, *FAST, option, out], [out])


@pytest.mark.parametrize("name", ["makespan_vs_k.png", "tradeoff.png", "pipelines.png"])
def test_charts_dir_keeps_a_same_named_file_of_the_users(name: str) -> None:
    with sandbox() as box:
        t, r = files.example_inputs(box)
        charts = box.path("charts")
        box.input(f"charts/{name}", b"the user's picture")
        args = ["whatif", "--tables", t, "--history", r, *FAST, "--charts-dir", charts]
        check_run(box, args, [charts])
