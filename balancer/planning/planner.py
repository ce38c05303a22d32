"""Inputs in, plan out: estimate, build the instance, solve, name, check.

It does no I/O: the CLI, the notebooks and the what-if API hand it what the readers read.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from balancer.costs import assumed_costs_warning, costed, integer_cost, runtime_from_load
from balancer.deployment import deployment_id
from balancer.engine.build import build_instance
from balancer.engine.checker import check_plan
from balancer.engine.instance import Instance
from balancer.engine.reporter import Reporter
from balancer.engine.solver import Solution, SolveOptions, solve
from balancer.errors import InputError, SolverError
from balancer.history.estimator import calibrate_concurrency, estimate_costs, for_schedule
from balancer.history.flows import resolve_tables, unknown_table_warnings
from balancer.model import (
    Catalog,
    CostEstimate,
    History,
    KResult,
    PipelinePlan,
    Plan,
    Settings,
)
from balancer.planning.naming import keep_keys, pipeline_key, schedule_slug
from balancer.planning.stagger import staggered_pipelines
from balancer.version import __version__


def make_plan(
    catalog: Catalog,
    history: History | None,
    settings: Settings,
    reporter: Reporter | None = None,
    k_explicit: bool = False,
    current: Plan | None = None,
    estimates: dict[str, CostEstimate] | None = None,
    recorded_schedules: Mapping[str, str] | None = None,
    clock: Callable[[], float] | None = None,
    stages: int = 3,
) -> Plan:
    """Balance the catalog's tables. Raises InputError/InfeasibleError/SolverError.

    With `current`, pipelines keep the keys of the current plan's pipelines they share most tables
    with (re-solving renames nothing that exists). `estimates` replace those from history (what-if).
    `recorded_schedules`: a table's schedule in tables.csv when --schedule-* changed it (what its
    weight is for); an incremental table's cost follows its planned schedule (for_schedule).
    `clock` (the CLI's): a wall deadline of the time limit; `stages` < 3: no refinements."""
    history, settings, estimates, warnings = planned_costs(
        catalog, history, settings, estimates, recorded_schedules
    )
    try:
        instance = build_instance(catalog.tables, estimates, settings, k_explicit)
    except InputError as exc:
        if not exc.where.file and catalog.path:  # the costs come from the runs file
            costs = exc.problem.startswith("schedule fit") and history is not None
            file = history.path if costs and history is not None and history.path else None
            exc.where = dataclasses.replace(exc.where, file=file or catalog.path)
        raise
    solution = solve(instance, SolveOptions.of(settings, clock, stages), reporter)
    pipelines = _pipelines(catalog, instance, solution, settings, estimates)
    moves: tuple[tuple[str, str, str], ...] = ()
    if current is not None:
        pipelines = keep_keys(pipelines, current.pipelines)
        moves = moves_from(current, pipelines)
    pipelines, stagger_warnings = _staggered(pipelines, settings)
    runtimes = [p.runtime_s for p in pipelines]
    largest = max(integer_cost(e.seconds) for e in estimates.values())
    lower = _runtime_of(solution.lower_bound, settings, largest)
    makespan = max(runtimes)
    lower = min(lower, makespan)
    k_results = _k_results(solution, settings, largest)
    plan = Plan(
        settings=settings,
        pipelines=tuple(sorted(pipelines, key=lambda p: p.key)),
        estimates=tuple(estimates.values()),
        makespan_s=makespan,
        lower_bound_s=lower,
        spread_s=makespan - min(runtimes),
        category_splits=solution.category_splits,
        status="OPTIMAL" if makespan <= lower else solution.status,
        deterministic_time=solution.deterministic_time,
        k_results=k_results,
        inputs=_inputs(catalog, history),
        warnings=tuple(warnings)
        + stagger_warnings
        + _assumed(estimates.values())
        + _wall(solution, settings),
        moves=moves,
        tool=f"lakeflow-balancer {__version__}",
        tables=catalog.tables,
        deployment_id=(
            current.deployment_id
            if current is not None and current.deployment_id
            else deployment_id(settings.name, catalog.digest)
        ),
    )
    problems = check_plan(plan, catalog.tables)
    if problems:
        raise SolverError(
            "the plan failed its own check: " + "; ".join(problems[:5]), best_plan=plan
        )
    return plan


def _k_results(solution: Solution, settings: Settings, largest: int) -> tuple[KResult, ...]:
    """The solver's figures per pipeline count, its loads turned into runtimes."""
    return tuple(
        KResult(
            k,
            _runtime_of(ms, settings, largest) if ms else 0,
            _runtime_of(lb, settings, largest) if lb else 0,
            st,
            compute,
            batch,
        )
        for k, ms, lb, st, compute, batch in solution.k_results
    )


def moves_from(
    current: Plan, pipelines: Sequence[PipelinePlan]
) -> tuple[tuple[str, str, str], ...]:
    """(table, from, to) for every table of `current` that sits in another pipeline now."""
    before = current.pipeline_of()
    return tuple(
        sorted(
            (t, before[t], p.key)
            for p in pipelines
            for t in p.tables
            if t in before and before[t] != p.key
        )
    )


def planned_costs(
    catalog: Catalog,
    history: History | None,
    settings: Settings,
    estimates: dict[str, CostEstimate] | None = None,
    recorded_schedules: Mapping[str, str] | None = None,
) -> tuple[History | None, Settings, dict[str, CostEstimate], list[str]]:
    """History resolved to the catalog's tables, concurrency calibrated from it, the cost of
    every table (scaled where its schedule changed since its history ran), and warnings."""
    warnings = list(catalog.warnings)
    if history is not None:
        warnings.extend(history.warnings)
        history, extra = unknown_table_warnings(resolve_tables(history, catalog.tables), catalog)
        warnings.extend(extra)
        if settings.concurrency_calibrated:
            seen = calibrate_concurrency(history)
            settings = dataclasses.replace(
                settings,
                concurrency=settings.concurrency if seen is None else seen,
                concurrency_calibrated=seen is not None,
            )
    elif settings.concurrency_calibrated:
        settings = dataclasses.replace(settings, concurrency_calibrated=False)
    if estimates is None:
        # estimated on the schedules tables.csv gives (what a weight is for), then moved to the
        # schedules planned: a history's own interval is read from its gaps (for_schedule)
        recorded = recorded_schedules or {}
        before = [
            dataclasses.replace(t, schedule=recorded[t.source_table])
            if recorded.get(t.source_table)
            else t
            for t in catalog.tables
        ]
        estimates = estimate_costs(before, history, settings)
        for t in catalog.tables:
            estimates[t.source_table] = for_schedule(estimates[t.source_table], t)
    return history, settings, estimates, warnings


def _pipelines(
    catalog: Catalog,
    instance: Instance,
    solution: Solution,
    settings: Settings,
    estimates: Mapping[str, CostEstimate],
) -> list[PipelinePlan]:
    """The solution's bins as named pipelines: pins keep their names, the others are numbered
    per pool (with the schedule in the key when a group spans several schedules)."""
    pools = {p.key: p for p in instance.pools}
    groups_with_many_pools = {
        g for g, n in Counter(p.group for p in instance.pools).items() if n > 1
    }
    taken = {b.pin for b in solution.bins if b.pin}
    numbered: dict[str, int] = defaultdict(int)
    order = sorted(
        solution.bins,
        key=lambda b: (
            b.pool,
            b.pin is None,
            b.pin or "",
            min((t for i in b.items for t in instance.items[i].tables), default=""),
        ),
    )
    pipelines: list[PipelinePlan] = []
    for b in order:
        pool = pools[b.pool]
        tables = tuple(sorted(t for i in b.items for t in instance.items[i].tables))
        if b.pin:
            key = b.pin
        else:
            tag = schedule_slug(pool.schedule) if pool.group in groups_with_many_pools else None
            while True:
                numbered[b.pool] += 1
                key = pipeline_key(settings.name, pool.group, tag, numbered[b.pool])
                if key not in taken:
                    break
            taken.add(key)
        schedule = pool.schedule if "@" in pool.key else _dominant_schedule(catalog, tables)
        bare = PipelinePlan(key, key, pool.group, schedule, tables, 0, 0, b.pin)
        pipelines.append(costed(bare, estimates, settings))
    return pipelines


def _staggered(
    pipelines: Sequence[PipelinePlan], settings: Settings
) -> tuple[list[PipelinePlan], tuple[str, ...]]:
    """The pipelines with their start offsets (planning.stagger) and what to warn about."""
    staggered = staggered_pipelines(pipelines, settings)
    return list(staggered.pipelines), staggered.warnings


def _inputs(catalog: Catalog, history: History | None) -> tuple[tuple[str, str], ...]:
    """The digests of the inputs a plan was made from."""
    found = (("tables", catalog.digest), ("history", history.digest if history else ""))
    return tuple((name, digest) for name, digest in found if digest)


def _runtime_of(load: int, settings: Settings, largest: int) -> int:
    return runtime_from_load(load, largest, settings.overhead_s, settings.concurrency)


def _dominant_schedule(catalog: Catalog, tables: Sequence[str]) -> str:
    by_name = catalog.by_name()
    counts = Counter(by_name[t].schedule for t in tables)
    return sorted(counts, key=lambda s: (-counts[s], s))[0]


def _wall(solution: Solution, settings: Settings) -> tuple[str, ...]:
    """The warning that the wall deadline stopped the solve, if it did."""
    if not solution.stopped_by_wall_clock:
        return ()
    return (wall_clock_warning(settings.time_limit_s),)


def wall_clock_warning(time_limit_s: float) -> str:
    return (
        f"the solve reached its wall-time limit ({time_limit_s:g} s) before its deterministic "
        "budget: this plan is the best found by then, its status and gap say how close it is "
        "to the bound, and it may differ between runs (a longer --time-limit gives a "
        "reproducible plan)."
    )


def _assumed(estimates: Iterable[CostEstimate]) -> tuple[str, ...]:
    """The warning that some costs are assumed (no history, no weight), if any are."""
    warning = assumed_costs_warning(tuple(estimates))
    return (warning,) if warning else ()


def wall_noted(
    warnings: tuple[str, ...], fresh: tuple[str, ...], late: bool, limit: float
) -> tuple[str, ...]:
    """`warnings` and the wall-time warning, when the fresh solve or the moves model hit it."""
    warning = wall_clock_warning(limit)
    hit = late or warning in fresh
    return (*warnings, warning) if hit and warning not in warnings else warnings


def wall_left_of(
    clock: Callable[[], float] | None, deadline: float | None
) -> Callable[[], float | None]:
    """Seconds of wall time the moves model has left, asked when it starts (None: no clock)."""
    if clock is None or deadline is None:
        return lambda: None
    return lambda: max(0.0, deadline - clock())
