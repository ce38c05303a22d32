"""Schedule fit (on by default): every pipeline's p90 run finishes within its interval times
`sla_headroom`; a daily or slower pipeline within `batch_window_s` instead.

A pipeline's p90 runtime is start-up plus its tables' p90 costs run `concurrency` at a time
(never less than its largest p90 table). Adding p90s assumes a pipeline's slow runs coincide,
which they tend to: its tables share one update, one source and one cluster. That makes the
rule linear, so CP-SAT enforces it exactly and the checker recomputes it without a solver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from balancer.costs import integer_p90, pipeline_runtime, runtime_cap
from balancer.engine.bounds import makespan_lower_bound
from balancer.engine.instance import Item, Pool
from balancer.engine.rules.base import BaseRule, BinAfter, Limits, Need
from balancer.errors import InfeasibleError
from balancer.model import Plan, Settings, Table
from balancer.schedules import describe, min_interval_seconds
from balancer.units import format_duration

if TYPE_CHECKING:
    from balancer.engine.cpmodel import ModelContext, MovesContext

# Schedules a pool could move to, most frequent first: what the advice tries.
CANDIDATE_SCHEDULES = (
    "*/5 * * * *",
    "*/10 * * * *",
    "*/15 * * * *",
    "*/30 * * * *",
    "0 * * * *",
    "0 */2 * * *",
    "0 */4 * * *",
    "0 */6 * * *",
    "0 */12 * * *",
)


def load_cap(schedule: str, settings: Settings) -> int | None:
    """Largest sum of p90 table costs that keeps the p90 runtime within the cap."""
    cap = runtime_cap(schedule, settings)
    if cap is None:
        return None
    room = cap - settings.overhead_s
    if room <= 0:
        raise InfeasibleError(
            f"schedule fit: a pipeline on '{schedule}' may run {cap} s, less than the "
            f"{settings.overhead_s} s start-up of a pipeline.",
            fix="raise --sla-headroom or --batch-window, run less often, or lower --overhead.",
        )
    return room * settings.concurrency


def _need(fit_costs: Sequence[int], cap: int, most: int) -> int:
    """Fewest pipelines whose p90 loads can each stay within cap (a lower bound)."""
    need = 1
    while need < most and makespan_lower_bound(list(fit_costs), need) > cap:
        need += 1
    return need


def advice(
    pool: Pool, items: Sequence[Item], available: int, overhead_s: int, concurrency: int
) -> str:
    """Why a pool cannot fit its schedule in `available` pipelines, by how much, and the fixes
    with numbers: pipelines needed, a schedule that fits, tables that never fit."""
    if pool.runtime_cap is None or pool.load_cap is None:
        return ""
    room = pool.runtime_cap - overhead_s
    fit = [it.p90 for it in items]
    never = [it for it in items if it.p90 > room]
    work = sum(fit)
    tables = sum(it.size for it in items)
    where = (
        f"pool '{pool.key.replace('@', ' @ ')}' ({tables} tables, p90 work "
        f"{format_duration(work)} a run)"
    )
    limit = (
        f"a p90 run may take {format_duration(pool.runtime_cap)}"
        + (" (the batch window)" if pool.batch else "")
        + f", {format_duration(overhead_s)} of it start-up"
    )
    parts = [f"schedule fit: {where}: {limit}."]
    if never:
        shown = ", ".join(f"{it.key} ({format_duration(it.p90)})" for it in never[:5])
        more = f" and {len(never) - 5} more" if len(never) > 5 else ""
        parts.append(
            f"{len(never)} table(s) alone take longer than that: {shown}{more}. No split into "
            "pipelines fixes that: each of these tables is too slow for the schedule itself."
        )
    else:
        need = _need(fit, pool.load_cap, len(items))
        over = work - available * pool.load_cap
        parts.append(
            f"It needs {need} pipelines; {available} left for it carry "
            f"{format_duration(available * pool.load_cap)} a run: {format_duration(max(over, 0))} "
            "too little."
        )
    better = _schedule_that_fits(pool, items, available, overhead_s, concurrency)
    if never:  # only a longer schedule for those tables (or other costs) helps
        costs = "check their costs (their runs in the history, or their weight)"
        parts.append(
            f"Fix: give those tables a longer schedule (tables.csv's schedule column, e.g. run "
            f"them {better}), or {costs}; --no-schedule-fit turns the check off."
            if better
            else "No schedule up to every 12 h fits them either (an incremental table's run "
            f"grows with its interval). Fix: {costs}, or turn the check off (--no-schedule-fit)."
        )
        return " ".join(parts)
    parts.append(
        "Fixes: "
        + (f"run it {better}; " if better else "no schedule up to every 12 h fits it; ")
        + "allow more pipelines (--pipelines); let more flows run at once (--concurrency); "
        + "raise --sla-headroom or --batch-window, or turn the check off (--no-schedule-fit)."
    )
    return " ".join(parts)


def _schedule_that_fits(
    pool: Pool, items: Sequence[Item], available: int, overhead_s: int, concurrency: int
) -> str:
    """The most frequent candidate schedule, less frequent than the pool's, that fits."""
    if pool.runtime_cap is None or pool.batch:
        return ""
    headroom = pool.runtime_cap / pool.interval_s
    for cron in CANDIDATE_SCHEDULES:
        interval = min_interval_seconds(cron)
        if interval <= pool.interval_s:
            continue
        fit = [it.p90_at(interval, pool.interval_s) if pool.incremental else it.p90 for it in items]
        room = int(interval * headroom) - overhead_s
        if room <= 0 or max(fit) > room:
            continue
        need = _need(fit, room * concurrency, len(items))
        if need <= available:
            return f"'{cron}' ({describe(cron)}, {need} pipeline(s))"
    return ""


class ScheduleFit(BaseRule):
    name = "schedule fit"

    def needs(self, pool: Pool, items: Sequence[Item], max_tables: int | None) -> Need | None:
        if pool.load_cap is None:
            return None
        need = _need([it.p90 for it in items], pool.load_cap, len(items))
        return Need(need, f"schedule fit allows {pool.load_cap} s of p90 work a run")

    def check_pool(self, pool: Pool, items: Sequence[Item], settings: Settings) -> None:
        if pool.runtime_cap is None:
            return
        if any(it.p90 > pool.runtime_cap - settings.overhead_s for it in items):
            raise InfeasibleError(
                advice(pool, items, len(items), settings.overhead_s, settings.concurrency)
            )

    def post(self, ctx: ModelContext) -> None:
        cap = ctx.problem.cap
        if cap is None:
            return
        for b in range(ctx.problem.n_bins):
            ctx.model.add(ctx.fit_load(b) <= cap)

    def post_moves(self, ctx: MovesContext) -> None:
        if ctx.settings is None:
            return
        for key in ctx.keys:
            cap = load_cap(ctx.schedule_of.get(key, ""), ctx.settings)
            if cap is not None:
                ctx.model.add(sum(ctx.items[i].p90 * var for i, var in ctx.on(key)) <= cap)

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]:
        out = []
        p90 = {e.table: integer_p90(e) for e in plan.estimates}
        s = plan.settings
        for p in plan.pipelines:
            cap = runtime_cap(p.schedule, s)
            runtime = pipeline_runtime([p90[t] for t in p.tables], s.overhead_s, s.concurrency)
            if cap is not None and runtime > cap:
                out.append(
                    f"pipeline '{p.key}' has a p90 runtime of {runtime} s, over the {cap} s "
                    f"its schedule '{p.schedule}' allows"
                )
        return out

    def admits(self, after: BinAfter, limits: Limits) -> bool:
        """Within its p90 cap (the interval times the headroom, or the batch window)."""
        return limits.cap is None or after.fit <= limits.cap
