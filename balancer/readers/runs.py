"""runs.csv or Parquet: one row per table per pipeline update (DESIGN.md section 3).

Required: table, start_time, and duration_s or end_time. Times are ISO-8601, UTC when no
offset is given. Rows for tables not in the catalog are kept out with a warning.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from balancer.errors import InputError, Location
from balancer.model import Catalog, History, Run
from balancer.readers._files import csv_rows, digest, read_bytes

COLUMNS = (
    "run_id",
    "pipeline_id",
    "pipeline_name",
    "table",
    "flow_name",
    "start_time",
    "end_time",
    "duration_s",
    "rows_written",
    "rows_upserted",
    "rows_deleted",
    "bytes_written",
    "status",
)
FAILED = frozenset({"FAILED", "ERROR", "CANCELED", "CANCELLED", "ABORTED", "TIMEDOUT", "SKIPPED"})


def read_history(path: str | Path) -> History:
    """Read and validate a run history (CSV, or Parquet by extension or magic bytes)."""
    path = str(path)
    data = read_bytes(path, "run history")
    if data[:4] == b"PAR1" or path.endswith((".parquet", ".pq")):
        header, rows = _parquet_rows(path)
    else:
        header, rows = csv_rows(data, path, "run history")
    warnings: list[str] = []
    for required in ("table", "start_time"):
        if required not in header:
            raise InputError(
                f"required column '{required}' is missing.",
                fix=f"add it; the columns are {', '.join(COLUMNS)}.",
                where=Location(path, 1, required),
            )
    if "duration_s" not in header and "end_time" not in header:
        raise InputError(
            "neither duration_s nor end_time is present; one of them is needed.",
            fix="add duration_s (seconds) or end_time (ISO-8601).",
            where=Location(path, 1, "duration_s"),
        )
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        warnings.append(f"{path}: ignoring unknown columns {', '.join(unknown)}.")
    col = {h: k for k, h in enumerate(header) if h}
    i_table, i_start = col["table"], col["start_time"]
    i_end, i_dur = col.get("end_time"), col.get("duration_s")
    i_status, i_run, i_pipe = col.get("status"), col.get("run_id"), col.get("pipeline_id")
    i_rows, i_bytes = col.get("rows_written"), col.get("bytes_written")
    by_table: dict[str, list[Run]] = {}
    for number, cells in rows:
        table = str(cells[i_table]).strip()
        if not table:
            raise InputError(
                "table is empty.",
                fix="name the table or delete the row.",
                where=Location(path, number, "table"),
            )
        start = _time(cells[i_start], Location(path, number, "start_time"))
        duration = (
            _number(cells[i_dur], Location(path, number, "duration_s"))
            if i_dur is not None
            else None
        )
        if duration is None and i_end is not None and _present(cells[i_end]):
            end = _time(cells[i_end], Location(path, number, "end_time"))
            duration = end - start
            if duration < 0:
                raise InputError(
                    f"end_time is {-duration:.0f} s before start_time.",
                    fix="swap the two times or fix the clock of the export.",
                    where=Location(path, number, "end_time"),
                )
        if duration is None:
            raise InputError(
                "the row has neither duration_s nor end_time.",
                fix="fill in one of them.",
                where=Location(path, number, "duration_s"),
            )
        if duration < 0:
            raise InputError(
                f"duration_s is negative ({duration:g}).",
                fix="durations are seconds >= 0.",
                where=Location(path, number, "duration_s"),
            )
        status = (
            str(cells[i_status]).strip().upper()
            if i_status is not None and cells[i_status] is not None
            else ""
        )
        by_table.setdefault(table, []).append(
            Run(
                table=table,
                start=start,
                duration_s=duration,
                status=status,
                run_id=_text(cells, i_run),
                pipeline_id=_text(cells, i_pipe),
                rows_written=_number(cells[i_rows], Location(path, number, "rows_written"))
                if i_rows is not None
                else None,
                bytes_written=_number(cells[i_bytes], Location(path, number, "bytes_written"))
                if i_bytes is not None
                else None,
                row=number,
            )
        )
    if not by_table:
        raise InputError(
            "the run history has a header but no runs.",
            fix="add runs, or leave out --history to plan from weights.",
            where=Location(path),
        )
    runs = {
        t: tuple(sorted(rs, key=lambda r: (r.start, r.row))) for t, rs in sorted(by_table.items())
    }
    return History(runs=runs, path=path, digest=digest(data), warnings=tuple(warnings))


def unknown_table_warnings(history: History, catalog: Catalog) -> tuple[History, list[str]]:
    """Drop runs of tables the catalog does not list, saying which."""
    known = {t.source_table for t in catalog.tables}
    unknown = sorted(t for t in history.runs if t not in known)
    if not unknown:
        return history, []
    shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
    count = sum(len(history.runs[t]) for t in unknown)
    kept = {t: r for t, r in history.runs.items() if t in known}
    message = (
        f"{history.path}: {count} run(s) of {len(unknown)} table(s) not in {catalog.path or 'the catalog'} "
        f"are ignored: {shown}."
    )
    return History(kept, history.path, history.digest, history.warnings), [message]


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _text(cells: list[Any], index: int | None) -> str:
    if index is None or cells[index] is None:
        return ""
    return str(cells[index]).strip()


def _number(value: Any, where: Location) -> float | None:
    if not _present(value):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise InputError(
                f"'{value}' is not a number.", fix="write a plain number such as 12.5.", where=where
            ) from None
    if not math.isfinite(number):
        raise InputError(
            f"'{value}' is not a finite number.", fix="write a plain number.", where=where
        )
    return number


def _time(value: Any, where: Location) -> float:
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip() if value is not None else ""
        if not text:
            raise InputError(
                "the time is empty.",
                fix="write an ISO-8601 time such as 2026-01-31T12:00:00Z.",
                where=where,
            )
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise InputError(
                f"'{value}' is not an ISO-8601 time.",
                fix="write it like 2026-01-31T12:00:00Z (UTC when no offset).",
                where=where,
            ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _parquet_rows(path: str) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        raise InputError(f"cannot read the Parquet file: {exc}.", where=Location(path)) from exc
    header = [name.strip().lower() for name in table.column_names]
    columns = [table.column(k).to_pylist() for k in range(table.num_columns)]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for k in range(table.num_rows):
            yield k + 2, [c[k] for c in columns]

    return header, rows()
