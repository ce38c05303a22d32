"""The one error hierarchy of lakeflow-balancer.

    BalancerError                 base; never raised itself
    ├── InputError                bad input: file, row, column, what is wrong, how to fix (exit 2)
    │   └── InfeasibleError       inputs that no plan can satisfy; names the tables and rules (exit 2)
    ├── SolverError               the solver could not finish properly; carries the best plan (exit 3)
    └── RemoteError               Databricks refused or failed a call; says what was done before (exit 4)

The CLI maps each class to its exit code (`exit_code`); nothing else in the package calls
`sys.exit`. Messages are complete sentences meant for a person at a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class BalancerError(Exception):
    """Base of every error the package raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class Location:
    """Where in an input a problem is: file, 1-based data row (header is row 1), column."""

    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)


class InputError(BalancerError):
    """An input file or setting is wrong. Exit code 2."""

    exit_code = 2

    def __init__(self, problem: str, *, fix: str = "", where: Location | None = None) -> None:
        self.problem = problem
        self.fix = fix
        self.where = where or Location()
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        text = f"{self.where}: {self.problem}" if str(self.where) else self.problem
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class InfeasibleError(InputError):
    """The inputs contradict each other: no assignment meets every rule."""


class SolverError(BalancerError):
    """The solver ended without a plan it can stand behind. Exit code 3.

    `best_plan`, when not None, is the best plan found; the CLI still writes it.
    """

    exit_code = 3

    def __init__(self, message: str, best_plan: Any = None) -> None:
        self.best_plan = best_plan
        super().__init__(message)


class RemoteError(BalancerError):
    """A call to the Databricks workspace failed. Exit code 4.

    `done` lists the calls that completed before the failure, so nothing half-done is
    reported as done.
    """

    exit_code = 4

    def __init__(self, message: str, done: tuple[str, ...] = ()) -> None:
        self.done = done
        super().__init__(message)
