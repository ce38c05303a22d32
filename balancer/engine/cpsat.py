"""The CP-SAT model of one pool, solved in stages: makespan, spread, category splits.

Lean formulation: items that are alike (same cost, table count and categories, no pin and no
apart label) form one type with an integer count per bin instead of one boolean per item;
pinned items are constants. Every rule of `balancer.engine.rules.RULES` posts itself.
With `moves` it is the only place OR-Tools is imported (CI checks it), and only when a
pool needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from balancer.engine.cpmodel import ModelContext
from balancer.engine.pool import PoolProblem
from balancer.engine.rules import RULES


@dataclass(frozen=True)
class StageResult:
    status: str  # OPTIMAL | FEASIBLE | INFEASIBLE | UNKNOWN
    assignment: list[int] | None
    value: int | None
    bound: int | None
    deterministic_time: float


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
        for rule in RULES:
            rule.post(self.ctx)
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
