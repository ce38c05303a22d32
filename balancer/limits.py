"""What values a setting takes, declared once beside the field (`limit`) and checked by the
type itself (`setting_problem`); the CLI's options read the same declarations, so the Python
API and the command line refuse a value with the same words."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bound:
    """What values one setting takes: a range (`open_low`: the low end excluded), whole
    numbers only, one of `choices`, or None when `optional`; `flag` is its CLI option ("" for
    settings only the Python API and plan.json set)."""

    flag: str
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    integer: bool = False
    choices: tuple[str, ...] = ()
    optional: bool = False
    kind: type = float


def limit(flag: str, **bound: Any) -> dict[str, Bound]:
    """Field metadata: `field(default=..., metadata=limit("--flag", low=..., ...))`."""
    return {"bound": Bound(flag, **bound)}


def setting_problem(bound: Bound, value: Any) -> str | None:
    """What is wrong with `value` for a setting, in the words the CLI uses too; None if fine."""
    if value is None:
        return None if bound.optional else "a value is required"
    if bound.kind is bool:
        return None if isinstance(value, bool) else f"{value!r} is not true or false"
    if bound.kind is str:
        if not isinstance(value, str):
            return f"{value!r} is not text"
        if bound.choices and value not in bound.choices:
            return f"{value!r} is not one of {', '.join(bound.choices)}"
        return None if value.strip() else "it is empty"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{value!r} is not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if bound.integer and value != int(value):
        return f"{_shown(value)} is not a whole number"
    if bound.low is not None and (value < bound.low or (bound.open_low and value == bound.low)):
        return f"{_shown(value)} must be {'>' if bound.open_low else '>='} {bound.low:g}"
    if bound.high is not None and value > bound.high:
        return f"{_shown(value)} must be <= {bound.high:g}"
    return None


def _shown(value: int | float) -> str:
    """A number as a message shows it: `g` format, or the first digits of an integer too large
    for a float (Python's integers have no bound; compared as integers, never converted)."""
    if isinstance(value, int) and abs(value) >= 10**15:
        digits = str(value)
        return f"{digits[:12]}... ({len(digits.lstrip('-'))} digits)"
    return f"{value:g}"
