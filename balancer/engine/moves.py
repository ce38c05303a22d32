"""The moves model: from the plan in use to one within a target runtime, moving the least.

A CP-SAT model of its own (the solve stages are in `cpsat`): every item goes to a pipeline
of its pool (pins and frozen pipelines respected), no pipeline exceeds the target runtime,
every rule of `RULES` posts itself (table cap, apart, SLA, non-empty: the same rules as a
fresh plan), the move caps hold, and the moved weight is smallest. The current assignment
is the hint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from balancer.engine.cpmodel import MovesContext
from balancer.engine.instance import Instance, Item
from balancer.engine.repair import Caps, Shedding, repair, shed_bound
from balancer.engine.rules import RULES
from balancer.engine.rules.schedule_fit import load_cap as fit_cap_of
from balancer.errors import SolverError
from balancer.model import Plan, Settings

MOVES_GAP = 0.01  # a rebalance stops within 1% of the least moved weight, and says so


@dataclass(frozen=True)
class MoveCaps:
    """Limits on a rebalance: moves in all, moves in or out of one pipeline, frozen pipelines."""

    max_moves: int | None = None
    max_moves_per_pipeline: int | None = None
    freeze: tuple[str, ...] = ()


def fewest_moves(
    instance: Instance,
    current: Plan,
    weights: Mapping[str, float],
    settings: Settings,
    target_runtime: int,
    caps: MoveCaps,
    time_limit_s: float,
    least_load: bool = False,
    wall_limit_s: float | None = None,
) -> tuple[dict[str, str], str] | None:
    """CP-SAT: every item to a pipeline of its pool, runtime <= target, least moved weight
    (with `least_load`: the smallest longest load instead, what the pipelines as they are
    can reach at best). `wall_limit_s` (from a clock at the edge) also caps its wall time.

    Returns (table -> pipeline key, status), or None when no assignment meets the caps.
    """
    from ortools.sat.python import cp_model

    where = current.pipeline_of()
    keys = [p.key for p in current.pipelines]
    mixed = settings.allow_mixed_schedules
    pool_of_key = {
        p.key: p.group if mixed else f"{p.group}@{p.schedule}" for p in current.pipelines
    }
    load_cap = max(0, target_runtime - settings.overhead_s) * settings.concurrency
    m = cp_model.CpModel()
    v = _variables(m, instance, where, keys, pool_of_key, caps.freeze, weights)
    x, objective, moved_out, moved_in = v.x, v.objective, v.moved_out, v.moved_in
    homes, allowed_of, coefficient, all_moved = v.homes, v.allowed, v.coefficient, v.all_moved
    ctx = MovesContext(
        m,
        instance.items,
        tuple(keys),
        x,
        settings.max_tables_per_pipeline,
        {p.key: p.schedule for p in current.pipelines},
        settings,
    )
    longest = _post_target(ctx, load_cap, least_load)
    for rule in RULES:  # the same rules as every plan
        rule.post_moves(ctx)
    per_pipeline = caps.max_moves_per_pipeline
    for k in keys if per_pipeline is not None else ():
        m.add(sum(moved_out[k]) + sum(moved_in[k]) <= per_pipeline)
    if caps.max_moves is not None:
        m.add(sum(all_moved) <= caps.max_moves)
    start: Mapping[int, str | None] = homes
    if longest is None:
        fit = {k: fit_cap_of(ctx.schedule_of.get(k, ""), settings) for k in keys}
        limits = Caps(load_cap, fit, settings.max_tables_per_pipeline)
        start = _repair_and_bound(ctx, homes, allowed_of, limits, coefficient, objective)
    for (i, k), var in x.items():
        m.add_hint(var, 1 if start.get(i) == k else 0)
    m.minimize(longest if longest is not None else sum(objective))
    solver, status = _solve(m, settings, time_limit_s, wall_limit_s)
    if status == cp_model.INFEASIBLE:
        return None
    assign = {
        t: k for (i, k), var in x.items() if solver.value(var) for t in instance.items[i].tables
    }
    return assign, _status(solver, status == cp_model.OPTIMAL)


@dataclass
class _Vars:
    """The moves model's variables: x[(item, key)], the moved-weight terms and who moved."""

    x: dict[tuple[int, str], Any] = field(default_factory=dict)
    objective: list[Any] = field(default_factory=list)
    coefficient: dict[int, int] = field(default_factory=dict)
    homes: dict[int, str | None] = field(default_factory=dict)
    allowed: dict[int, list[str]] = field(default_factory=dict)
    moved_out: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    moved_in: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    all_moved: list[Any] = field(default_factory=list)


def _variables(
    m: Any,
    instance: Instance,
    where: Mapping[str, str],
    keys: list[str],
    pool_of_key: Mapping[str, str],
    freeze: tuple[str, ...],
    weights: Mapping[str, float],
) -> _Vars:
    """One boolean per item and pipeline it may go to; exactly one per item."""
    v = _Vars()
    scale = max(weights.values()) / 1000.0 if weights else 1.0
    for i, item in enumerate(instance.items):
        home = where.get(item.tables[0])
        allowed = _allowed(item, home, keys, pool_of_key, freeze)
        v.homes[i], v.allowed[i] = home, allowed
        v.coefficient[i] = max(1, round(sum(weights[t] for t in item.tables) / scale))
        row = [m.new_bool_var(f"x{i}_{k}") for k in allowed]
        for k, var in zip(allowed, row, strict=True):
            v.x[(i, k)] = var
            if home is not None and k != home:
                v.objective.append(v.coefficient[i] * var)
                v.moved_out[home].append(var)
                v.moved_in[k].append(var)
                v.all_moved.append(var)
        m.add_exactly_one(row)
    return v


def _repair_and_bound(
    ctx: MovesContext,
    homes: dict[int, str | None],
    allowed: dict[int, list[str]],
    limits: Caps,
    coefficient: dict[int, int],
    objective: list[Any],
) -> Mapping[int, str | None]:
    """The greedy repair as the start (else the plan in use) and the shed bound as a floor
    of the moved weight."""
    problem = Shedding(ctx.items, homes, allowed, ctx.keys, limits, coefficient)
    if objective:
        ctx.model.add(sum(objective) >= shed_bound(problem))
    return repair(problem) or homes


def _status(solver: Any, optimal: bool) -> str:
    """OPTIMAL when the least moved weight is proven, else the gap to the bound."""
    value, bound = solver.objective_value, solver.best_objective_bound
    gap = (value - bound) / value if value > 0 else 0.0
    if optimal and gap <= 1e-9:
        return "OPTIMAL"
    return f"FEASIBLE (within {gap:.1%} of the least moved weight)"


def _post_target(ctx: MovesContext, load_cap: int, least_load: bool) -> Any:
    """Every pipeline's load within the target (what makes this a rebalance); with
    `least_load`, also a variable above every load, to minimize."""
    m = ctx.model
    longest = m.new_int_var(0, sum(it.cost for it in ctx.items), "longest") if least_load else None
    for k in ctx.keys:
        load = sum(ctx.items[i].cost * var for i, var in ctx.on(k))
        m.add(load <= load_cap)
        if longest is not None:
            m.add(load <= longest)
    return longest


def _allowed(
    item: Item,
    home: str | None,
    keys: list[str],
    pool_of_key: Mapping[str, str],
    freeze: tuple[str, ...],
) -> list[str]:
    """The pipelines an item may go to: of its pool, its pin if it has one; an item of a frozen
    pipeline stays, and none moves into one."""
    allowed = [k for k in keys if pool_of_key[k] == item.pool]
    if item.pin:
        allowed = [item.pin] if item.pin in keys else allowed
    allowed = [home] if home in freeze else [k for k in allowed if k not in freeze]
    if not allowed:
        allowed = [home] if home else keys[:1]
    return allowed


def _solve(
    model: Any, settings: Settings, time_limit_s: float, wall_limit_s: float | None
) -> tuple[Any, Any]:
    """Solve the moves model; a time-out without any assignment is a SolverError."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = time_limit_s
    if wall_limit_s is not None:
        solver.parameters.max_time_in_seconds = max(0.01, wall_limit_s)
    # One worker: OR-Tools 9.15 aborts the process on this model with interleaved search
    # ("Check failed: heuristics.fixed_search != nullptr", tests/test_hostile_inputs.py
    # reproduces it), and parallel search without interleaving is not deterministic.
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = settings.seed
    # Stop once the moved weight is within this of the bound; the gap is reported.
    solver.parameters.relative_gap_limit = MOVES_GAP
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE):
        raise SolverError(
            f"the moves model found no assignment within {time_limit_s:g} s "
            f"({solver.status_name(status)}); the current plan stays as it is.",
        )
    return solver, status
