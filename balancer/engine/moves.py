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
from dataclasses import dataclass
from typing import Any

from balancer.engine.cpmodel import MovesContext
from balancer.engine.instance import Instance, Item
from balancer.engine.repair import Caps, repair, shed_bound
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
) -> tuple[dict[str, str], str] | None:
    """CP-SAT: every item to a pipeline of its pool, runtime <= target, least moved weight
    (with `least_load`: the smallest longest load instead, what the pipelines as they are
    can reach at best).

    Returns (table -> pipeline key, status), or None when no assignment meets the caps.
    """
    from ortools.sat.python import cp_model

    where = current.pipeline_of()
    keys = [p.key for p in current.pipelines]
    pool_of_key = {}
    for p in current.pipelines:
        pool_of_key[p.key] = (
            f"{p.group}@{p.schedule}" if not settings.allow_mixed_schedules else p.group
        )
    load_cap = max(0, target_runtime - settings.overhead_s) * settings.concurrency
    m = cp_model.CpModel()
    x: dict[tuple[int, str], cp_model.IntVar] = {}
    scale = max(weights.values()) / 1000.0 if weights else 1.0
    objective = []
    coefficient: dict[int, int] = {}
    homes: dict[int, str | None] = {}
    allowed_of: dict[int, list[str]] = {}
    moved_out: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    moved_in: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    all_moved = []
    for i, item in enumerate(instance.items):
        home = where.get(item.tables[0])
        allowed = _allowed(item, home, keys, pool_of_key, caps.freeze)
        homes[i], allowed_of[i] = home, allowed
        coefficient[i] = max(1, round(sum(weights[t] for t in item.tables) / scale))
        row = [m.new_bool_var(f"x{i}_{k}") for k in allowed]
        for k, var in zip(allowed, row, strict=True):
            x[(i, k)] = var
            if home is not None and k != home:
                objective.append(coefficient[i] * var)
                moved_out[home].append(var)
                moved_in[k].append(var)
                all_moved.append(var)
        m.add_exactly_one(row)
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
    for k in keys:
        if caps.max_moves_per_pipeline is not None:
            m.add(sum(moved_out[k]) + sum(moved_in[k]) <= caps.max_moves_per_pipeline)
    if caps.max_moves is not None:
        m.add(sum(all_moved) <= caps.max_moves)
    start: Mapping[int, str | None] = homes
    if longest is None:
        fit = {k: fit_cap_of(ctx.schedule_of.get(k, ""), settings) for k in keys}
        limits = Caps(load_cap, fit, settings.max_tables_per_pipeline)
        args = (instance.items, homes, allowed_of, keys, limits, coefficient)
        start = repair(*args) or homes
        if objective:
            m.add(sum(objective) >= shed_bound(*args))
    for (i, k), var in x.items():
        m.add_hint(var, 1 if start.get(i) == k else 0)
    m.minimize(longest if longest is not None else sum(objective))
    solver, status = _solve(m, settings, time_limit_s)
    if status == cp_model.INFEASIBLE:
        return None
    assign: dict[str, str] = {}
    for (i, k), var in x.items():
        if solver.value(var):
            for t in instance.items[i].tables:
                assign[t] = k
    value, bound = solver.objective_value, solver.best_objective_bound
    gap = (value - bound) / value if value > 0 else 0.0
    if status == cp_model.OPTIMAL and gap <= 1e-9:
        return assign, "OPTIMAL"
    return assign, f"FEASIBLE (within {gap:.1%} of the least moved weight)"


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
    pool_of_key: dict[str, str],
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


def _solve(model: Any, settings: Settings, time_limit_s: float) -> tuple[Any, Any]:
    """Solve the moves model; a time-out without any assignment is a SolverError."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = time_limit_s
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
