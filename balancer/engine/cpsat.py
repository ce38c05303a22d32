"""The CP-SAT model of one pool, solved in stages: makespan, spread, category splits.

Lean formulation: items that are alike (same cost, table count and categories, no pin and no
apart label) form one type with an integer count per bin instead of one boolean per item;
pinned items are constants. Each rule adds itself through `balancer.engine.rules.*.post`.
With `moves` it is the only place OR-Tools is imported (CI checks it), and only when a
pool needs it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from balancer.engine.pool import PoolProblem
from balancer.engine.rules import apart, nonempty, sla, symmetry, table_cap


@dataclass(frozen=True)
class ItemType:
    """Alike items: `members` are item indices, all with the same cost, size, categories."""

    cost: int
    size: int
    categories: tuple[str, ...]
    apart: frozenset[str]
    members: tuple[int, ...]


@dataclass(frozen=True)
class StageResult:
    status: str  # OPTIMAL | FEASIBLE | INFEASIBLE | UNKNOWN
    assignment: list[int] | None
    value: int | None
    bound: int | None
    deterministic_time: float


class ModelContext:
    """The variables constraints post against: y[t][b] counts, loads, bin preloads."""

    def __init__(self, problem: PoolProblem) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        n_bins = problem.n_bins
        self.pre_load = [0] * n_bins
        self.pre_size = [0] * n_bins
        self.pre_count = [0] * n_bins
        self.pre_labels: list[set[str]] = [set() for _ in range(n_bins)]
        self.pre_categories: list[set[str]] = [set() for _ in range(n_bins)]
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for i in range(problem.n_items):
            pin = problem.pins[i]
            if pin is not None:
                self.pre_load[pin] += problem.costs[i]
                self.pre_size[pin] += problem.sizes[i]
                self.pre_count[pin] += 1
                self.pre_labels[pin].update(problem.apart[i])
                self.pre_categories[pin].update(problem.categories[i])
                continue
            if problem.apart[i]:
                key: tuple[Any, ...] = ("single", i)
            else:
                key = ("alike", problem.costs[i], problem.sizes[i], problem.categories[i])
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
        for rule in (nonempty, table_cap, apart, sla, symmetry):
            rule.post(self)

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


_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


def _run(
    ctx: ModelContext, time_limit: float, seed: int, workers: int, wall_limit: float | None
) -> tuple[cp_model.CpSolver, str]:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_deterministic_time = max(0.01, time_limit)
    if wall_limit is not None:
        params.max_time_in_seconds = max(0.01, wall_limit)
    params.random_seed = seed
    params.num_workers = workers
    params.interleave_search = workers > 1
    params.log_search_progress = False
    status = solver.solve(ctx.model)
    return solver, _STATUS.get(status, "UNKNOWN")


class PoolModel:
    """Stage-by-stage solving of one pool. Each stage adds the previous stage's limit."""

    def __init__(
        self, problem: PoolProblem, seed: int = 0, workers: int = 2, wall_limit: float | None = None
    ) -> None:
        self.ctx = ModelContext(problem)
        self.seed = seed
        self.workers = workers
        self.wall_limit = wall_limit
        self._makespan: Any = None
        self._min_load: Any = None

    def minimize_makespan(
        self, lower: int, upper: int, hint: list[int] | None, time_limit: float
    ) -> StageResult:
        """Minimize the largest load within [lower, upper]."""
        m = self.ctx.model
        self._makespan = m.new_int_var(lower, upper, "makespan")
        for load in self.ctx.loads:
            m.add(load <= self._makespan)
        m.minimize(self._makespan)
        return self._solve(hint, time_limit, self._makespan)

    def maximize_min_load(
        self, makespan_cap: int, hint: list[int] | None, time_limit: float
    ) -> StageResult:
        """Keep every load <= makespan_cap; maximize the smallest load (shrinks the spread)."""
        m = self.ctx.model
        for load in self.ctx.loads:
            m.add(load <= makespan_cap)
        self._min_load = m.new_int_var(0, makespan_cap, "min_load")
        for load in self.ctx.loads:
            m.add(load >= self._min_load)
        m.maximize(self._min_load)
        return self._solve(hint, time_limit, self._min_load)

    def minimize_category_touches(
        self, min_load: int, hint: list[int] | None, time_limit: float
    ) -> StageResult:
        """Keep every load >= min_load; minimize sum over categories of bins touching each."""
        ctx = self.ctx
        m = ctx.model
        if self._min_load is not None:
            m.add(self._min_load >= min_load)
        else:
            for load in ctx.loads:
                m.add(load >= min_load)
        cats = sorted(
            {c for typ in ctx.types for c in typ.categories}
            | {c for cs in ctx.pre_categories for c in cs}
        )
        touches: list[Any] = []
        for c in cats:
            for b in range(ctx.problem.n_bins):
                if c in ctx.pre_categories[b]:
                    touches.append(1)
                    continue
                z = m.new_bool_var(f"z_{c}_{b}")
                for t, typ in enumerate(ctx.types):
                    if c in typ.categories:
                        m.add(ctx.y[t][b] <= len(typ.members) * z)
                touches.append(z)
        objective = sum(touches)
        m.minimize(objective)
        result = self._solve(hint, time_limit, None)
        return result

    def _solve(self, hint: list[int] | None, time_limit: float, var: Any) -> StageResult:
        if hint is not None:
            self.ctx.hint(hint)
        solver, status = _run(self.ctx, time_limit, self.seed, self.workers, self.wall_limit)
        if status in ("OPTIMAL", "FEASIBLE"):
            value = int(solver.objective_value)
            bound = round(solver.best_objective_bound)
            return StageResult(
                status, self.ctx.assignment_from(solver), value, bound, solver.deterministic_time
            )
        return StageResult(status, None, None, None, solver.deterministic_time)
