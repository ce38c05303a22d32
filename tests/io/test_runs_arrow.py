"""Parquet histories: each column's Arrow type is checked against the expected schema before
any value is converted; timestamps are read from their stored integers, so a year Python
cannot hold is refused by the time window, not a crash. Both readers (row by row, and the
columnar path of large files) give the same answer."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from balancer.errors import InputError
from balancer.io import read_history
from balancer.io import runs as runs_module

START = "2026-01-01T00:00:00Z"
PLUS_2 = dt.timezone(dt.timedelta(hours=2))


def parquet(tmp_path: Path, columns: dict[str, Any]) -> Path:
    path = tmp_path / "runs.parquet"
    pq.write_table(pa.table(columns), path)
    return path


@pytest.fixture(params=["rows", "columnar"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs on the row-by-row reader and on the columnar path."""
    if request.param == "columnar":
        monkeypatch.setattr(runs_module, "COLUMNAR_BYTES", 0)
    return str(request.param)


def _year_20000(unit: str) -> pa.Array:
    seconds = int((dt.datetime(9999, 1, 1) - dt.datetime(1970, 1, 1)).total_seconds()) * 2
    factor = {"s": 1, "ms": 1000, "us": 10**6}[unit]
    return pa.array([seconds * factor], pa.timestamp(unit))


BAD_TYPES = [
    # (column, its values, the words of the refusal)
    ("duration_s", pa.array([True]), "Arrow type bool"),
    ("duration_s", pa.array([[1.0, 2.0]]), "Arrow type list<element: double>"),
    ("duration_s", pa.array([{"s": 1.0}]), "struct"),
    ("start_time", pa.array([{"t": START}]), "struct"),
    ("start_time", pa.array([1767225600]), "Arrow type int64"),
    ("start_time", pa.array([dt.date(2026, 1, 1)]), "date32"),
    ("table", pa.array([7]), "Arrow type int64"),
    ("table", pa.array([["a"]]), "list<element: string>"),
    ("status", pa.array([True]), "Arrow type bool"),
    ("rows_written", pa.array([[1]]), "list<element: int64>"),
    ("bytes_written", pa.array([False]), "Arrow type bool"),
    ("run_id", pa.array([1.5]), "Arrow type double"),
]


@pytest.mark.parametrize(("column", "values", "words"), BAD_TYPES)
def test_a_column_of_the_wrong_arrow_type_is_refused(
    tmp_path: Path, reader: str, column: str, values: pa.Array, words: str
) -> None:
    columns: dict[str, Any] = {"table": ["a"], "start_time": [START], "duration_s": [3.0]}
    columns[column] = values
    path = parquet(tmp_path, columns)
    with pytest.raises(InputError) as info:
        read_history(path)
    assert words in info.value.problem and "it must be" in info.value.problem
    assert (info.value.where.row, info.value.where.column) == (1, column)


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_a_timestamp_in_year_20000_is_refused_by_the_window(
    tmp_path: Path, reader: str, unit: str
) -> None:
    path = parquet(tmp_path, {"table": ["a"], "start_time": _year_20000(unit), "duration_s": [3.0]})
    with pytest.raises(InputError) as info:
        read_history(path)
    assert "outside the years" in info.value.problem
    assert (info.value.where.row, info.value.where.column) == (2, "start_time")


GOOD_TYPES = [
    ("start_time", pa.array([dt.datetime(2026, 1, 1)], pa.timestamp("ns"))),
    ("start_time", pa.array([dt.datetime(2026, 1, 1)], pa.timestamp("s"))),
    (
        "start_time",
        pa.array([dt.datetime(2026, 1, 1, 2, tzinfo=PLUS_2)], pa.timestamp("ms", "+02:00")),
    ),
    ("start_time", pa.array([dt.datetime(2026, 1, 1)], pa.timestamp("us", tz="UTC"))),
    ("start_time", pa.array([START]).dictionary_encode()),
    ("table", pa.array(["a"]).dictionary_encode()),
    ("table", pa.array(["a"], pa.large_string())),
    ("table", pa.array([b"a"], pa.binary())),  # Hive and Impala write text as binary
    ("table", pa.array([b"a"], pa.large_binary())),
    ("start_time", pa.array([START.encode()], pa.binary())),
    ("duration_s", pa.array([3], pa.int32())),
    ("duration_s", pa.array([decimal.Decimal("3.0")], pa.decimal128(5, 1))),
    ("duration_s", pa.array(["3"])),
    ("run_id", pa.array([12345])),
    ("rows_written", pa.array([None], pa.null())),
    ("extra_nested", pa.array([[{"x": 1}]])),
    ("extra_far_future", _year_20000("s")),
]


@pytest.mark.parametrize(("column", "values"), GOOD_TYPES)
def test_accepted_arrow_types_read_as_the_plain_file(
    tmp_path: Path, reader: str, column: str, values: pa.Array
) -> None:
    columns: dict[str, Any] = {"table": ["a"], "start_time": [START], "duration_s": [3.0]}
    columns[column] = values
    runs = read_history(parquet(tmp_path, columns)).runs["a"]
    assert runs.start.tolist() == [1767225600.0]
    assert runs.duration_s.tolist() == [3.0]


def test_unknown_columns_are_a_warning_whatever_they_hold(tmp_path: Path) -> None:
    columns = {"table": ["a"], "start_time": [START], "duration_s": [3.0]}
    history = read_history(parquet(tmp_path, {**columns, "nested": pa.array([[[1]]])}))
    assert any("nested" in w for w in history.warnings)


def test_a_column_twice_is_refused(tmp_path: Path) -> None:
    table = pa.table(
        [["a"], [START], [3.0], ["b"]], names=["table", "start_time", "duration_s", "Table"]
    )
    path = tmp_path / "runs.parquet"
    pq.write_table(table, path)
    with pytest.raises(InputError, match="'table' appears twice"):
        read_history(path)


@pytest.mark.parametrize("content", [b"PAR1 not really", b"PAR1" + b"\0" * 64])
def test_a_broken_parquet_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "runs.parquet"
    path.write_bytes(content)
    with pytest.raises(InputError, match="cannot read the Parquet file"):
        read_history(path)


def test_statuses_and_bounds_hold_on_both_paths(tmp_path: Path, reader: str) -> None:
    path = parquet(
        tmp_path,
        {
            "table": ["a", "a", "a"],
            "start_time": [START, "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"],
            "duration_s": [3.0, 4.0, 5.0],
            "status": ["COMPLETED", "FAILURE", "ERRORED"],
        },
    )
    history = read_history(path)
    assert history.runs["a"].ok.tolist() == [True, False, False]
    bad = parquet(
        tmp_path, {"table": ["a"], "start_time": [START], "duration_s": [3.0], "rows_written": [-1]}
    )
    with pytest.raises(InputError) as info:
        read_history(bad)
    assert (info.value.where.row, info.value.where.column) == (2, "rows_written")


def test_a_binary_column_that_is_not_utf8_is_refused(tmp_path: Path, reader: str) -> None:
    columns: dict[str, Any] = {"table": pa.array([b"\xff"], pa.binary())}
    columns |= {"start_time": [START], "duration_s": [3.0]}
    with pytest.raises(InputError, match="stored as binary and is not UTF-8"):
        read_history(parquet(tmp_path, columns))
