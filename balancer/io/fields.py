"""Typed reading of one JSON document an input holds (plan.json): every field read with its
type and range, every refusal an InputError naming the file and the field's path
(`pipelines[2].load_s`), so no hand edit reaches the code that trusts the document."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, NoReturn

from balancer.errors import InputError, Location
from balancer.schedules import cron_problem

_MISSING: Any = object()
MAX_SECONDS = 10**12  # no plan's number of seconds is this large: one is a mistake


def kind_of(value: Any) -> str:
    """A JSON type's name, as a person editing the file sees it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


class Fields:
    """One JSON object of a document, at `at` (e.g. `pipelines[2]`) in the file `path`."""

    def __init__(self, value: Any, path: str, at: str, fix: str) -> None:
        self.path, self.at, self.fix = path, at, fix
        if not isinstance(value, dict):
            self.refuse("", f"is {kind_of(value)}, not an object")
        self.value: dict[str, Any] = value

    def where(self, name: str) -> Location:
        column = f"{self.at}.{name}" if self.at and name else self.at or name
        return Location(self.path or None, column=column or None)

    def refuse(self, name: str, problem: str) -> NoReturn:
        label = f"{self.at}.{name}" if self.at and name else self.at or name
        raise InputError(f"field {label} {problem}.", fix=self.fix, where=self.where(name))

    def get(self, name: str, default: Any = _MISSING) -> Any:
        if name in self.value:
            return self.value[name]
        if default is _MISSING:
            self.refuse(name, "is missing")
        return default

    def only(self, *names: str) -> None:
        """Refuse a key that is none of `names` (a typo would otherwise be dropped silently)."""
        unknown = sorted(set(self.value) - set(names))
        if unknown:
            self.refuse(unknown[0], f"is not a field of {self.at or 'the document'}")

    def text(self, name: str, default: Any = _MISSING, choices: tuple[str, ...] = ()) -> str:
        value = self.get(name, default)
        if not isinstance(value, str):
            self.refuse(name, f"is {kind_of(value)}, not text")
        if choices and value not in choices:
            self.refuse(name, f"is {value[:80]!r}, not one of {', '.join(choices)}")
        return value

    def optional_text(self, name: str) -> str | None:
        return None if self.get(name, None) is None else self.text(name)

    def schedule(self, name: str) -> str:
        cron = self.text(name)
        problem = cron_problem(cron)
        if problem:
            self.refuse(name, f"is not a schedule: {problem.rstrip('.')}")
        return cron

    def number(
        self, name: str, default: Any = _MISSING, low: float = 0, high: float = MAX_SECONDS
    ) -> Any:
        """A finite number from `low` to `high`, as written (an int stays an int)."""
        value = self.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.refuse(name, f"is {kind_of(value)}, not a number")
        if not math.isfinite(value):
            self.refuse(name, f"is {value!r}, not a finite number")
        if not low <= value <= high:
            self.refuse(name, f"is {value:g}; it must be from {low:g} to {high:g}")
        return value

    def optional_number(self, name: str, low: float = 0, high: float = MAX_SECONDS) -> Any:
        return None if self.get(name, None) is None else self.number(name, low=low, high=high)

    def integer(
        self, name: str, default: Any = _MISSING, low: int = 0, high: int = MAX_SECONDS
    ) -> int:
        value = self.number(name, default, low, high)
        if value != int(value):
            self.refuse(name, f"is {value:g}, not a whole number")
        return int(value)

    def texts(self, name: str, default: Any = _MISSING) -> tuple[str, ...]:
        value = self.get(name, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            self.refuse(name, f"is {kind_of(value)}; it must be a list of text")
        return tuple(value)

    def text_pairs(self, name: str) -> tuple[tuple[str, str], ...]:
        """An object of text values (absent: empty), in its order."""
        value = self.get(name, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.refuse(name, f"is {kind_of(value)}; it must be an object of text values")
        return tuple(value.items())

    def object(self, name: str, default: Any = _MISSING) -> Fields:
        label = f"{self.at}.{name}" if self.at else name
        return Fields(self.get(name, default), self.path, label, self.fix)

    def objects(self, name: str, default: Any = _MISSING) -> Iterator[Fields]:
        value = self.get(name, default)
        if not isinstance(value, list):
            self.refuse(name, f"is {kind_of(value)}, not a list")
        label = f"{self.at}.{name}" if self.at else name
        for k, item in enumerate(value):
            yield Fields(item, self.path, f"{label}[{k}]", self.fix)
