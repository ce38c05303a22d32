"""Run history from pipeline event logs.

A run is one flow in one pipeline update: from its first STARTING/RUNNING `flow_progress`
event to its last terminal one, with row metrics summed. `history_sql` writes that as
Databricks SQL (the aggregation runs on the warehouse or cluster); `runs_from_events` does
the same in Python for raw event-log exports (JSON lines or CSV), for users without a
warehouse. Flow names map back to tables: `source_<t>_append_flow` is append table t,
`source_<t>_delete_flow` the delete flow of cdc_with_deletes table t; a qualified name
`` `cat`.`sch`.`tbl` `` is destination table tbl (`balancer.history.flows` maps destinations back to
their source tables and merges a table's flows of one update).

The default source is the event log each rendered pipeline publishes as a table
(`<catalog>.<schema>.<key>_event_log`; `event_log_tables_of(plan, ...)` lists them);
`event_log('<pipeline id>')` works only for pipelines in the legacy publishing mode, and
only for their owner.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from balancer.errors import InputError, Location
from balancer.io.files import csv_rows, digest, read_bytes
from balancer.io.runvalues import MAX_ROWS, check_window, iso_seconds, status_warnings
from balancer.jsondoc import MAX_VALUE_BYTES, load_json
from balancer.model import History, Run
from balancer.quoting import quote_identifier

STARTED = ("STARTING", "RUNNING")
TERMINAL = ("COMPLETED", "FAILED", "STOPPED", "SKIPPED", "EXCLUDED", "CANCELED")
_SOURCE_FLOW = re.compile(r"^source_(.+)_(?:append|delete)_flow$")
_PIPELINE_ID = re.compile(r"^[0-9a-fA-F-]{8,64}$")


def table_of_flow(flow_name: str) -> str:
    """The table a flow writes, by the connector's flow naming."""
    m = _SOURCE_FLOW.match(flow_name)
    if m:
        return m.group(1)
    parts = re.findall(r"`((?:[^`]|``)*)`|([^.`]+)", flow_name)
    names = [a.replace("``", "`") if a else b for a, b in parts]
    return names[-1] if names else flow_name


def event_log_tables_of(pipeline_keys: Sequence[str], catalog: str, schema: str) -> list[str]:
    """The event-log tables the rendered pipelines publish (bundle variables catalog, schema)."""
    return [f"{catalog}.{schema}.{key}_event_log" for key in pipeline_keys]


def _source(pipeline_ids: Sequence[str], event_log_tables: Sequence[str]) -> str:
    sources = []
    for table in event_log_tables:
        parts = table.split(".")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise InputError(
                f"'{table}' is not a table name catalog.schema.table.",
                fix="name the published event-log table in full, e.g. main.bronze.x_event_log.",
            )
        sources.append(".".join(quote_identifier(p) for p in parts))
    for pid in pipeline_ids:
        if not _PIPELINE_ID.fullmatch(pid):
            raise InputError(f"'{pid}' is not a pipeline id.", fix="pass the pipeline's UUID.")
        sources.append(f"event_log('{pid}')")
    if len(sources) == 1:
        return sources[0]
    union = "\n    UNION ALL ".join(f"SELECT * FROM {s}" for s in sources)
    return f"(\n    {union}\n  )"


def history_sql(
    pipeline_ids: Sequence[str] = (),
    event_log_tables: Sequence[str] = (),
    since_days: int | None = None,
) -> str:
    """SQL over event logs (published tables, or legacy pipeline ids) yielding runs.csv."""
    if not pipeline_ids and not event_log_tables:
        raise InputError(
            "name the event logs to read.",
            fix="pass --plan PLAN (its pipelines' published event-log tables), "
            "--event-log-table cat.sch.table (repeatable), or --pipeline-id ID (legacy "
            "publishing mode only).",
        )
    since = (
        f"\n    AND timestamp >= current_timestamp() - INTERVAL {int(since_days)} DAYS"
        if since_days
        else ""
    )
    started = ", ".join(f"'{s}'" for s in STARTED)
    terminal = ", ".join(f"'{s}'" for s in TERMINAL)
    return f"""WITH events AS (
  SELECT
    origin.pipeline_id AS pipeline_id,
    origin.pipeline_name AS pipeline_name,
    origin.update_id AS run_id,
    origin.flow_name AS flow_name,
    timestamp,
    details:flow_progress.status::string AS status,
    details:flow_progress.metrics.num_output_rows::bigint AS output_rows,
    details:flow_progress.metrics.num_upserted_rows::bigint AS upserted_rows,
    details:flow_progress.metrics.num_deleted_rows::bigint AS deleted_rows
  FROM {_source(pipeline_ids, event_log_tables)}
  WHERE event_type = 'flow_progress'{since}
),
runs AS (
  SELECT
    run_id, pipeline_id, pipeline_name, flow_name,
    CASE WHEN flow_name RLIKE '^source_.+_(append|delete)_flow$'
         THEN regexp_extract(flow_name, '^source_(.+)_(append|delete)_flow$', 1)
         ELSE replace(element_at(split(flow_name, '[.]'), -1), '`', '') END AS table,
    min(CASE WHEN status IN ({started}) THEN timestamp END) AS start_time,
    max(CASE WHEN status IN ({terminal}) THEN timestamp END) AS end_time,
    max_by(status, timestamp) AS status,
    sum(output_rows) AS rows_written,
    sum(upserted_rows) AS rows_upserted,
    sum(deleted_rows) AS rows_deleted
  FROM events
  GROUP BY run_id, pipeline_id, pipeline_name, flow_name
)
SELECT
  run_id, pipeline_id, pipeline_name, table, flow_name,
  date_format(start_time, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX") AS start_time,
  date_format(end_time, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX") AS end_time,
  (unix_millis(end_time) - unix_millis(start_time)) / 1000.0 AS duration_s,
  rows_written, rows_upserted, rows_deleted,
  CAST(NULL AS BIGINT) AS bytes_written,
  status
FROM runs
WHERE start_time IS NOT NULL AND end_time IS NOT NULL
ORDER BY start_time, table
"""


def _json_field(value: Any, where: Location) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if value in (None, ""):
        return {}
    if not isinstance(value, str):
        raise TypeError(f"{where.column} is a {type(value).__name__}, not an object")
    parsed = load_json(value, where, what=f"{where.column} JSON", max_bytes=MAX_VALUE_BYTES)
    return parsed if isinstance(parsed, dict) else {}


def _event_parts(ev: Mapping[str, Any], where: Location) -> tuple[dict[str, Any], Any, float]:
    """(origin, flow_progress details, time) of one event; InputError naming the row if odd."""
    try:
        origin = _json_field(ev.get("origin"), Location(where.file, where.row, "origin"))
        details = _json_field(ev.get("details"), Location(where.file, where.row, "details"))
        details = details.get("flow_progress", {})
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"cannot read this event: {exc}.",
            where=where,
            fix="export the event log with its origin, timestamp and details columns.",
        ) from exc
    if not isinstance(details, dict) or not isinstance(details.get("metrics", {}), dict):
        raise InputError(
            "details.flow_progress (or its metrics) is not an object.",
            where=Location(where.file, where.row, "details"),
            fix="export the event log as the pipeline wrote it.",
        )
    ts = iso_seconds(ev.get("timestamp"), Location(where.file, where.row, "timestamp"))
    return origin, details, ts


def runs_from_events(
    events: Iterable[Any], path: str = "", numbers: Iterable[int] | None = None
) -> list[Run]:
    """Derive runs from raw event-log rows (origin, timestamp, event_type, details).

    `numbers` are the rows' line numbers in the file (default: CSV rows, from 2)."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for n, ev in zip(numbers or itertools.count(2), events, strict=False):
        if not isinstance(ev, Mapping):
            raise InputError(
                f"the event is a {type(ev).__name__}, not an object.",
                where=Location(path, n),
                fix="export one JSON object per event.",
            )
        if ev.get("event_type") != "flow_progress":
            continue
        origin, details, ts = _event_parts(ev, Location(path, n))
        key = (str(origin.get("update_id", "")), str(origin.get("flow_name", "")))
        g = groups.setdefault(
            key,
            {
                "origin": origin,
                "start": None,
                "end": None,
                "status": "",
                "last": -1.0,
                "rows": 0.0,
                "has_rows": False,
            },
        )
        status = str(details.get("status", "")).upper()
        if status in STARTED and (g["start"] is None or ts < g["start"]):
            g["start"], g["row"] = ts, n
        if status in TERMINAL and (g["end"] is None or ts > g["end"]):
            g["end"] = ts
        if ts >= g["last"]:
            g["last"], g["status"] = ts, status
        rows = details.get("metrics", {}).get("num_output_rows")
        if rows is not None:
            if (
                isinstance(rows, bool)
                or not isinstance(rows, (int, float))
                or not 0 <= rows <= MAX_ROWS
            ):
                raise InputError(
                    f"num_output_rows is {rows!r}, not a count.",
                    where=Location(path, n, "details"),
                    fix="export the event log as the pipeline wrote it.",
                )
            g["rows"] += float(rows)
            g["has_rows"] = True
    runs, rows_of = [], []
    for (update_id, flow), g in sorted(groups.items()):
        if g["start"] is None or g["end"] is None:
            continue
        rows_of.append(g["row"])
        runs.append(
            Run(
                table=table_of_flow(flow),
                start=g["start"],
                duration_s=max(0.0, g["end"] - g["start"]),
                status=g["status"],
                run_id=update_id,
                pipeline_id=str(g["origin"].get("pipeline_id", "")),
                rows_written=g["rows"] if g["has_rows"] else None,
            )
        )
    check_window([r.start for r in runs], rows_of, path, "timestamp")
    return runs


def read_event_log_export(path: str | Path) -> History:
    """A raw event-log export as JSON lines (.json/.jsonl) or CSV, turned into a history."""
    path = str(path)
    data = read_bytes(path, "event log export")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the export is not UTF-8 text (byte {exc.start}).",
            where=Location(path, data[: exc.start].count(b"\n") + 1),
            fix="export the event log as UTF-8 (JSON lines or CSV).",
        ) from None
    numbers: list[int] | None = None
    rows: list[Any] = []
    if path.endswith((".json", ".jsonl", ".ndjson")) or text.lstrip().startswith(("{", "[")):
        numbers = []
        # lines end at \n (or \r\n) only: U+2028 and friends may stand inside a JSON string
        for n, text_line in enumerate(text.split("\n"), start=1):
            if not text_line.strip():
                continue
            rows.append(load_json(text_line, Location(path, n), what="line"))
            numbers.append(n)
    else:  # the one CSV reader: quoting, line endings and its errors as everywhere
        header, cells = csv_rows(data, path, "event log export")
        numbers = []
        for n, row in cells:
            rows.append(dict(zip(header, row, strict=False)))
            numbers.append(n)
    runs = runs_from_events(rows, path, numbers)
    if not runs:
        raise InputError(
            "the export holds no complete flow_progress runs.",
            where=Location(path),
            fix="export event_type = 'flow_progress' events with their details.",
        )
    warnings = tuple(status_warnings((r.status for r in runs), path))
    return History.from_runs(runs, path=path, digest=digest(data), warnings=warnings)
