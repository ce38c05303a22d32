"""Hostile scalar values: cells of a CSV, values of an option, fields of a JSON file.

Each strategy mixes hand-picked values that broke or nearly broke the readers before
(issue 18's families) with generated ones, so a short run meets the known traps and a long
run keeps exploring.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from hypothesis import strategies as st

TERMINAL = (
    "\x1b[2J\x1b[31mred",
    "\x1b]0;pwned\x07",
    "\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\",
    "nul\x00byte",
    "bell\x07",
    "\x9b31m",
    "\u202eevil\u202c",
    "\u2066iso\u2069",
    "back\bspace",
    "car\rriage",
    "\x85next",
)
NAMES = (
    "Orders",
    "ORDERS",
    "caf\u00e9",
    unicodedata.normalize("NFD", "caf\u00e9"),
    "../../../../Shared/evil",
    "a/b",
    "a.b",
    "with space",
    "`tick`",
    "'quote'",
    '"dq"',
    "semi;colon",
    "name\nwith: yaml",
    "x" * 256,
    "\ufeffbom",
    "-dash",
    "_",
    "\U0001f4a5",
    "{{ jinja }}",
    "${var}",
    "%s%n",
)
NUMBERS = (
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "1e309",
    "9" * 400,
    "-0",
    "0",
    "-1",
    "0.0000001",
    "1_000",
    "0x10",
    " 5 ",
    "true",
    "",
    "1,5",
    "\u0665",
)
DATES = (
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59Z",
    "2099-06-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "1900-01-01T00:00:00Z",
    "20000-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-10-01T25:00:00Z",
    "2026-10-01T00:00:00+25:00",
    "2026-10-01",
    "1767225600",
    "yesterday",
    "",
)
STATUSES = (
    "COMPLETED",
    "FAILED",
    "FAILURE",
    "ERRORED",
    "completed",
    "Success",
    "RUNNING",
    "SKIPPED",
    "CANCELED",
    "",
    "\x00",
)


@st.composite
def arguments(
    draw: st.DrawFn,
    options: Mapping[str, st.SearchStrategy[str]],
    min_size: int = 1,
    max_size: int = 3,
) -> list[str]:
    """Command-line arguments: a few of `options` (flag -> strategy of its hostile value),
    each followed by a value drawn from its strategy (labelled with the flag)."""
    chosen = draw(
        st.lists(
            st.sampled_from(sorted(options)), min_size=min_size, max_size=max_size, unique=True
        )
    )
    return [a for flag in chosen for a in (flag, draw(options[flag], label=flag))]


def text() -> st.SearchStrategy[str]:
    """Any hostile string: terminal payloads, odd names, numbers, or generated text."""
    return st.one_of(
        st.sampled_from(TERMINAL + NAMES + NUMBERS),
        st.text(max_size=40),
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=8).map(lambda s: s * 700),
    )


def number() -> st.SearchStrategy[str]:
    """A number as text: out of range, not finite, not a number, or a generated float."""
    return st.one_of(
        st.sampled_from(NUMBERS),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-(10**30), 10**30).map(str),
    )


def date() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(DATES),
        st.datetimes().map(lambda d: d.isoformat() + "Z"),
    )


def status() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(STATUSES), st.text(max_size=12))


_FIELD = st.sampled_from(
    (
        "*",
        "?",
        "L",
        "W",
        "LW",
        "0",
        "5",
        "59",
        "60",
        "1-5",
        "5-1",
        "*/15",
        "*/0",
        "0-59/7",
        "1,15",
        "5#3",
        "5L",
        "15W",
        "MON-FRI",
        "JAN",
        "SUN#2",
        "-1",
        "99999",
        "",
        "**",
        "1-",
    )
)
CRONS = (
    "0 0 L * *",
    "0 0 ? * *",
    "0 0 * * 5#3",
    "0 0 15W * *",
    "0 0 31 2 *",
    "*/0 * * * *",
    "@daily",
    "@reboot",
    "* * * * * *",
    "0 0 * * * * *",
    "not a cron",
    "",
    "0 0 * * MON-FRI",
    "0 0 LW * *",
    "*/1 * * * *",
)


def cron() -> st.SearchStrategy[str]:
    """A cron of every field syntax (L, ?, #, W, ranges, steps, names), and broken ones."""
    fields = st.lists(_FIELD, min_size=4, max_size=7).map(" ".join)
    return st.one_of(st.sampled_from(CRONS), fields)


def cell() -> st.SearchStrategy[str]:
    """A value for any cell: text, a number, a date, a status or a cron."""
    return st.one_of(text(), number(), date(), status(), cron())
