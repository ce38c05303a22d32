"""Every terminal table fits its width: no line wider, no cell cut with an ellipsis, no cell
lost (a wide table splits into several, each with the name column)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.analysis.text_table import fitted_tables, two_lines
from balancer.terminal import console

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=30)
_FIGURE = st.text(alphabet="0123456789hms ", min_size=1, max_size=9).map(str.strip).filter(bool)


def _rendered(headers: list[str], rows: list[list[str]], width: int) -> str:
    out = console(width)
    out.width = width
    with out.capture() as cap:
        for part in fitted_tables(headers, rows, width=width):
            out.print(part)
    text: str = cap.get()
    return text


@settings(max_examples=80, deadline=None)
@given(
    columns=st.integers(min_value=2, max_value=14),
    data=st.data(),
    width=st.integers(min_value=60, max_value=160),
)
def test_any_table_fits_and_keeps_every_cell(columns: int, data: st.DataObject, width: int) -> None:
    headers = [two_lines(h) for h in data.draw(st.lists(_WORD, min_size=columns, max_size=columns))]
    rows = [
        [
            data.draw(_WORD),
            *data.draw(st.lists(_FIGURE, min_size=columns - 1, max_size=columns - 1)),
        ]
        for _ in range(data.draw(st.integers(min_value=1, max_value=6)))
    ]
    text = _rendered(headers, rows, width)
    assert "…" not in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    # the name column, folded lines joined back: each line's text before its first gap
    names = "".join(line.strip().split("  ")[0] for line in text.splitlines())
    for row in rows:
        for cell in row[1:]:
            assert cell in text
        assert row[0] in names


def test_two_lines_splits_near_the_middle() -> None:
    assert two_lines("fits schedules") == "fits\nschedules"
    assert two_lines("compute/day") == "compute/day"
    assert two_lines("a b c d") == "a b\nc d"
