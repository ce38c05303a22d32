"""Optional SLA: a pipeline's runtime stays within its schedule interval times a headroom."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from balancer.engine.bounds import makespan_lower_bound
from balancer.engine.instance import Item, Pool
from balancer.engine.rules.base import BaseRule, Need
from balancer.errors import InfeasibleError
from balancer.model import Plan, Settings, Table
from balancer.schedules import min_interval_seconds

if TYPE_CHECKING:
    from balancer.engine.cpmodel import ModelContext, MovesContext


def runtime_cap(schedule: str, settings: Settings) -> int | None:
    """Longest allowed runtime in seconds for a pipeline on this schedule, or None."""
    if settings.sla_headroom is None or not schedule:
        return None
    return int(min_interval_seconds(schedule) * settings.sla_headroom)


def load_cap(schedule: str, settings: Settings) -> int | None:
    """Largest sum of table costs that keeps the runtime within the SLA."""
    cap = runtime_cap(schedule, settings)
    if cap is None:
        return None
    room = cap - settings.overhead_s
    if room <= 0:
        raise InfeasibleError(
            f"the SLA for schedule '{schedule}' allows {cap} s per run, less than the "
            f"{settings.overhead_s} s start-up overhead of a pipeline.",
            fix="raise --sla-headroom, run less often, or lower --overhead.",
        )
    return room * settings.concurrency


class Sla(BaseRule):
    name = "SLA"

    def check_pool(self, pool: Pool, items: Sequence[Item], settings: Settings) -> None:
        cap = runtime_cap(pool.schedule, settings)
        if cap is None:
            return
        room = cap - settings.overhead_s
        too_big = [it for it in items if it.cost > room]
        if too_big:
            names = ", ".join(f"{it.key} ({it.cost} s)" for it in too_big[:5])
            raise InfeasibleError(
                f"no split meets the SLA: on schedule '{pool.schedule}' a run may take {cap} s "
                f"({settings.overhead_s} s of it start-up), but these tables alone take longer: {names}.",
                fix="give these tables a less frequent schedule, raise --sla-headroom, or drop "
                "--sla-headroom.",
            )

    def needs(self, pool: Pool, items: Sequence[Item], max_tables: int | None) -> Need | None:
        if pool.load_cap is None:
            return None
        costs = [it.cost for it in items]
        need = 1
        while need < len(items) and makespan_lower_bound(costs, need) > pool.load_cap:
            need += 1
        return Need(need, f"the SLA allows {pool.load_cap} s of tables a run")

    def post(self, ctx: ModelContext) -> None:
        cap = ctx.problem.cap
        if cap is None:
            return
        for load in ctx.loads:
            ctx.model.add(load <= cap)

    def post_moves(self, ctx: MovesContext) -> None:
        if ctx.settings is None:
            return
        for key in ctx.keys:
            cap = load_cap(ctx.schedule_of.get(key, ""), ctx.settings)
            if cap is not None:
                ctx.model.add(sum(ctx.items[i].cost * var for i, var in ctx.on(key)) <= cap)

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]:
        out = []
        for p in plan.pipelines:
            cap = runtime_cap(p.schedule, plan.settings)
            if cap is not None and p.runtime_s > cap:
                out.append(f"pipeline '{p.key}' runs {p.runtime_s} s, over its SLA of {cap} s")
        return out
