"""The CP-SAT variables rules post against, for both models: a pool's staged model
(`ModelContext`: alike items counted per pipeline) and the moves model (`MovesContext`: one
boolean per item and pipeline). This module imports no rule, so rules can use its types."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from balancer.engine.instance import Item
from balancer.engine.pool import PoolProblem
from balancer.model import Settings


@dataclass(frozen=True)
class ItemType:
    """Alike items: `members` are item indices, all with the same cost, size, categories."""

    cost: int
    size: int
    categories: tuple[str, ...]
    apart: frozenset[str]
    members: tuple[int, ...]
    fit_cost: int = 0


class ModelContext:
    """The variables constraints post against: y[t][b] counts, loads, bin preloads."""

    def __init__(self, problem: PoolProblem) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        n_bins = problem.n_bins
        self.pre_load = [0] * n_bins
        self.pre_fit = [0] * n_bins
        self.pre_size = [0] * n_bins
        self.pre_count = [0] * n_bins
        self.pre_labels: list[set[str]] = [set() for _ in range(n_bins)]
        self.pre_categories: list[set[str]] = [set() for _ in range(n_bins)]
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for i in range(problem.n_items):
            pin = problem.pins[i]
            if pin is not None:
                self.pre_load[pin] += problem.costs[i]
                self.pre_fit[pin] += problem.fit_costs[i]
                self.pre_size[pin] += problem.sizes[i]
                self.pre_count[pin] += 1
                self.pre_labels[pin].update(problem.apart[i])
                self.pre_categories[pin].update(problem.categories[i])
                continue
            if problem.apart[i]:
                key: tuple[Any, ...] = ("single", i)
            else:
                key = (
                    "alike",
                    problem.costs[i],
                    problem.fit_costs[i],
                    problem.sizes[i],
                    problem.categories[i],
                )
            groups[key].append(i)
        self.types: list[ItemType] = []
        for members in sorted(groups.values()):
            i = members[0]
            self.types.append(
                ItemType(
                    problem.costs[i],
                    problem.sizes[i],
                    problem.categories[i],
                    problem.apart[i],
                    tuple(members),
                    problem.fit_costs[i],
                )
            )
        m = self.model
        self.y: list[list[Any]] = []
        for t, typ in enumerate(self.types):
            count = len(typ.members)
            if count == 1:
                row = [m.new_bool_var(f"y{t}_{b}") for b in range(n_bins)]
            else:
                row = [m.new_int_var(0, count, f"y{t}_{b}") for b in range(n_bins)]
            m.add(sum(row) == count)
            self.y.append(row)
        top = self.pre_load_max_possible()
        self.loads = [m.new_int_var(self.pre_load[b], top, f"load{b}") for b in range(n_bins)]
        for b in range(n_bins):
            m.add(
                self.loads[b]
                == self.pre_load[b]
                + sum(typ.cost * self.y[t][b] for t, typ in enumerate(self.types))
            )

    def fit_load(self, b: int) -> Any:
        """Bin b's p90 load as a linear expression (what schedule fit caps)."""
        return self.pre_fit[b] + sum(
            typ.fit_cost * self.y[t][b] for t, typ in enumerate(self.types)
        )

    def pre_load_max_possible(self) -> int:
        return max(self.pre_load) + self.problem.total

    def hint(self, assignment: list[int]) -> None:
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        counts = self._counts(assignment)
        for t in range(len(self.types)):
            for b in range(self.problem.n_bins):
                self.model.add_hint(self.y[t][b], counts[t][b])

    def _counts(self, assignment: list[int]) -> list[list[int]]:
        counts = [[0] * self.problem.n_bins for _ in self.types]
        for t, typ in enumerate(self.types):
            for i in typ.members:
                counts[t][assignment[i]] += 1
        return counts

    def assignment_from(self, solver: cp_model.CpSolver) -> list[int]:
        assign = [-1] * self.problem.n_items
        for i, pin in enumerate(self.problem.pins):
            if pin is not None:
                assign[i] = pin
        for t, typ in enumerate(self.types):
            members = list(typ.members)
            for b in range(self.problem.n_bins):
                for _ in range(solver.value(self.y[t][b])):
                    assign[members.pop(0)] = b
        return assign


@dataclass
class MovesContext:
    """The moves model: `x[(i, key)]` says item i goes to pipeline `key`; `cap` caps loads."""

    model: Any
    items: tuple[Item, ...]
    keys: tuple[str, ...]
    x: dict[tuple[int, str], Any] = field(default_factory=dict)
    max_tables: int | None = None
    schedule_of: dict[str, str] = field(default_factory=dict)  # pipeline key -> schedule
    settings: Settings | None = None

    def on(self, key: str) -> list[tuple[int, Any]]:
        """(item index, variable) of every item that may go to pipeline `key`."""
        return [(i, var) for (i, k), var in self.x.items() if k == key]
