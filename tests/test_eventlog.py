"""Run history from event logs: the SQL, and the same derivation in Python for exports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from balancer.cli import main
from balancer.errors import InputError
from balancer.history.eventlog import (
    history_sql,
    read_event_log_export,
    runs_from_events,
    table_of_flow,
)
from balancer.io import read_history


@pytest.mark.parametrize(
    ("flow", "table"),
    [
        ("source_pi_timeseries_append_flow", "pi_timeseries"),
        ("`main`.`bronze`.`pi_points`", "pi_points"),
        ("main.bronze.pi_points", "pi_points"),
        ("`main`.`bronze`.`odd.na``me`", "odd.na`me"),
        ("plain", "plain"),
    ],
)
def test_flow_names_map_back_to_tables(flow: str, table: str) -> None:
    assert table_of_flow(flow) == table


def test_sql_for_one_pipeline_a_list_and_a_published_table() -> None:
    one = history_sql(["0123abcd-0000-0000-0000-000000000000"], since_days=7)
    assert "FROM event_log('0123abcd-0000-0000-0000-000000000000')" in one
    assert "event_type = 'flow_progress'" in one and "INTERVAL 7 DAYS" in one
    assert "GROUP BY run_id, pipeline_id, pipeline_name, flow_name" in one
    two = history_sql(
        ["0123abcd-0000-0000-0000-000000000000", "9999abcd-0000-0000-0000-000000000000"]
    )
    assert two.count("event_log(") == 2 and "UNION ALL" in two
    published = history_sql(event_log_tables=["main.ops.osipi_event_log"])
    assert "FROM `main`.`ops`.`osipi_event_log`" in published
    with pytest.raises(InputError, match="not a pipeline id"):
        history_sql(["x'; DROP TABLE t; --"])
    with pytest.raises(InputError, match="--plan PLAN"):
        history_sql()


def test_several_event_log_tables_are_all_read() -> None:
    result = CliRunner().invoke(
        main,
        [
            "history",
            "sql",
            "--event-log-table",
            "c.s.a_event_log",
            "--event-log-table",
            "c.s.b_event_log",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "SELECT * FROM `c`.`s`.`a_event_log`" in result.output
    assert "SELECT * FROM `c`.`s`.`b_event_log`" in result.output


def test_the_plans_published_event_logs_are_the_default_source(osipi_plan: Path) -> None:
    from balancer.io.plan_check import read_plan

    result = CliRunner().invoke(
        main,
        ["history", "sql", "--plan", str(osipi_plan), "--catalog", "osipi", "--schema", "bronze"],
    )
    assert result.exit_code == 0, result.output
    for p in read_plan(osipi_plan).pipelines:
        assert f"`osipi`.`bronze`.`{p.key}_event_log`" in result.output
    assert "event_log(" not in result.output
    assert "(append|delete)_flow" in result.output


def test_delete_flows_and_renamed_destinations_count_for_their_table() -> None:
    from balancer.history.flows import resolve_tables
    from balancer.model import History, Table

    evs = (
        events(
            "u1", "`main`.`crm`.`contacts_v2`", 0, [(0, "STARTING", None), (100, "COMPLETED", 40)]
        )
        + events(
            "u1", "source_contacts_delete_flow", 5, [(0, "RUNNING", None), (120, "COMPLETED", 2)]
        )
        + events(
            "u2", "`main`.`crm`.`contacts_v2`", 1800, [(0, "RUNNING", None), (90, "COMPLETED", 10)]
        )
        + events("u1", "source_deals_append_flow", 0, [(0, "RUNNING", None), (30, "COMPLETED", 5)])
    )
    runs = runs_from_events(evs)
    assert {r.table for r in runs} == {"contacts_v2", "contacts", "deals"}
    tables = [
        Table("contacts", "contacts_v2", ingestion_type="cdc_with_deletes"),
        Table("deals", "deals", ingestion_type="append"),
    ]
    history = resolve_tables(History.from_runs(runs), tables)
    assert set(history.runs) == {"contacts", "deals"}  # no phantom table, nothing dropped
    contacts = history.runs["contacts"]
    assert len(contacts) == 2  # one run per update: the delete flow merged into u1
    assert list(contacts.duration_s) == [125.0, 90.0]  # first start to last end
    assert list(contacts.rows_written) == [42.0, 10.0]


def events(
    update: str, flow: str, t0: int, statuses: list[tuple[int, str, int | None]]
) -> list[dict]:
    out = []
    for dt, status, rows in statuses:
        details: dict = {"flow_progress": {"status": status}}
        if rows is not None:
            details["flow_progress"]["metrics"] = {"num_output_rows": rows}
        out.append(
            {
                "event_type": "flow_progress",
                "timestamp": f"2026-01-01T00:{(t0 + dt) // 60:02d}:{(t0 + dt) % 60:02d}.000Z",
                "origin": json.dumps({"pipeline_id": "p1", "update_id": update, "flow_name": flow}),
                "details": json.dumps(details),
            }
        )
    return out


def sample() -> list[dict]:
    return (
        events(
            "u1",
            "source_a_append_flow",
            0,
            [
                (0, "QUEUED", None),
                (5, "STARTING", None),
                (10, "RUNNING", 40),
                (70, "RUNNING", 60),
                (95, "COMPLETED", None),
            ],
        )
        + events("u1", "`c`.`s`.`b`", 0, [(20, "RUNNING", None), (50, "FAILED", None)])
        + events("u2", "`c`.`s`.`b`", 200, [(0, "STARTING", None)])  # never finished
        + [
            {
                "event_type": "update_progress",
                "timestamp": "2026-01-01T00:00:00Z",
                "origin": "{}",
                "details": "{}",
            }
        ]
    )


def test_runs_from_events() -> None:
    runs = {(r.run_id, r.table): r for r in runs_from_events(sample())}
    assert set(runs) == {("u1", "a"), ("u1", "b")}
    a = runs[("u1", "a")]
    assert (a.duration_s, a.rows_written, a.status) == (90.0, 100.0, "COMPLETED")
    assert runs[("u1", "b")].status == "FAILED" and runs[("u1", "b")].duration_s == 30.0


def test_exports_as_json_lines_and_csv(tmp_path: Path) -> None:
    jl = tmp_path / "events.jsonl"
    jl.write_text("\n".join(json.dumps(e) for e in sample()) + "\n")
    csv_path = tmp_path / "events.csv"
    with csv_path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["event_type", "timestamp", "origin", "details"])
        w.writeheader()
        w.writerows(sample())
    for path in (jl, csv_path):
        history = read_event_log_export(path)
        assert history.n_runs == 2
    out = tmp_path / "runs.csv"
    result = CliRunner().invoke(main, ["history", "from-events", str(jl), "-o", str(out)])
    assert result.exit_code == 0, result.output
    runs = read_history(out)
    assert runs.runs["a"].duration_s.tolist() == [90.0] and not runs.runs["b"].ok[0]


def test_bad_export_line_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "events.jsonl"
    bad.write_text(json.dumps(sample()[0]) + "\n{not json\n")
    with pytest.raises(InputError) as info:
        read_event_log_export(bad)
    assert info.value.where.row == 2


def test_history_sql_command_prints_the_query() -> None:
    result = CliRunner().invoke(
        main, ["history", "sql", "--event-log-table", "main.ops.log", "--since-days", "14"]
    )
    assert (
        result.exit_code == 0
        and "FROM `main`.`ops`.`log`" in result.output
        and "14 DAYS" in result.output
    )


# Issue 18: event exports are read by the same reader layer as runs.csv.
def _export(tmp_path: Path, lines: list[dict]) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in lines), encoding="utf-8")
    return path


def _at(event: dict, when: str) -> dict:
    return {**event, "timestamp": when}


@pytest.mark.parametrize(
    ("edit", "row", "column", "words"),
    [
        (lambda e: _at(e[1], "9999-01-01T00:00:00Z"), 2, "timestamp", "outside the years"),
        (lambda e: _at(e[1], "1970-01-01T00:00:00Z"), 2, "timestamp", "outside the years"),
        (
            lambda e: {**e[1], "details": '{"a": ' + "[" * 5000 + "]" * 5000 + "}"},
            2,
            "details",
            "5001 deep",
        ),
        (lambda e: {**e[1], "origin": "[" * 100 + "]" * 100}, 2, "origin", "100 deep"),
        (
            lambda e: {
                **e[1],
                "details": json.dumps(
                    {"flow_progress": {"status": "COMPLETED", "metrics": {"num_output_rows": 1e16}}}
                ),
            },
            2,
            "details",
            "not a count",
        ),
        (lambda e: {**e[1], "details": '{"flow_progress": {"status": NaN}}'}, 2, "details", "NaN"),
    ],
)
def test_hostile_events_are_refused_naming_the_line(
    tmp_path: Path, edit: object, row: int, column: str, words: str
) -> None:
    lines = events("u1", "source_a_append_flow", 0, [(0, "RUNNING", None), (30, "COMPLETED", 5)])
    lines[1] = edit(lines)  # type: ignore[operator]
    with pytest.raises(InputError) as info:
        read_event_log_export(_export(tmp_path, lines))
    assert words in info.value.problem
    assert (info.value.where.row, info.value.where.column) == (row, column)


def test_runs_decades_apart_in_an_export_are_refused(tmp_path: Path) -> None:
    new = events("u2", "source_a_append_flow", 0, [(0, "RUNNING", None), (30, "COMPLETED", 5)])
    old = [_at(e, e["timestamp"].replace("2026", "2001")) for e in new]
    old = [{**e, "origin": e["origin"].replace("u2", "u1")} for e in old]
    with pytest.raises(InputError) as info:
        read_event_log_export(_export(tmp_path, new + old))
    assert "within ten years" in info.value.problem and info.value.where.row == 3


@pytest.mark.parametrize(
    ("last", "ok", "warned"),
    [
        ("COMPLETED", True, False),
        ("FAILED", False, False),
        ("STOPPED", False, False),
        ("CANCELED", False, False),
        ("WEIRD", False, True),
    ],
)
def test_the_last_status_of_a_run_is_classified(
    tmp_path: Path, last: str, ok: bool, warned: bool
) -> None:
    lines = events(
        "u1",
        "source_a_append_flow",
        0,
        [(0, "RUNNING", None), (30, "COMPLETED", 5), (40, last, None)],
    )
    history = read_event_log_export(_export(tmp_path, lines))
    assert history.runs["a"].ok.tolist() == [ok]
    assert any("WEIRD" in w and "counted as failed" in w for w in history.warnings) is warned


def test_a_json_lines_export_keeps_a_line_separator_inside_a_string(tmp_path: Path) -> None:
    """Lines end at \\n only: U+2028 inside a JSON string is text, not the end of a line."""
    from balancer.history.eventlog import read_event_log_export

    export = tmp_path / "export.jsonl"
    event = {
        "timestamp": "2026-10-01T00:00:00Z",
        "event_type": "flow_progress",
        "message": "a\u2028b",
    }
    export.write_text(json.dumps(event, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="no complete flow_progress runs"):
        read_event_log_export(export)  # read as one event (none complete), not refused as JSON
