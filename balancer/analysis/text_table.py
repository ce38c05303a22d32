"""The one layout of every table a person reads in a terminal: no outer frame, one space of
padding, headers on up to two lines, figures never broken; when the terminal is narrower than
the table, the first (name) column and any other folding column fold onto more lines instead
of being cut with an ellipsis."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

_GAP = 2  # a column's right padding and the separator after it
_MIN_FOLD = 8


def fitted_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    width: int | None,
    title: str = "",
    footers: Sequence[str] | None = None,
    left: Collection[int] = (0,),
    folding: Sequence[int] = (0,),
) -> Any:
    """A rich table of these cells that fits `width` columns (None: its natural width).
    `left`: columns aligned left (the others are figures, aligned right); `folding`: columns
    that may fold, the first of them taking the most room."""
    from rich import box
    from rich.table import Table as RichTable

    widths = _fitted(headers, rows, footers, width, folding)
    table = RichTable(
        title=title or None,
        title_justify="left",
        show_footer=footers is not None,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        padding=(0, 1, 0, 0),
    )
    for i, header in enumerate(headers):
        table.add_column(
            header,
            footers[i] if footers is not None else "",
            justify="left" if i in left else "right",
            no_wrap=widths[i] is None,
            width=widths[i],
            overflow="fold",
        )
    for row in rows:
        table.add_row(*row)
    return table


def _fitted(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    footers: Sequence[str] | None,
    width: int | None,
    folding: Sequence[int],
) -> list[int | None]:
    """Fixed widths for the folding columns when the table is wider than `width`: the others
    keep their natural width; the later folding columns get up to a third of what is left
    each, the first the rest (at least _MIN_FOLD each)."""
    foot = list(footers) if footers is not None else [""] * len(headers)
    natural = [
        max(len(part) for cell in (h, f, *(r[i] for r in rows)) for part in cell.split("\n"))
        for i, (h, f) in enumerate(zip(headers, foot, strict=True))
    ]
    if width is None or sum(natural) + _GAP * len(natural) <= width:
        return [None] * len(headers)
    fixed = sum(n + _GAP for i, n in enumerate(natural) if i not in folding)
    room = max(_MIN_FOLD * len(folding), width - fixed - _GAP * len(folding))
    out: list[int | None] = [None] * len(headers)
    rest = room
    for i in folding[1:]:
        out[i] = max(_MIN_FOLD, min(natural[i], room // 3))
        rest -= out[i] or 0
    out[folding[0]] = max(_MIN_FOLD, rest)
    return out


def two_lines(header: str) -> str:
    """A header of several words on two lines, split near its middle."""
    words = header.split(" ")
    if len(words) < 2:
        return header
    cut = min(range(1, len(words)), key=lambda k: abs(len(" ".join(words[:k])) - len(header) / 2))
    return " ".join(words[:cut]) + "\n" + " ".join(words[cut:])


def fitted_tables(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    width: int | None,
    left: Collection[int] = (0,),
) -> list[Any]:
    """As `fitted_table` with the first column folding, or, when even that does not fit
    `width`, several tables one below the other, each the first column and as many of the
    next columns as fit: a wide comparison never loses a column to the terminal's edge."""
    natural = [
        max(len(part) for cell in (h, *(r[i] for r in rows)) for part in cell.split("\n"))
        for i, h in enumerate(headers)
    ]
    first = min(natural[0], max(_MIN_FOLD, (width or 0) // 4))
    if width is None or first + _GAP + sum(n + _GAP for n in natural[1:]) <= width:
        return [fitted_table(headers, rows, width=width, left=left)]
    groups: list[list[int]] = [[]]
    used = first + _GAP
    for i in range(1, len(headers)):
        if groups[-1] and used + natural[i] + _GAP > width:
            groups.append([])
            used = first + _GAP
        groups[-1].append(i)
        used += natural[i] + _GAP
    tables = []
    for group in groups:
        keep = [0, *group]
        tables.append(
            fitted_table(
                [headers[i] for i in keep],
                [[r[i] for i in keep] for r in rows],
                width=width,
                left=[k for k, i in enumerate(keep) if i in left],
            )
        )
    return tables
