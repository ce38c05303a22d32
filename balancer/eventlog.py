"""Run history from pipeline event logs (DESIGN.md section 3).

A run is one flow in one pipeline update: from its first STARTING/RUNNING `flow_progress`
event to its last terminal one, with row metrics summed. `history_sql` writes that as
Databricks SQL (the aggregation runs on the warehouse or cluster); `runs_from_events` does
the same in Python for raw event-log exports (JSON lines or CSV), for users without a
warehouse. Flow names map back to tables: `source_<t>_append_flow` is append table t; a
qualified name `` `cat`.`sch`.`tbl` `` is table tbl.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from balancer.errors import InputError, Location
from balancer.model import History, Run
from balancer.readers._files import digest, read_bytes
from balancer.runbook import quote_identifier

STARTED = ("STARTING", "RUNNING")
TERMINAL = ("COMPLETED", "FAILED", "STOPPED", "SKIPPED", "EXCLUDED", "CANCELED")
_APPEND = re.compile(r"^source_(.+)_append_flow$")
_PIPELINE_ID = re.compile(r"^[0-9a-fA-F-]{8,64}$")


def table_of_flow(flow_name: str) -> str:
    """The table a flow writes, by the connector's flow naming."""
    m = _APPEND.match(flow_name)
    if m:
        return m.group(1)
    parts = re.findall(r"`((?:[^`]|``)*)`|([^.`]+)", flow_name)
    names = [a.replace("``", "`") if a else b for a, b in parts]
    return names[-1] if names else flow_name


def _source(pipeline_ids: Sequence[str], event_log_table: str | None) -> str:
    if event_log_table:
        return ".".join(quote_identifier(p) for p in event_log_table.split("."))
    for pid in pipeline_ids:
        if not _PIPELINE_ID.match(pid):
            raise InputError(f"'{pid}' is not a pipeline id.", fix="pass the pipeline's UUID.")
    if len(pipeline_ids) == 1:
        return f"event_log('{pipeline_ids[0]}')"
    union = "\n    UNION ALL ".join(f"SELECT * FROM event_log('{pid}')" for pid in pipeline_ids)
    return f"(\n    {union}\n  )"


def history_sql(
    pipeline_ids: Sequence[str] = (),
    event_log_table: str | None = None,
    since_days: int | None = None,
) -> str:
    """SQL over event logs that yields the columns of runs.csv."""
    if not pipeline_ids and not event_log_table:
        raise InputError(
            "name a pipeline id or a published event-log table.",
            fix="pass --pipeline-id ID (repeatable) or --event-log-table cat.sch.table.",
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
  FROM {_source(pipeline_ids, event_log_table)}
  WHERE event_type = 'flow_progress'{since}
),
runs AS (
  SELECT
    run_id, pipeline_id, pipeline_name, flow_name,
    CASE WHEN flow_name RLIKE '^source_.+_append_flow$'
         THEN regexp_extract(flow_name, '^source_(.+)_append_flow$', 1)
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


def _json_field(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if value in (None, ""):
        return {}
    parsed = json.loads(value)
    return parsed if isinstance(parsed, dict) else {}


def _timestamp(value: str) -> float:
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def runs_from_events(events: Iterable[Mapping[str, Any]], path: str = "") -> list[Run]:
    """Derive runs from raw event-log rows (origin, timestamp, event_type, details)."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for n, ev in enumerate(events, start=2):
        if ev.get("event_type") != "flow_progress":
            continue
        try:
            origin = _json_field(ev.get("origin"))
            details = _json_field(ev.get("details")).get("flow_progress", {})
            ts = _timestamp(str(ev.get("timestamp", "")))
        except (ValueError, TypeError) as exc:
            raise InputError(
                f"cannot read this event: {exc}.",
                where=Location(path, n),
                fix="export the event log with its origin, timestamp and details columns.",
            ) from exc
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
            g["start"] = ts
        if status in TERMINAL and (g["end"] is None or ts > g["end"]):
            g["end"] = ts
        if ts >= g["last"]:
            g["last"], g["status"] = ts, status
        rows = (details.get("metrics") or {}).get("num_output_rows")
        if rows is not None:
            g["rows"] += float(rows)
            g["has_rows"] = True
    runs = []
    for (update_id, flow), g in sorted(groups.items()):
        if g["start"] is None or g["end"] is None:
            continue
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
    return runs


def read_event_log_export(path: str | Path) -> History:
    """A raw event-log export as JSON lines (.json/.jsonl) or CSV, turned into a history."""
    path = str(path)
    data = read_bytes(path, "event log export")
    text = data.decode("utf-8-sig")
    if path.endswith((".json", ".jsonl", ".ndjson")) or text.lstrip().startswith("{"):
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"line is not JSON: {exc.msg}.",
                    where=Location(path, n),
                    fix="export one JSON object per line.",
                ) from None
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
    runs = runs_from_events(rows, path)
    if not runs:
        raise InputError(
            "the export holds no complete flow_progress runs.",
            where=Location(path),
            fix="export event_type = 'flow_progress' events with their details.",
        )
    return History.from_runs(runs, path=path, digest=digest(data))
