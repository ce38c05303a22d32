"""runs.csv / Parquet: validation with file, row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
        status = "FAILED" if k % 50 == 0 else "weird" if k % 77 == 0 else "COMPLETED"
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
    assert fast.warnings == slow.warnings and "'WEIRD' x" in fast.warnings[0]
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


def runs_csv(tmp_path: Path, *rows: str, head: str = HEAD) -> Path:
    return write(tmp_path, head + "".join(r + "\n" for r in rows))


# Issue 18, statuses: every known spelling is classified; an unknown one counts as failed and
# is named in a warning.
@pytest.mark.parametrize(
    ("status", "ok", "warned"),
    [
        ("COMPLETED", True, False),
        ("completed", True, False),
        ("", True, False),
        ("SUCCESS", True, False),
        ("Succeeded", True, False),
        ("FAILED", False, False),
        ("FAILURE", False, False),
        ("ERRORED", False, False),
        ("error", False, False),
        ("CANCELLED", False, False),
        ("CANCELED", False, False),
        ("TIMED_OUT", False, False),
        ("UPSTREAM_FAILED", False, False),
        ("SKIPPED", False, False),
        ("STOPPED", False, False),
        ("RUNNING", False, False),
        ("QUEUED", False, False),
        ("WEIRD", False, True),
        ("OK?", False, True),
    ],
)
def test_statuses_are_enumerated(tmp_path: Path, status: str, ok: bool, warned: bool) -> None:
    history = read_history(runs_csv(tmp_path, f"a,2026-01-01T00:00:00Z,,3,{status}"))
    assert history.runs["a"].ok.tolist() == [ok]
    assert any("counted as failed" in w and status.upper() in w for w in history.warnings) is warned


TIMES = [
    # (start_time, end_time, column, words)
    ("0001-01-01T00:00:00Z", "", "start_time", "outside the years"),
    ("0001-01-01T00:00:00+01:00", "", "start_time", "outside the years"),
    ("9999-12-31T23:59:59Z", "", "start_time", "outside the years"),
    ("9999-12-31T23:59:59-01:00", "", "start_time", "outside the years"),
    ("2100-01-01T00:00:00Z", "", "start_time", "outside the years"),
    ("1999-12-31T23:59:59Z", "", "start_time", "outside the years"),
    ("1970-01-01T00:00:00Z", "", "start_time", "outside the years"),
    ("20000-01-01T00:00:00Z", "", "start_time", "not an ISO-8601 time"),
    ("2026-01-01T00:00:00Z", "9999-01-01T00:00:00Z", "end_time", "outside the years"),
    ("2026-01-01T00:00:00Z", "2026-01-09T00:00:00Z", "end_time", "more than a week"),
]


@pytest.mark.parametrize(("start", "end", "column", "words"), TIMES)
def test_times_outside_the_window_are_refused(
    tmp_path: Path, start: str, end: str, column: str, words: str
) -> None:
    path = runs_csv(tmp_path, "b,2026-01-01T00:00:00Z,,3,", f"a,{start},{end},,")
    with pytest.raises(InputError) as info:
        read_history(path)
    assert words in info.value.problem
    assert (info.value.where.row, info.value.where.column) == (3, column)
    if "outside" in words:
        assert "2000-01-01 to before 2100-01-01" in info.value.problem  # the rule is stated


@pytest.mark.parametrize(
    ("old", "new", "row"),
    [
        ("2005-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 2),
        ("2026-01-01T00:00:00Z", "2099-06-01T00:00:00Z", 2),
        ("2000-01-01T00:00:00Z", "2099-12-31T00:00:00Z", 2),
    ],
)
def test_runs_decades_apart_are_refused_naming_both(
    tmp_path: Path, old: str, new: str, row: int
) -> None:
    path = runs_csv(tmp_path, f"a,{old},,3,", f"a,{new},,3,", f"b,{old},,4,")
    with pytest.raises(InputError) as info:
        read_history(path)
    assert info.value.where.row == row and "row 3" in info.value.problem
    assert "within ten years" in info.value.problem


def test_runs_nearly_ten_years_apart_are_read(tmp_path: Path) -> None:
    history = read_history(
        runs_csv(tmp_path, "a,2016-06-01T00:00:00Z,,3,", "a,2026-05-01T00:00:00Z,,5,")
    )
    assert history.runs["a"].duration_s.tolist() == [3.0, 5.0]


NUMBERS = [
    ("duration_s", "604801", "more than a week"),
    ("duration_s", "1e308", "more than a week"),
    ("duration_s", "-0.5", "negative"),
    ("duration_s", "inf", "not a finite number"),
    ("duration_s", "true", "not a number"),
    ("duration_s", "1e999", "not a finite number"),
    ("rows_written", "-1", "negative"),
    ("rows_written", "2e15", "10^15 rows"),
    ("rows_written", "nan", "not a finite number"),
    ("bytes_written", "1e19", "10^18 bytes"),
    ("bytes_written", "-3", "negative"),
    ("bytes_written", "lots", "not a number"),
]


@pytest.mark.parametrize(("column", "text", "words"), NUMBERS)
def test_numbers_are_finite_and_bounded(tmp_path: Path, column: str, text: str, words: str) -> None:
    head = "table,start_time,duration_s,rows_written,bytes_written\n"
    cells = {"duration_s": "3", "rows_written": "10", "bytes_written": "100", column: text}
    row = f"a,2026-01-01T00:00:00Z,{cells['duration_s']},{cells['rows_written']},"
    path = runs_csv(tmp_path, row + cells["bytes_written"], head=head)
    with pytest.raises(InputError) as info:
        read_history(path)
    assert words in info.value.problem
    assert (info.value.where.row, info.value.where.column) == (2, column)


_CELLS = {
    "start_time": st.sampled_from(
        [
            "2026-01-01T00:00:00Z",
            "2026-03-01T10:00:00+02:00",
            "1990-01-01",
            "9999-12-31",
            "0001-01-01T00:00:00+01:00",
            "2099-12-31T23:59:59Z",
            "x",
            "",
        ]
    ),
    "duration_s": st.sampled_from(["3", "0", "-1", "nan", "1e308", "604800", "", "true", "1e999"]),
    "rows_written": st.sampled_from(["", "0", "5", "-5", "1e16", "inf"]),
    "status": st.sampled_from(["COMPLETED", "", "FAILURE", "ERRORED", "weird", "RUNNING"]),
}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries(_CELLS), min_size=1, max_size=6))
def test_any_history_is_read_within_bounds_or_refused(rows: list[dict[str, str]]) -> None:
    """Property: whatever the cells, a history is refused with an InputError naming a row,
    or read with every time in the window and every number finite and in range."""
    import tempfile

    from balancer.io.runvalues import EARLIEST, LATEST, SPAN_DAYS
    from balancer.model import MAX_RUN_S

    text = "table,start_time,duration_s,rows_written,status\n" + "".join(
        f"a,{r['start_time']},{r['duration_s']},{r['rows_written']},{r['status']}\n" for r in rows
    )
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), text)
        try:
            history = read_history(path)
        except InputError as exc:
            assert exc.where.file == str(path) and exc.where.row is not None
            return
    runs = history.runs["a"]
    assert EARLIEST.timestamp() <= runs.start.min() and runs.start.max() < LATEST.timestamp()
    assert runs.start.max() - runs.start.min() <= SPAN_DAYS * 86_400
    assert ((runs.duration_s >= 0) & (runs.duration_s <= MAX_RUN_S)).all()
    known = runs.rows_written[~np.isnan(runs.rows_written)]
    assert ((known >= 0) & (known <= 1e15)).all()
