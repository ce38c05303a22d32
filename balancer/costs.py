"""The cost model's arithmetic, shared by the solver, the checker, plan.json and every report:
whole-second costs, a pipeline's runtime from its tables' costs, and the runtime a schedule
allows (schedule fit). Pure; no solver."""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections.abc import Iterable, Mapping, Sequence

from balancer.model import CostEstimate, PipelinePlan, Settings
from balancer.schedules import is_batch, min_interval_seconds


def integer_cost(seconds: float) -> int:
    """Whole seconds, rounded up, at least 1: the solver works on integers."""
    return max(1, math.ceil(seconds - 1e-9))


def integer_p90(estimate: CostEstimate) -> int:
    """A table's p90 in whole seconds, never below its predicted cost."""
    return max(integer_cost(estimate.seconds), integer_cost(estimate.p90))


def runtime_from_load(load: int, largest: int, overhead_s: int, concurrency: int) -> int:
    """Start-up overhead plus `load` seconds of tables run `concurrency` at a time, never less
    than the largest table."""
    return overhead_s + max(-(-load // concurrency), largest)


def pipeline_runtime(costs: Sequence[int], overhead_s: int, concurrency: int) -> int:
    """Runtime of a pipeline holding tables of these costs."""
    if not costs:
        return overhead_s
    return runtime_from_load(sum(costs), max(costs), overhead_s, concurrency)


def costed(
    p: PipelinePlan, estimates: Mapping[str, CostEstimate], settings: Settings
) -> PipelinePlan:
    """The pipeline with its load, predicted runtime and p90 runtime from its tables' costs."""
    costs = [integer_cost(estimates[t].seconds) for t in p.tables]
    slow = [integer_p90(estimates[t]) for t in p.tables]
    o, c = settings.overhead_s, settings.concurrency
    return dataclasses.replace(
        p,
        load_s=sum(costs),
        runtime_s=pipeline_runtime(costs, o, c),
        p90_runtime_s=pipeline_runtime(slow, o, c),
    )


def runtime_cap(schedule: str, settings: Settings) -> int | None:
    """Longest allowed p90 runtime in seconds for a pipeline on this schedule, or None."""
    if settings.sla_headroom is None or not schedule:
        return None
    cap = int(min_interval_seconds(schedule) * settings.sla_headroom)
    if is_batch(schedule):
        cap = min(cap, settings.batch_window_s)
    return cap


def overruns(p90_runtime_s: int, interval_s: int) -> bool:
    """A p90 run outlasts the schedule's interval: the next trigger finds it still going."""
    return p90_runtime_s > interval_s


def run_figures(
    runtime_s: int, p90_runtime_s: int, interval_s: int, scheduled_runs: float, longest_gap_s: int
) -> tuple[float, float, int]:
    """Runs a day, compute seconds a day and worst data age of a pipeline, counting an overrun
    as it happens: a run that outlasts its interval is followed at once by the next (back to
    back), so runs a day fall to what the day holds, compute is the whole day's running, and a
    row waits for the run under way and the whole next one. One rule for the objective, the
    checker, plan.json and every report."""
    runs = scheduled_runs
    if runtime_s > interval_s:
        runs = min(scheduled_runs, 86400 / max(1, runtime_s))
    age = max(longest_gap_s, p90_runtime_s) + p90_runtime_s
    return runs, runs * runtime_s, age


def lane_offsets(p90s: Sequence[int], lanes: int) -> list[int]:
    """Minute start offsets (in `p90s` order) of runs triggered together when at most `lanes`
    may run at once: longest p90 first (ties: first given), each onto the lane that frees up
    first (ties: the lowest), starting then, rounded up to the minute. `lanes` 0 or at least
    as many as runs: every offset 0. The one rule the planner staggers by
    (`planning.stagger`) and the solver scores batch windows by (`engine.allocation`)."""
    if lanes <= 0 or lanes >= len(p90s):
        return [0] * len(p90s)
    free = [(0, j) for j in range(lanes)]  # (when the lane frees up, lane): a heap
    offsets = [0] * len(p90s)
    for i in sorted(range(len(p90s)), key=lambda i: (-p90s[i], i)):
        end, lane = heapq.heappop(free)
        offsets[i] = -(-end // 60)
        heapq.heappush(free, (offsets[i] * 60 + p90s[i], lane))
    return offsets


def staggered_window(runtimes: Sequence[int], p90s: Sequence[int], lanes: int) -> int:
    """The batch window of runs triggered together under `lanes` at once: the latest
    offset plus predicted runtime (`lane_offsets`)."""
    offsets = lane_offsets(p90s, lanes)
    return max((o * 60 + r for o, r in zip(offsets, runtimes, strict=True)), default=0)


def assumed_tables(estimates: Iterable[CostEstimate]) -> tuple[str, ...]:
    """Tables whose cost is an assumption: no history and no weight (source "fallback")."""
    return tuple(sorted(e.table for e in estimates if e.source == "fallback"))


def assumed_costs_warning(estimates: Sequence[CostEstimate]) -> str | None:
    """The warning a plan carries when some of its costs are assumed (None: none are)."""
    assumed = assumed_tables(estimates)
    if not assumed:
        return None
    shown = ", ".join(assumed[:10]) + (
        f" and {len(assumed) - 10} more" if len(assumed) > 10 else ""
    )
    return (
        f"{len(assumed)} of {len(estimates)} tables have no history or weight, so their costs "
        f"are assumed and the plan is only as good as that guess: {shown}. Give them a weight "
        "column in tables.csv or run history."
    )


def status_text(status: str, estimates: Sequence[CostEstimate]) -> str:
    """The solver status as a user reads it: "OPTIMAL" is only a proof for the costs given, so
    with assumed costs it says so."""
    n = len(assumed_tables(estimates))
    if not n:
        return status
    return f"{status} for assumed costs ({n} of {len(estimates)} tables have no history or weight)"
