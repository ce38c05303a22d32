"""Optional SLA: a pipeline's runtime stays within its schedule interval times a headroom."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from balancer.errors import InfeasibleError
from balancer.model import PipelinePlan, Settings
from balancer.schedules import min_interval_seconds

if TYPE_CHECKING:
    from balancer.engine.cpsat import ModelContext
    from balancer.engine.instance import Item, Pool


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


def precheck_items(pool: Pool, items: Sequence[Item], settings: Settings) -> None:
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
            fix="give these tables a less frequent schedule, raise --sla-headroom, or drop --sla-headroom.",
        )


def post(ctx: ModelContext) -> None:
    cap = ctx.problem.cap
    if cap is None:
        return
    for load in ctx.loads:
        ctx.model.add(load <= cap)


def violations(pipelines: Sequence[PipelinePlan], settings: Settings) -> list[str]:
    out = []
    for p in pipelines:
        cap = runtime_cap(p.schedule, settings)
        if cap is not None and p.runtime_s > cap:
            out.append(f"pipeline '{p.key}' runs {p.runtime_s} s, over its SLA of {cap} s")
    return out
