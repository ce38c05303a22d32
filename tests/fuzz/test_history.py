"""Fuzz `balancer history`: from-events on hostile exports (JSON lines and CSV), sql on
hostile options, plans and deployment records, and pull on the stand-in workspace with
hostile result rows and options."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.workspace import FakeWorkspace
from tests.fuzz import files, values
from tests.fuzz.budget import fuzz
from tests.fuzz.check import check_run
from tests.fuzz.paths import make_path, path_case
from tests.fuzz.plans import STATE, plan_bytes, state_bytes
from tests.fuzz.sandbox import sandbox

EVENT_FIELDS = ("event_type", "timestamp", "origin", "details")


def _events() -> list[dict[str, Any]]:
    return files.events_of(files.example_csv("github", "runs.csv", 60))


@st.composite
def hostile_events(draw: st.DrawFn) -> list[Any]:
    """The export's events with a few fields (or whole events) replaced by hostile values."""
    events: list[Any] = [dict(e) for e in _events()]
    for _ in range(draw(st.integers(1, 3))):
        k = draw(st.integers(0, len(events) - 1))
        kind = draw(st.sampled_from(("field", "details", "origin", "event")))
        if not isinstance(events[k], dict) or kind == "event":
            events[k] = draw(st.sampled_from((None, [], "event", 1, {}, [{"event_type": 1}])))
        elif kind == "field":
            events[k][draw(st.sampled_from(EVENT_FIELDS))] = draw(values.cell())
        else:
            inner = {
                "status": draw(values.status()),
                "metrics": {
                    "num_output_rows": draw(st.one_of(values.number(), st.floats(), st.integers()))
                },
            }
            key = "details" if kind == "details" else "origin"
            value: Any = (
                {"flow_progress": inner}
                if kind == "details"
                else {
                    "pipeline_id": draw(values.text()),
                    "update_id": draw(values.text()),
                    "flow_name": draw(values.text()),
                }
            )
            events[k][key] = json.dumps(value)
    return events


def _json_lines(events: list[Any], deep: bool) -> bytes:
    lines = [json.dumps(e, ensure_ascii=False) for e in events]
    if deep:
        lines.insert(1, files.deep_json(5000, "object"))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _csv(events: list[Any]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(EVENT_FIELDS)
    for e in events:
        row = e if isinstance(e, dict) else {}
        writer.writerow([str(row.get(f, "")) for f in EVENT_FIELDS])
    return buf.getvalue().encode("utf-8")


@fuzz(25)
@given(events=hostile_events(), form=st.sampled_from(("jsonl", "deep", "csv")), data=st.data())
def test_from_events_on_hostile_exports(events: list[Any], form: str, data: st.DataObject) -> None:
    raw = _csv(events) if form == "csv" else _json_lines(events, form == "deep")
    with sandbox() as box:
        export = box.input(
            f"in/export.{'csv' if form == 'csv' else 'jsonl'}", data.draw(files.damaged(raw))
        )
        out = box.path("runs.csv")
        check_run(box, ["history", "from-events", export, "-o", out], [out])


@fuzz(10)
@given(case=path_case())
def test_from_events_output_paths(case: str) -> None:
    with sandbox() as box:
        export = box.input("in/export.jsonl", _json_lines(_events(), False))
        out = make_path(box, case, [export])
        check_run(box, ["history", "from-events", export, "-o", out], [out])


SQL_OPTIONS = {
    "--event-log-table": values.text(),
    "--pipeline-id": values.text(),
    "--catalog": values.text(),
    "--schema": values.text(),
    "--since-days": values.number(),
    "--deployment-target": values.text(),
}


@fuzz(20)
@given(
    args=values.arguments(SQL_OPTIONS, min_size=0, max_size=3),
    plan=st.none() | plan_bytes(),
    record=st.none() | state_bytes(),
)
def test_sql_on_hostile_options_plans_and_records(
    args: list[str], plan: bytes | None, record: bytes | None
) -> None:
    with sandbox() as box:
        if plan is not None:
            args += ["--plan", str(box.input("in/plan.json", plan))]
        if record is not None:
            box.input(f"render/{STATE}", record)
            args += ["--deployment", str(box.path("render"))]
        check_run(box, ["history", "sql", *args], [])


@fuzz(12)
@given(
    runs=files.mutated_csv(
        files.example_csv("github", "runs.csv", 40), ("start_time", "duration_s", "status", "table")
    ),
    warehouse=st.one_of(st.just("wh1"), values.text()),
    table=st.one_of(st.just("cat.sch.gh_event_log"), values.text()),
)
def test_pull_with_hostile_answers_and_options(
    workspace: FakeWorkspace, runs: files.Csv, warehouse: str, table: str
) -> None:
    workspace.sql.result_columns = list(runs.header)
    workspace.sql.result_rows = [list(r) for r in runs.rows]
    with sandbox() as box:
        out = box.path("runs.csv")
        args = ["history", "pull", "--warehouse-id", warehouse, "--event-log-table", table]
        check_run(box, [*args, "-o", out], [out])
