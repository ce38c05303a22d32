"""Hostile files made from the bundled examples: a CSV with mutated cells, rows and header,
its bytes damaged (BOM, CRLF, truncated, NUL, not UTF-8), deep or huge JSON, Parquet with
wrong types, and event-log exports.

A CSV is drawn as a `Csv` (header and rows, small enough to solve in well under a second)
and turned into bytes by `encode`; the mutations compose, so one example can hold several.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

from tests.fuzz import values
from tests.fuzz.sandbox import Sandbox
from tests.helpers import EXAMPLES

SMALL = ("github", "hubspot")


class Csv:
    """A CSV as header and rows, with notes of the mutations made to it (its repr: what a
    failing example prints, so it names the mutations rather than every row)."""

    __slots__ = ("header", "notes", "rows")

    def __init__(
        self,
        header: tuple[str, ...],
        rows: tuple[tuple[str, ...], ...],
        notes: tuple[str, ...] = (),
    ) -> None:
        self.header, self.rows, self.notes = header, rows, notes

    def noted(self, note: str) -> Csv:
        return Csv(self.header, self.rows, (*self.notes, note))

    def __repr__(self) -> str:
        return f"Csv({len(self.header)} columns, {len(self.rows)} rows, edits={list(self.notes)})"


class Blob(bytes):
    """The bytes of a hostile file, printed as what was done to them (and how they start)."""

    what: str = ""

    def __repr__(self) -> str:
        return f"Blob({self.what!r}, {len(self)} bytes, starting {bytes(self[:60])!r})"


def blob(data: bytes, what: str) -> Blob:
    out = Blob(data)
    out.what = what
    return out


@cache
def example_csv(example: str, name: str, max_rows: int = 400) -> Csv:
    text = (EXAMPLES / example / name).read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    return Csv(tuple(header), tuple(tuple(r) for r in rows[:max_rows]))


def encode(table: Csv) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.header)
    writer.writerows(table.rows)
    return buf.getvalue().encode("utf-8")


def _set_cell(draw: st.DrawFn, table: Csv, column: str | None = None) -> Csv:
    if not table.rows:
        return table
    r = draw(st.integers(0, len(table.rows) - 1))
    columns = list(table.header)
    c = columns.index(column) if column in columns else draw(st.integers(0, len(columns) - 1))
    value = draw(_value_for(table.header[c]))
    row = list(table.rows[r])
    row[c : c + 1] = [value]
    rows = list(table.rows)
    rows[r] = tuple(row)
    note = f"row {r + 2} {table.header[c]!r} = {value[:60]!r}"
    return Csv(table.header, tuple(rows), table.notes).noted(note)


def _value_for(column: str) -> st.SearchStrategy[str]:
    """A hostile value, biased to what the column holds (so it passes the easy checks)."""
    typed: dict[str, Callable[[], st.SearchStrategy[str]]] = {
        "start_time": values.date,
        "end_time": values.date,
        "status": values.status,
        "schedule": values.cron,
        "duration_s": values.number,
        "weight": values.number,
        "rows_written": values.number,
        "table_configuration_json": lambda: json_text().map(lambda b: b.decode("utf-8")),
    }
    own = typed.get(column.strip().lower())
    return st.one_of(own(), values.cell()) if own else values.cell()


def _twin_row(draw: st.DrawFn, table: Csv) -> Csv:
    """A copy of a row whose first cell differs only by case, NFD or spaces."""
    if not table.rows:
        return table
    row = draw(st.sampled_from(table.rows))
    name = row[0] + draw(st.sampled_from(("", "\u0301")))
    twin = draw(
        st.sampled_from(
            (
                name.upper(),
                name.lower(),
                name.swapcase(),
                f" {name} ",
                unicodedata.normalize("NFD", name.upper()),
            )
        )
    )
    return Csv(table.header, (*table.rows, (twin, *row[1:])), table.notes).noted(f"twin {twin!r}")


def _header(draw: st.DrawFn, table: Csv) -> Csv:
    k = draw(st.integers(0, len(table.header) - 1))
    header = list(table.header)
    kind = draw(st.sampled_from(("duplicate", "drop", "case", "rename", "empty")))
    rows = [list(r) for r in table.rows]
    if kind == "duplicate":
        header.append(header[k])
        rows = [[*r, r[k] if k < len(r) else ""] for r in rows]
    elif kind == "drop":
        del header[k]
        rows = [r[:k] + r[k + 1 :] for r in rows]
    elif kind == "case":
        header[k] = header[k].upper()
    else:
        header[k] = draw(values.text()) if kind == "rename" else ""
    out = Csv(tuple(header), tuple(tuple(r) for r in rows), table.notes)
    return out.noted(f"header {kind} column {k}")


def _shift_dates(draw: st.DrawFn, table: Csv) -> Csv:
    """Move some runs to year 1, 9999, 2099, or decades away from the rest."""
    cols = [k for k, h in enumerate(table.header) if h in ("start_time", "end_time")]
    if not cols or not table.rows:
        return table
    year = draw(st.sampled_from(("0001", "1900", "1970", "2099", "9999", "2056")))
    share = draw(st.sampled_from((1, 2, 10)))
    rows = [
        tuple(f"{year}{c[4:]}" if k in cols and n % share == 0 else c for k, c in enumerate(r))
        for n, r in enumerate(table.rows)
    ]
    return Csv(table.header, tuple(rows), table.notes).noted(f"1 run in {share} in year {year}")


def _rows(draw: st.DrawFn, table: Csv) -> Csv:
    kind = draw(st.sampled_from(("none", "short", "long", "empty", "one", "many-columns")))
    rows = list(table.rows)
    if kind == "empty":
        rows = []
    elif kind == "one":
        rows = rows[:1]
    elif kind in ("short", "long") and rows:
        k = draw(st.integers(0, len(rows) - 1))
        rows[k] = rows[k][:1] if kind == "short" else (*rows[k], "extra", "cells")
    elif kind == "many-columns":
        header = (*table.header, *(f"c{i}" for i in range(2000)))
        return Csv(header, table.rows, table.notes).noted("2000 more columns")
    return Csv(table.header, tuple(rows), table.notes).noted(f"rows {kind}")


@st.composite
def mutated_csv(draw: st.DrawFn, base: Csv, focus: tuple[str, ...] = ()) -> Csv:
    """`base` with a few composed mutations (cells, twins, header, rows, dates)."""
    table = base
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(("cell", "cell", "cell", "twin", "header", "rows", "dates")))
        if kind == "cell":
            aimed = bool(focus) and draw(st.booleans())
            column = draw(st.sampled_from(focus)) if aimed else None
            table = _set_cell(draw, table, column)
        elif kind == "twin":
            table = _twin_row(draw, table)
        elif kind == "header":
            table = _header(draw, table)
        elif kind == "rows":
            table = _rows(draw, table)
        else:
            table = _shift_dates(draw, table)
    return table


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> Blob:
    """The bytes of a file, maybe damaged: BOM, CRLF, truncated, a NUL, Latin-1, a lone CR."""
    kind = draw(st.sampled_from(sorted(DAMAGE)))
    if kind == "truncate" and data:
        k = draw(st.integers(0, len(data) - 1))
        return blob(data[:k], f"truncated at byte {k}")
    if kind == "nul" and data:
        k = draw(st.integers(0, len(data) - 1))
        return blob(data[:k] + b"\x00" + data[k:], f"NUL at byte {k}")
    return blob(DAMAGE[kind](data), kind)


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "none": lambda d: d,
    "bom": lambda d: b"\xef\xbb\xbf" + d,
    "crlf": lambda d: d.replace(b"\n", b"\r\n"),
    "cr": lambda d: d.replace(b"\n", b"\r"),
    "truncate": lambda d: d,
    "nul": lambda d: d,
    "latin1": lambda d: d + "caf\u00e9,\u00ff\n".encode("latin-1"),
    "empty": lambda d: b"",
    "spaces": lambda d: b"  \n\t\n",
}


def deep_json(depth: int, kind: str = "list") -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def json_text() -> st.SearchStrategy[bytes]:
    """JSON for any JSON input: deep, huge, not an object, not JSON, NaN, wrong types."""
    literal = st.sampled_from(
        (
            deep_json(5000),
            deep_json(5000, "object"),
            deep_json(50),
            "[" * 100_000,
            json.dumps(list(range(200_000))),
            json.dumps({f"k{i}": "v" for i in range(50_000)}),
            "NaN",
            "[NaN, Infinity]",
            '{"a": NaN}',
            "null",
            "1e999",
            '"just a string"',
            "{",
            '{"a": 1}',
            '{"a": ["x"]}',
            '{"a": {"b": "c"}}',
            '{"\\u0000": "x"}',
            '{"a": "\\u001b[2J"}',
            '{"a": "1", "a": "2"}',
            "\ufeff{}",
            "{}",
            "[]",
        )
    )
    generated = st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | values.text(),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(values.text(), inner, max_size=4)
        ),
        max_leaves=12,
    ).map(json.dumps)
    return st.one_of(literal, generated).map(lambda s: s.encode("utf-8"))


PARQUET_TYPES = ("bool", "string", "list", "struct", "null", "int8", "year20000", "dict", "binary")


def parquet(runs: Csv, column: str, kind: str) -> bytes:
    """runs.csv as Parquet with one column of a wrong or extreme type."""
    cols: dict[str, Any] = {
        h: [r[k] if k < len(r) else "" for r in runs.rows] for k, h in enumerate(runs.header)
    }
    arrays: dict[str, pa.Array] = {h: pa.array(v, pa.string()) for h, v in cols.items()}
    for h in ("duration_s", "rows_written"):
        if h in cols:
            arrays[h] = pa.array([float(v) if v else None for v in cols[h]], pa.float64())
    n = len(runs.rows)
    bad: dict[str, Callable[[], pa.Array]] = {
        "bool": lambda: pa.array([i % 2 == 0 for i in range(n)], pa.bool_()),
        "string": lambda: pa.array(["x"] * n, pa.string()),
        "list": lambda: pa.array([[1.0, 2.0]] * n, pa.list_(pa.float64())),
        "struct": lambda: pa.array([{"a": 1}] * n, pa.struct([("a", pa.int64())])),
        "null": lambda: pa.nulls(n),
        "int8": lambda: pa.array([127] * n, pa.int8()),
        "year20000": lambda: pa.array([568_000_000_000] * n, pa.timestamp("s")),
        "dict": lambda: pa.array(["a"] * n).dictionary_encode(),
        "binary": lambda: pa.array([b"\xff\x00"] * n, pa.binary()),
    }
    arrays[column] = bad[kind]()
    buf = io.BytesIO()
    pq.write_table(pa.table(arrays), buf)
    return buf.getvalue()


def events_of(runs: Csv) -> list[dict[str, Any]]:
    """An event-log export (flow_progress events) of the runs of a runs.csv."""
    col = {h: k for k, h in enumerate(runs.header)}
    out: list[dict[str, Any]] = []
    for r in runs.rows:
        origin = {
            "pipeline_id": r[col["pipeline_id"]],
            "update_id": r[col["run_id"]],
            "flow_name": r[col["flow_name"]],
        }
        for status, ts in (("STARTING", r[col["start_time"]]), ("COMPLETED", r[col["end_time"]])):
            details = {"flow_progress": {"status": status, "metrics": {"num_output_rows": 5}}}
            out.append(
                {
                    "event_type": "flow_progress",
                    "timestamp": ts,
                    "origin": json.dumps(origin),
                    "details": json.dumps(details),
                }
            )
    return out


def example_path(example: str, name: str) -> Path:
    return EXAMPLES / example / name


def example_inputs(box: Sandbox, example: str = "github") -> tuple[Path, Path]:
    """The example's tables.csv and (the first 300 runs of its) runs.csv, as sandbox inputs."""
    tables = box.input("in/tables.csv", encode(example_csv(example, "tables.csv")))
    runs = box.input("in/runs.csv", encode(example_csv(example, "runs.csv", max_rows=300)))
    return tables, runs
