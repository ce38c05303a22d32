"""The one way an input's JSON is read: bounded in size and depth, strict in its values.

Every JSON a user hands the tool (plan.json, event-log exports, deployment records, JSON on
the command line, JSON in a tables.csv cell) goes through `load_json`. It refuses, naming
the input:

- a document larger than `max_bytes` (MAX_FILE_BYTES for files, MAX_VALUE_BYTES for one
  value on the command line or in a cell);
- nesting deeper than `max_depth` (MAX_DEPTH): the depth is measured on the text first,
  without recursion, because `json.loads` recurses and a few thousand brackets end in a
  RecursionError;
- text that is not UTF-8 or not JSON (with the line and column);
- NaN, Infinity, numbers too large for a float, whole numbers of more than 4,300 digits;
- an object that names one key twice (JSON leaves the meaning open; Python keeps the last).

It lives below every layer that reads input (the options of a table read JSON too).
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from balancer.errors import InputError, Location

MAX_DEPTH = 64
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_VALUE_BYTES = 1024 * 1024

# A JSON string, or an unterminated one up to the end: every match consumes its text, so the
# scan stays linear whatever the input.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (brackets inside strings do not count);
    iterative and linear in the text. Past a close bracket with no open one the text is no
    JSON (the parser stops there), so the running count need not be clamped at 0."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(0, max(accumulate(map(_STEP.__getitem__, brackets)), default=0))


class _Refused(ValueError):
    """A value the strict reading refuses; the message says which."""


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:40]} is too large")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"key {key[:80]!r} appears twice in one object")
        out[key] = value
    return out


def _decoded(source: str | bytes, where: Location, what: str) -> str:
    if isinstance(source, str):
        return source
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the {what} is not UTF-8 text (byte {exc.start}).",
            fix="save it as UTF-8 JSON.",
            where=where,
        ) from None


def load_json(
    source: str | bytes,
    where: Location,
    *,
    what: str = "JSON",
    max_bytes: int = MAX_FILE_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """The JSON value of `source` (text, or UTF-8 bytes), read strictly and within bounds;
    InputError naming `where` (and the line, for a file) otherwise."""
    size = len(source) if isinstance(source, bytes) else len(source.encode("utf-8", "replace"))
    if size > max_bytes:
        raise InputError(
            f"the {what} is {size:,} bytes; at most {max_bytes:,} are read.",
            fix="check that this is the right input; split it if it really is this large.",
            where=where,
        )
    text = _decoded(source, where, what)
    depth = nesting_depth(text)
    if depth > max_depth:
        raise InputError(
            f"the {what} nests arrays and objects {depth} deep; at most {max_depth} are read.",
            fix="check that this is the right input: no input of this tool nests that deep.",
            where=where,
        )
    try:
        return json.loads(
            text, parse_constant=_constant, parse_float=_float, object_pairs_hook=_object
        )
    except json.JSONDecodeError as exc:
        at = f" (line {exc.lineno}, column {exc.colno})" if "\n" in text.strip() else ""
        raise InputError(
            f"the {what} is not valid JSON: {exc.msg.removesuffix(' at')} at character "
            f"{exc.pos}{at}.",
            fix="correct the JSON (a validator or `python -m json.tool` shows the spot).",
            where=_at_line(where, exc.lineno if at else None),
        ) from None
    except (_Refused, ValueError, RecursionError) as exc:
        raise InputError(
            f"the {what} is not JSON this tool reads: {exc}.",
            fix="write plain JSON: finite numbers, each key once.",
            where=where,
        ) from None


def _at_line(where: Location, line: int | None) -> Location:
    if line is None or where.row is not None or not where.file:
        return where
    return Location(where.file, line, where.column)
