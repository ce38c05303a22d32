"""Run histories through Arrow: Parquet files (their column types checked against the
expected schema before any value is converted), and the columnar fast path for large files.

The fast path (`columnar`) accepts only a clean file; anything else raises NotClean and the
row-by-row reader (balancer.io.runs) reads it again to name the exact row and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

from balancer.errors import InputError, Location
from balancer.io.runvalues import EARLIEST, LATEST, MAX_BYTES, MAX_ROWS, SPAN_DAYS, Epoch
from balancer.model import MAX_RUN_S, SUCCEEDED_STATUSES, TableRuns


class NotClean(Exception):
    """The columnar path saw something it leaves to the row-by-row reader."""


def _text(t: Any) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)  # Hive and Impala write text as binary: read as UTF-8
        or pa.types.is_large_binary(t)
    )


def _identifier(t: Any) -> bool:
    import pyarrow as pa

    return _text(t) or bool(pa.types.is_integer(t))


def _time(t: Any) -> bool:
    import pyarrow as pa

    return _text(t) or bool(pa.types.is_timestamp(t))


def _number(t: Any) -> bool:
    import pyarrow as pa

    return _text(t) or bool(
        pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
    )


# What each column of a history may be stored as; text is always parsed and checked after.
_KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "text": (_text, "text (string)"),
    "id": (_identifier, "text or a whole number"),
    "time": (_time, "a timestamp or ISO-8601 text"),
    "number": (_number, "a number (integer, floating point or decimal) or text holding one"),
}
EXPECTED_TYPES = {
    "table": "text",
    "flow_name": "text",
    "pipeline_name": "text",
    "status": "text",
    "run_id": "id",
    "pipeline_id": "id",
    "start_time": "time",
    "end_time": "time",
    "duration_s": "number",
    "rows_written": "number",
    "rows_upserted": "number",
    "rows_deleted": "number",
    "bytes_written": "number",
}


def type_problem(column: str, arrow_type: Any) -> str | None:
    """Why a column stored as `arrow_type` cannot be read as `column`, or None (a column of
    only nulls, or of unknown name, is never a problem)."""
    import pyarrow as pa

    kind = EXPECTED_TYPES.get(column)
    if kind is None or pa.types.is_null(arrow_type):
        return None
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    accepts, expected = _KINDS[kind]
    if accepts(arrow_type):
        return None
    return f"column '{column}' is stored as Arrow type {arrow_type}; it must be {expected}"


def parquet_table(data: bytes, path: str) -> Any:
    """A Parquet file's table, its known columns' types checked; InputError if unreadable."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        raise InputError(f"cannot read the Parquet file: {exc}.", where=Location(path)) from None
    seen: set[str] = set()
    for name, field in zip(table.column_names, table.schema, strict=True):
        key = str(name).strip().lower()
        if key in seen:
            raise InputError(
                f"column '{key}' appears twice.", fix="keep one of them.", where=Location(path)
            )
        seen.add(key)
        problem = type_problem(key, field.type)
        if problem:
            raise InputError(
                f"{problem}.",
                fix="write the column with that type (or leave it out).",
                where=Location(path, 1, key),
            )
    return _binary_as_text(table, path)


def _binary_as_text(table: Any, path: str) -> Any:
    """Known columns stored as binary, as UTF-8 text (refused when they are not UTF-8)."""
    import pyarrow as pa

    for k, field in enumerate(table.schema):
        if str(field.name).strip().lower() in EXPECTED_TYPES and (
            pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type)
        ):
            try:
                table = table.set_column(k, field.name, table.column(k).cast(pa.string()))
            except pa.ArrowInvalid:
                raise InputError(
                    f"column '{field.name}' is stored as binary and is not UTF-8 text.",
                    fix="write it as a string column.",
                    where=Location(path, 1, str(field.name)),
                ) from None
    return table


_UNIT = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}


def _values(column: Any) -> list[Any]:
    """A column's values for the row-by-row reader; timestamps as Epoch seconds (from the
    stored integers: a year Python's datetime cannot hold is still a number to refuse)."""
    import pyarrow as pa

    if pa.types.is_timestamp(column.type):
        factor = _UNIT[column.type.unit]
        raw = column.cast(pa.int64()).to_pylist()
        return [None if v is None else Epoch(v / factor) for v in raw]
    return list(column.to_pylist())


def parquet_rows(table: Any) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """Header and (row number, cells) of a checked Parquet table; only the known columns are
    converted (the others are ignored with a warning, whatever they hold)."""
    header = [str(name).strip().lower() for name in table.column_names]
    columns = [
        _values(table.column(k)) if h in EXPECTED_TYPES else None for k, h in enumerate(header)
    ]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for k in range(table.num_rows):
            yield k + 2, [None if c is None else c[k] for c in columns]

    return header, rows()


def csv_table(data: bytes) -> Any:
    """A CSV file as an Arrow table of strings; NotClean when pyarrow cannot read it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        first = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
        names = [h.strip().lower() for h in next(csv.reader([first]))]
        if len(set(names)) != len(names):
            raise NotClean
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowException, UnicodeDecodeError, StopIteration) as exc:
        raise NotClean from exc


def columnar(table: Any) -> tuple[list[str], dict[str, TableRuns], list[str]]:
    """(header, runs by table, statuses) of a clean table; NotClean otherwise."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    header = [n.strip().lower() for n in table.column_names]
    if table.num_rows == 0 or "table" not in header or "start_time" not in header:
        raise NotClean
    cols = _Columns({h: table.column(k) for k, h in enumerate(header) if h})
    n = table.num_rows
    names_col = cols.text("table")
    if pc.any(pc.equal(names_col, "")).as_py():
        raise NotClean
    start = cols.seconds("start_time")
    duration = cols.number("duration_s") if "duration_s" in cols.cols else np.full(n, np.nan)
    if "end_time" in cols.cols and np.isnan(duration).any():
        missing = np.isnan(duration)
        ends = cols.text("end_time")
        if pc.any(pc.and_(pc.equal(ends, ""), pa.array(missing))).as_py():
            raise NotClean
        duration = np.where(missing, cols.seconds("end_time") - start, duration)
    if not np.isfinite(duration).all() or (duration < 0).any() or (duration > MAX_RUN_S).any():
        raise NotClean
    _clean_times(start)
    rows_written = cols.number_or_nan("rows_written", n)
    bytes_written = cols.number_or_nan("bytes_written", n)
    for values, high in ((rows_written, MAX_ROWS), (bytes_written, MAX_BYTES)):
        known = values[~np.isnan(values)]
        if (known < 0).any() or (known > high).any():
            raise NotClean
    status = pc.utf8_upper(cols.text("status")).to_pylist() if "status" in cols.cols else [""] * n
    run_ids = cols.text("run_id").to_pylist() if "run_id" in cols.cols else [""] * n
    ok = np.array([s in SUCCEEDED_STATUSES for s in status], dtype=bool)
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
    return header, by_table, status


def _clean_times(start: Any) -> None:
    import numpy as np

    if not np.isfinite(start).all():
        raise NotClean
    if start.min() < EARLIEST.timestamp() or start.max() >= LATEST.timestamp():
        raise NotClean
    if start.max() - start.min() > SPAN_DAYS * 86_400:
        raise NotClean


class _Columns:
    """Arrow columns read as text, numbers or epoch seconds; NotClean when they are not."""

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
            raise NotClean from exc

    def number_or_nan(self, name: str, n: int) -> Any:
        import numpy as np

        return self.number(name) if name in self.cols else np.full(n, np.nan)

    def seconds(self, name: str) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        c = self.cols[name]
        try:
            if not pa.types.is_timestamp(c.type):
                t = self.text(name)
                try:
                    c = pc.cast(t, pa.timestamp("us", tz="UTC"))
                except pa.ArrowException:
                    c = pc.assume_timezone(pc.cast(t, pa.timestamp("us")), "UTC")
            elif c.type.tz is None:
                c = pc.assume_timezone(c, "UTC")
            us = pc.cast(pc.cast(c, pa.timestamp("us", tz="UTC")), pa.int64())
        except pa.ArrowException as exc:
            raise NotClean from exc
        return us.to_numpy(zero_copy_only=False) / 1e6
