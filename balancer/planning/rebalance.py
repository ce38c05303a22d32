"""Rebalancing with as few, as cheap moves as possible.

1. Re-estimate every table from the new history and re-cost the current plan.
2. Solve afresh with the same pipeline count: the best achievable makespan.
3. Act only when the current makespan exceeds the best by the detect threshold (hysteresis).
4. Then find the assignment within `target` of the best that moves the least weight: each
   table weighs its data size (bytes written in the history) when every table has one, else
   its predicted cost. Pipelines keep their keys; pins and frozen pipelines stay put; caps
   bound the moves in total and per pipeline.
Pure: the caller reads files and writes the proposal.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from balancer.costs import costed, integer_cost, pipeline_runtime
from balancer.engine.build import build_instance
from balancer.engine.checker import check_plan
from balancer.engine.moves import MoveCaps, fewest_moves
from balancer.errors import InputError, SolverError
from balancer.history.flows import resolve_tables
from balancer.model import (
    Catalog,
    CostEstimate,
    History,
    PipelinePlan,
    Plan,
    Settings,
    category_splits,
)
from balancer.plan_metrics import plan_metrics
from balancer.planning.planner import make_plan, planned_costs, wall_left_of, wall_noted
from balancer.planning.proposal import DEPLOY_COMMAND, Proposal, proposal_files, summary_text
from balancer.planning.runbook import Move
from balancer.planning.stagger import staggered_pipelines
from balancer.units import format_duration

__all__ = [
    "DEPLOY_COMMAND",
    "Proposal",
    "RebalanceOptions",
    "limit_moves",
    "proposal_files",
    "rebalance",
    "summary_text",
]


@dataclass(frozen=True)
class RebalanceOptions:
    detect_threshold: float = 0.10
    target: float = 0.02
    max_moves: int | None = None
    max_moves_per_pipeline: int | None = None
    freeze: tuple[str, ...] = ()
    time_limit_s: float = 10.0
    closest: bool = False  # when the caps forbid the target: the best the caps allow


def _recost(
    plan: Plan, estimates: Mapping[str, CostEstimate], settings: Settings
) -> tuple[PipelinePlan, ...]:
    recosted = [costed(p, estimates, settings) for p in plan.pipelines]
    return staggered_pipelines(recosted, settings).pipelines


def _weights(
    plan: Plan, history: History | None, cost: dict[str, int]
) -> tuple[dict[str, float], str]:
    sizes: dict[str, float] = {}
    if history is not None:
        for name, tr in history.runs.items():
            if tr.bytes_written is not None and np.isfinite(tr.bytes_written).any():
                sizes[name] = float(np.nansum(tr.bytes_written))
    names = [t.source_table for t in plan.tables]
    if names and all(n in sizes and sizes[n] > 0 for n in names):
        return {n: sizes[n] for n in names}, "bytes written"
    return {n: float(cost[n]) for n in names}, "predicted cost"


def rebalance(
    current: Plan,
    history: History | None,
    options: RebalanceOptions,
    settings: Settings | None = None,
    clock: Callable[[], float] | None = None,
) -> Proposal:
    """Propose a rebalanced plan for `current` under the new history. `clock` (from the
    edge) adds a wall deadline of the time limit to the fresh solve and to the moves model."""
    _check_inputs(current, history, options)
    settings = dataclasses.replace(
        settings or current.settings,
        pipelines_min=len(current.pipelines),
        pipelines_max=len(current.pipelines),
        time_limit_s=options.time_limit_s,
    )
    estimates, fresh = _fresh(current, history, settings, clock)
    cost = {n: integer_cost(e.seconds) for n, e in estimates.items()}
    recosted = tuple(costed(p, estimates, settings) for p in current.pipelines)  # as deployed
    current_ms = max(p.runtime_s for p in recosted)
    best_ms = fresh.makespan_s
    where = current.pipeline_of()
    fresh_where = fresh.pipeline_of()
    fresh_moves = sum(1 for t, k in where.items() if fresh_where.get(t) != k)
    base = dataclasses.replace(
        current,
        settings=settings,
        pipelines=staggered_pipelines(recosted, settings).pipelines,  # under the new costs
        estimates=tuple(estimates.values()),
        makespan_s=current_ms,
        spread_s=current_ms - min(p.runtime_s for p in recosted),
        lower_bound_s=min(fresh.lower_bound_s, current_ms),
        moves=(),
        k_results=(),  # the pipeline count is the plan's; no sweep was made
        warnings=wall_noted(current.warnings, fresh.warnings, False, options.time_limit_s),
    )
    unplaced = [t.source_table for t in current.tables if t.source_table not in where]
    misfits = plan_metrics(base).misfits
    if not unplaced and not misfits and current_ms <= best_ms * (1 + options.detect_threshold):
        reason = (
            f"current makespan {format_duration(current_ms)} is within "
            f"{options.detect_threshold:.0%} of the best achievable {format_duration(best_ms)}: "
            "no change"
        )
        return Proposal(
            False,
            reason,
            current_ms,
            best_ms,
            current_ms,
            base,
            (),
            fresh_moves,
            "UNCHANGED",
            recosted,
        )
    weights, weight_kind = _weights(current, history, cost)
    deadline = None if clock is None else clock() + options.time_limit_s
    assign, status = _fewest_moves(
        current, estimates, weights, settings, options, best_ms, wall_left_of(clock, deadline)
    )
    moves = tuple(
        Move(t, where[t], k, cost[t], weights[t])
        for t, k in sorted(assign.items(), key=lambda kv: (where.get(kv[0], ""), kv[0]))
        if t in where and where[t] != k
    )
    new_plan = _moved(current, base, assign, moves, estimates, settings, fresh.lower_bound_s)
    late = clock is not None and deadline is not None and clock() >= deadline
    new_plan = _checked(new_plan, current, fresh, late, options.time_limit_s)
    new_ms = new_plan.makespan_s
    why = _why(unplaced, misfits, current_ms, best_ms, options.detect_threshold)
    reason = (
        f"{why}; {len(moves)} move(s) (weighted by {weight_kind}) bring it to "
        f"{format_duration(new_ms)}"
    )
    return Proposal(
        True, reason, current_ms, best_ms, new_ms, new_plan, moves, fresh_moves, status, recosted
    )


def _fresh(
    current: Plan, history: History | None, settings: Settings, clock: Callable[[], float] | None
) -> tuple[dict[str, CostEstimate], Plan]:
    """The costs (estimated once: the fresh solve's and the moves') and the fresh solve: the
    best makespan these K pipelines can reach and its bound, whatever the plan's objective
    (the makespan stage only: that is what it is for)."""
    catalog = Catalog(current.tables, "plan", "")
    estimates = planned_costs(catalog, history, settings)[2]
    best = dataclasses.replace(settings, objective="makespan")
    fresh = make_plan(
        catalog,
        history,
        best,
        k_explicit=True,
        current=current,
        estimates=dict(estimates),
        clock=clock,
        stages=1,
    )
    return estimates, fresh


def _checked(new_plan: Plan, current: Plan, fresh: Plan, late: bool, limit: float) -> Plan:
    """The proposed plan, checked, with the wall-time warning if a deadline cut it."""
    problems = check_plan(new_plan, current.tables)
    if problems:
        raise SolverError(
            "the rebalance proposal failed the plan check: " + "; ".join(problems[:5]),
            best_plan=None,
        )
    warnings = wall_noted(new_plan.warnings, fresh.warnings, late, limit)
    return dataclasses.replace(new_plan, warnings=warnings)


def limit_moves(
    current: Plan, catalog: Catalog, history: History | None, settings: Settings, max_moves: int
) -> Proposal:
    """`solve --current --max-moves`: the plan in use with at most `max_moves` tables moved
    (new tables placed, removed ones dropped), as close to the best as that allows."""
    names = {t.source_table for t in catalog.tables}
    kept = tuple(
        dataclasses.replace(p, tables=tuple(t for t in p.tables if t in names))
        for p in current.pipelines
    )
    start = dataclasses.replace(current, tables=catalog.tables, pipelines=kept)
    options = RebalanceOptions(
        detect_threshold=0.0, max_moves=max_moves, time_limit_s=settings.time_limit_s, closest=True
    )
    return rebalance(start, history, options, settings)


def _check_inputs(current: Plan, history: History | None, options: RebalanceOptions) -> None:
    if not current.tables:
        raise InputError(
            "the current plan holds no table details.", fix="solve again to refresh it."
        )
    seen = set(resolve_tables(history, current.tables).runs) if history is not None else set()
    if not any(t.source_table in seen for t in current.tables) and any(
        t.weight is None for t in current.tables
    ):
        raise InputError(
            "rebalancing needs run history of the plan's tables: without it their costs are "
            "guesses (the weight column or a 60 s fallback) and moves would chase nothing.",
            fix="pass --history runs.csv (see `balancer history pull`).",
        )
    unknown = sorted(set(options.freeze) - {p.key for p in current.pipelines})
    if unknown:
        raise InputError(
            f"--freeze names pipelines the plan does not have: {', '.join(unknown)}.",
            fix="use keys from the plan's pipelines.",
        )


def _why(
    unplaced: list[str], misfits: tuple[str, ...], current_ms: int, best_ms: int, detect: float
) -> str:
    if unplaced:
        return f"{len(unplaced)} new table(s) to place"
    if misfits:
        return f"{len(misfits)} pipeline(s) no longer fit their schedule ({', '.join(misfits)})"
    return (
        f"current makespan {format_duration(current_ms)} exceeds the best achievable "
        f"{format_duration(best_ms)} by more "
        f"than {detect:.0%}"
    )


def _fewest_moves(
    current: Plan,
    estimates: dict[str, CostEstimate],
    weights: dict[str, float],
    settings: Settings,
    options: RebalanceOptions,
    best_ms: int,
    wall_left: Callable[[], float | None] = lambda: None,
) -> tuple[dict[str, str], str]:
    """The engine's moves model within the target of the best makespan. When the pipelines
    as they are cannot get that close (a fresh solve may share them out over the pools
    differently), within the target of the best they can reach. An InputError when the caps,
    frozen pipelines or schedules forbid every assignment."""
    instance = build_instance(current.tables, estimates, settings)
    caps = MoveCaps(options.max_moves, options.max_moves_per_pipeline, options.freeze)

    def attempt(target: int, least_load: bool = False) -> tuple[dict[str, str], str] | None:
        return fewest_moves(
            instance,
            current,
            weights,
            settings,
            target,
            caps,
            options.time_limit_s,
            least_load,
            wall_left(),
        )

    found = attempt(math.floor(best_ms * (1 + options.target)))
    if found is None and (caps == MoveCaps() or options.closest):
        total = sum(it.cost for it in instance.items)
        reach = attempt(total + settings.overhead_s + 1, least_load=True)
        if reach is not None:
            cost = {n: integer_cost(e.seconds) for n, e in estimates.items()}
            by_key: dict[str, list[int]] = defaultdict(list)
            for t, k in reach[0].items():
                by_key[k].append(cost[t])
            reachable = max(
                pipeline_runtime(c, settings.overhead_s, settings.concurrency)
                for c in by_key.values()
            )
            found = attempt(math.floor(reachable * (1 + options.target)))
    if found is None:
        raise InputError(
            f"no plan within {options.target:.0%} of the best makespan fits the move caps, or "
            "no arrangement of the current pipelines meets their schedules "
            f"(--max-moves {options.max_moves}, --max-moves-per-pipeline "
            f"{options.max_moves_per_pipeline}, frozen {list(options.freeze) or 'none'}).",
            fix="raise the caps or unfreeze pipelines; if the schedules no longer fit, solve "
            "again with more pipelines (balancer solve --current plan.json).",
        )
    return found


def _moved(
    current: Plan,
    base: Plan,
    assign: dict[str, str],
    moves: tuple[Move, ...],
    estimates: Mapping[str, CostEstimate],
    settings: Settings,
    lower_bound_s: int,
) -> Plan:
    """The plan after the moves, re-costed."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for t, k in assign.items():
        by_key[k].append(t)
    pipelines = tuple(
        dataclasses.replace(p, tables=tuple(sorted(by_key[p.key]))) for p in current.pipelines
    )
    pipelines = _recost(dataclasses.replace(current, pipelines=pipelines), estimates, settings)
    new_ms = max(p.runtime_s for p in pipelines)
    return dataclasses.replace(
        base,
        pipelines=pipelines,
        makespan_s=new_ms,
        spread_s=new_ms - min(p.runtime_s for p in pipelines),
        lower_bound_s=min(lower_bound_s, new_ms),
        status="OPTIMAL" if new_ms <= lower_bound_s else "FEASIBLE",
        category_splits=_splits(pipelines, current),
        moves=tuple((m.table, m.source, m.destination) for m in moves),
    )


def _splits(pipelines: Sequence[PipelinePlan], plan: Plan) -> int:
    category = {t.source_table: t.category_label for t in plan.tables}
    return category_splits([category[t] for t in p.tables] for p in pipelines)
