"""runs.csv / Parquet: validation with file, row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from balancer.errors import InputError
from balancer.history.flows import unknown_table_warnings
from balancer.io import read_history
from balancer.model import Catalog, Table

HEAD = "table,start_time,end_time,duration_s,status\n"


def write(tmp_path: Path, text: str, name: str = "runs.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("", None, None, "empty"),
        (HEAD, None, None, "no runs"),
        ("start_time,duration_s\n2026-01-01T00:00:00Z,3\n", 1, "table", "'table' is missing"),
        ("table,duration_s\na,3\n", 1, "start_time", "'start_time' is missing"),
        (
            "table,start_time\na,2026-01-01T00:00:00Z\n",
            1,
            "duration_s",
            "neither duration_s nor end_time",
        ),
        (HEAD + "a,2026-01-01T00:00:00Z,,-5,COMPLETED\n", 2, "duration_s", "negative"),
        (HEAD + "a,2026-01-01T00:00:00Z,,fast,COMPLETED\n", 2, "duration_s", "not a number"),
        (
            HEAD + "a,2026-01-01T00:10:00Z,2026-01-01T00:00:00Z,,COMPLETED\n",
            2,
            "end_time",
            "before start_time",
        ),
        (HEAD + "a,yesterday,,5,COMPLETED\n", 2, "start_time", "not an ISO-8601 time"),
        (
            HEAD + "a,2026-01-01T00:00:00Z,,,COMPLETED\n",
            2,
            "duration_s",
            "neither duration_s nor end_time",
        ),
        (HEAD + "a,2026-01-01T00:00:00Z,,nan,COMPLETED\n", 2, "duration_s", "not a finite number"),
        (HEAD + ",2026-01-01T00:00:00Z,,3,COMPLETED\n", 2, "table", "table is empty"),
    ],
)
def test_bad_history_inputs(
    tmp_path: Path, text: str, row: int | None, column: str | None, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_history(path)
    assert words in str(info.value)
    assert (info.value.where.file, info.value.where.row, info.value.where.column) == (
        str(path),
        row,
        column,
    )


def test_times_without_offset_are_utc_and_end_time_gives_duration(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "a,2026-01-01T00:00:00,2026-01-01T00:01:30+00:00,,\n")
    runs = read_history(path).runs["a"]
    assert runs.duration_s[0] == 90.0
    assert runs.start[0] == 1767225600.0


def test_parquet_with_the_same_columns_loads(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "table": ["a", "a"],
            "start_time": ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
            "duration_s": [5.0, 7.0],
        }
    )
    path = tmp_path / "runs.parquet"
    pq.write_table(table, path)
    runs = read_history(path).runs["a"]
    assert runs.duration_s.tolist() == [5.0, 7.0]


def test_parquet_errors_name_the_row(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "runs.parquet"
    pq.write_table(
        pa.table({"table": ["a"], "start_time": ["2026-01-01T00:00:00Z"], "duration_s": [-1.0]}),
        path,
    )
    with pytest.raises(InputError) as info:
        read_history(path)
    assert (info.value.where.row, info.value.where.column) == (2, "duration_s")


def test_runs_of_unknown_tables_are_a_warning(tmp_path: Path) -> None:
    history = read_history(
        write(tmp_path, HEAD + "a,2026-01-01T00:00:00Z,,3,\nghost,2026-01-01T00:00:00Z,,3,\n")
    )
    kept, warnings = unknown_table_warnings(history, Catalog((Table("a"),), "tables.csv"))
    assert list(kept.runs) == ["a"]
    assert len(warnings) == 1 and "ghost" in warnings[0]


def big_history(rows: int = 40_000) -> str:
    lines = ["run_id,table,start_time,end_time,duration_s,rows_written,status"]
    for k in range(rows):
        status = "FAILED" if k % 50 == 0 else "COMPLETED"
        day, sec = divmod(k, 86_000)
        lines.append(
            f"u{k // 7},t{k % 7},2026-01-{1 + day:02d}T00:00:{sec % 60:02d}.5Z,,{1 + k % 13}.25,{k},{status}"
        )
    return "\n".join(lines) + "\n"


def test_large_files_take_the_columnar_path_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from balancer.io import runs as runs_module

    monkeypatch.setattr(runs_module, "COLUMNAR_BYTES", 1_000_000)  # keeps the test small
    path = write(tmp_path, big_history())
    assert path.stat().st_size > runs_module.COLUMNAR_BYTES
    taken = []
    columnar = runs_module._columnar
    monkeypatch.setattr(
        runs_module, "_columnar", lambda *a: taken.append(columnar(*a)) or taken[-1]
    )
    fast = read_history(path)
    assert taken and taken[0] is not None  # the columnar path read it
    monkeypatch.setattr(runs_module, "_columnar", lambda *a: None)
    slow = read_history(path)
    assert list(fast.runs) == list(slow.runs)
    for name in fast.runs:
        a, b = fast.runs[name], slow.runs[name]
        assert a.start.tolist() == b.start.tolist()
        assert a.duration_s.tolist() == b.duration_s.tolist()
        assert a.ok.tolist() == b.ok.tolist()
        assert a.rows_written.tolist() == b.rows_written.tolist()
        assert a.run_id == b.run_id
        assert a.bytes_written is not None and b.bytes_written is not None
        assert np.array_equal(a.bytes_written, b.bytes_written, equal_nan=True)


def test_large_files_with_a_bad_row_still_name_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from balancer.io import runs as runs_module

    monkeypatch.setattr(runs_module, "COLUMNAR_BYTES", 1_000_000)
    lines = big_history().splitlines()
    lines[30_001] = lines[30_001].replace(".25,", "x,", 1)
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        read_history(path)
    assert (info.value.where.row, info.value.where.column) == (30_002, "duration_s")
