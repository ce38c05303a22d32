"""runs.csv or Parquet: one row per table per pipeline update.

Required: table, start_time, and duration_s or end_time. Times are ISO-8601, UTC when no
offset is given. Rows for tables not in the catalog are kept out with a warning.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from balancer.errors import InputError, Location
from balancer.io.files import csv_rows, digest, read_bytes
from balancer.model import FAILED_STATUSES, MAX_RUN_S, History, Run, TableRuns

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
FAILED = FAILED_STATUSES


def read_history(path: str | Path) -> History:
    """Read and validate a run history (CSV, or Parquet by extension or magic bytes).

    Large files take a columnar path (pyarrow); anything it does not accept as clean is read
    again row by row, which finds and names the exact row, column and problem.
    """
    path = str(path)
    data = read_bytes(path, "run history")
    parquet = data[:4] == b"PAR1" or path.endswith((".parquet", ".pq"))
    try:
        runs = _columnar(path, data, parquet)
    except _NotClean:
        runs = None
    if runs is not None:
        header, by_table = runs
    else:
        if parquet:
            header, rows = _parquet_rows(path)
        else:
            header, rows = csv_rows(data, path, "run history")
        by_table = _row_by_row(path, header, rows)
    warnings = _header_warnings(path, header)
    return History(by_table, path=path, digest=digest(data), warnings=tuple(warnings))


def _check_header(path: str, header: list[str]) -> None:
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


def _header_warnings(path: str, header: list[str]) -> list[str]:
    unknown = [h for h in header if h and h not in COLUMNS]
    return [f"{path}: ignoring unknown columns {', '.join(unknown)}."] if unknown else []


def _row_by_row(
    path: str, header: list[str], rows: Iterator[tuple[int, list[Any]]]
) -> dict[str, TableRuns]:
    """The reference reader: one row at a time, with exact error locations."""
    _check_header(path, header)
    col = {h: k for k, h in enumerate(header) if h}
    i_table, i_start = col["table"], col["start_time"]
    i_end, i_dur = col.get("end_time"), col.get("duration_s")
    i_status, i_run, i_pipe = col.get("status"), col.get("run_id"), col.get("pipeline_id")
    i_rows, i_bytes = col.get("rows_written"), col.get("bytes_written")
    runs: list[Run] = []
    for number, cells in rows:
        table = str(cells[i_table] if cells[i_table] is not None else "").strip()
        if not table:
            raise InputError(
                "table is empty.",
                fix="name the table or delete the row.",
                where=Location(path, number, "table"),
            )
        start = iso_seconds(cells[i_start], Location(path, number, "start_time"))
        duration = (
            _number(cells[i_dur], Location(path, number, "duration_s"))
            if i_dur is not None
            else None
        )
        if duration is None and i_end is not None and _present(cells[i_end]):
            end = iso_seconds(cells[i_end], Location(path, number, "end_time"))
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
        if duration > MAX_RUN_S:
            raise InputError(
                f"the run takes {duration:g} s, more than a week ({MAX_RUN_S} s).",
                fix="check the times: durations are seconds, end_time is after start_time.",
                where=Location(path, number, "duration_s" if i_dur is not None else "end_time"),
            )
        if duration < 0:
            raise InputError(
                f"duration_s is negative ({duration:g}).",
                fix="durations are seconds >= 0.",
                where=Location(path, number, "duration_s"),
            )
        runs.append(
            Run(
                table=table,
                start=start,
                duration_s=duration,
                status=_text(cells, i_status).upper(),
                run_id=_text(cells, i_run),
                pipeline_id=_text(cells, i_pipe),
                rows_written=_number(cells[i_rows], Location(path, number, "rows_written"))
                if i_rows is not None
                else None,
                bytes_written=_number(cells[i_bytes], Location(path, number, "bytes_written"))
                if i_bytes is not None
                else None,
            )
        )
    if not runs:
        raise InputError(
            "the run history has a header but no runs.",
            fix="add runs, or leave out --history to plan from weights.",
            where=Location(path),
        )
    return History.from_runs(runs).runs


COLUMNAR_BYTES = 6_000_000


class _NotClean(Exception):
    """The columnar path saw something it leaves to the row-by-row reader."""


def _columnar(
    path: str, data: bytes, parquet: bool
) -> tuple[list[str], dict[str, TableRuns]] | None:
    """Fast path for large, clean files; None for small ones. Raises _NotClean to fall back.

    Below COLUMNAR_BYTES the row-by-row reader (about 35 ms a MB here) is faster than
    importing pyarrow, which alone takes about 0.2 s."""
    if len(data) < COLUMNAR_BYTES:
        return None
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    table = _arrow_table(path, data, parquet)
    header = [n.strip().lower() for n in table.column_names]
    _check_header(path, header)
    if table.num_rows == 0:
        raise _NotClean
    cols = _Columns({h: table.column(k) for k, h in enumerate(header) if h})
    n = table.num_rows
    names_col = cols.text("table")
    if pc.any(pc.equal(names_col, "")).as_py():
        raise _NotClean
    start = cols.seconds("start_time")
    duration = cols.number("duration_s") if "duration_s" in cols.cols else np.full(n, np.nan)
    if "end_time" in cols.cols and np.isnan(duration).any():
        missing = np.isnan(duration)
        ends = cols.text("end_time")
        if pc.any(pc.and_(pc.equal(ends, ""), pa.array(missing))).as_py():
            raise _NotClean
        duration = np.where(missing, cols.seconds("end_time") - start, duration)
    if not np.isfinite(duration).all() or (duration < 0).any() or (duration > MAX_RUN_S).any():
        raise _NotClean
    if not np.isfinite(start).all():
        raise _NotClean
    rows_written = cols.number_or_nan("rows_written", n)
    bytes_written = cols.number_or_nan("bytes_written", n)
    if np.isinf(rows_written).any() or np.isinf(bytes_written).any():
        raise _NotClean
    status = pc.utf8_upper(cols.text("status")).to_pylist() if "status" in cols.cols else [""] * n
    run_ids = cols.text("run_id").to_pylist() if "run_id" in cols.cols else [""] * n
    ok = np.array([s not in FAILED for s in status], dtype=bool)
    encoded = pc.dictionary_encode(names_col).combine_chunks()
    names = encoded.dictionary.to_pylist()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    order = np.lexsort((start, codes))
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    by_table: dict[str, TableRuns] = {}
    for k in sorted(range(len(names)), key=lambda k: names[k]):
        idx = order[bounds[k] : bounds[k + 1]]
        by_table[names[k]] = TableRuns(
            table=names[k],
            start=start[idx],
            duration_s=duration[idx],
            ok=ok[idx],
            rows_written=rows_written[idx],
            run_id=tuple(run_ids[i] for i in idx.tolist()),
            bytes_written=bytes_written[idx],
        )
    return header, by_table


def _arrow_table(path: str, data: bytes, parquet: bool) -> Any:
    """The file as an Arrow table of strings (CSV) or as stored (Parquet)."""
    import pyarrow as pa

    try:
        if parquet:
            import pyarrow.parquet as pq

            return pq.read_table(path)
        import pyarrow.csv as pacsv

        first = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
        names = [h.strip().lower() for h in next(csv.reader([first]))]
        if len(set(names)) != len(names):
            raise _NotClean
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowException, UnicodeDecodeError, StopIteration) as exc:
        raise _NotClean from exc


class _Columns:
    """Arrow columns read as text, numbers or epoch seconds; _NotClean when they are not."""

    def __init__(self, cols: dict[str, Any]) -> None:
        self.cols = cols

    def text(self, name: str) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        c = self.cols[name]
        if not pa.types.is_string(c.type) and not pa.types.is_large_string(c.type):
            c = pc.cast(c, pa.string())
        return pc.utf8_trim_whitespace(pc.fill_null(c, ""))

    def number(self, name: str) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        c = self.cols[name]
        if pa.types.is_floating(c.type) or pa.types.is_integer(c.type):
            return pc.cast(c, pa.float64()).to_numpy(zero_copy_only=False)
        t = self.text(name)
        t = pc.if_else(pc.equal(t, ""), pa.scalar(None, pa.string()), t)
        try:
            return pc.cast(t, pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowException as exc:
            raise _NotClean from exc

    def number_or_nan(self, name: str, n: int) -> Any:
        import numpy as np

        return self.number(name) if name in self.cols else np.full(n, np.nan)

    def seconds(self, name: str) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        c = self.cols[name]
        if not pa.types.is_timestamp(c.type):
            t = self.text(name)
            try:
                c = pc.cast(t, pa.timestamp("us", tz="UTC"))
            except pa.ArrowException:
                try:
                    c = pc.assume_timezone(pc.cast(t, pa.timestamp("us")), "UTC")
                except pa.ArrowException as exc:
                    raise _NotClean from exc
        elif c.type.tz is None:
            c = pc.assume_timezone(c, "UTC")
        us = pc.cast(pc.cast(c, pa.timestamp("us", tz="UTC")), pa.int64()).to_numpy(
            zero_copy_only=False
        )
        return us / 1e6


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


def iso_seconds(value: Any, where: Location) -> float:
    """An ISO-8601 time (UTC when it has no offset) as epoch seconds; InputError if not one."""
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
