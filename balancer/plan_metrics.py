"""What a plan means for the people waiting on it and paying for it, per pipeline and in total.

Pure; every output that shows a plan (the solve table, plan.json, what-if, the report, the
charts) takes its numbers from here.

- interval: the shortest gap between two runs of the schedule; runs a day on average.
- p50 / p90 runtime: start-up plus the tables' p50 (p90) costs run `concurrency` at a time.
- utilisation: p90 runtime / interval. Above 1 a run outlasts its interval.
- overrun: a p90 run outlasts its interval; the pipeline then runs back to back, so runs a day
  are what the day holds (86400 / runtime) and compute is the whole day (costs.run_figures).
- start offset: a staggered pipeline starts this many minutes after each trigger
  (balancer.planning.stagger), so no more than the cap of one schedule's pipelines run at once.
- batch window: how long after their trigger the daily and slower pipelines are done:
  max(start offset + predicted runtime); with a cap it is the window as they will overlap.
- worst data age: a row that lands just after a run starts waits for the next run to start
  and finish: max(longest gap between runs, p90 runtime) + p90 runtime. A start offset moves
  every start of a pipeline alike, so the gaps and this age stay what they are.
- compute per day: runs that happen x (start-up + work) at the predicted runtime; with a price
  per compute hour, money.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from balancer.costs import (
    integer_cost,
    integer_p90,
    overruns,
    pipeline_runtime,
    run_figures,
    runtime_cap,
)
from balancer.model import CostEstimate, PipelinePlan, Plan, Settings
from balancer.schedules import is_batch, longest_gap_seconds, min_interval_seconds, runs_per_day


@dataclass(frozen=True)
class PipelineMetrics:
    key: str
    schedule: str
    interval_s: int
    start_offset_s: int  # after each trigger (a staggered start)
    runs_per_day: float  # runs that happen (after skipped triggers)
    runtime_s: int  # predicted
    p50_runtime_s: int
    p90_runtime_s: int
    utilisation: float
    skips: bool  # a p90 run outlasts its interval: runs go back to back (an overrun)
    worst_age_s: int
    compute_s_per_day: float
    cost_per_day: float | None
    cap_s: int | None  # the p90 runtime schedule fit allows (None: not checked)
    batch: bool

    @property
    def fits(self) -> bool:
        return self.cap_s is None or self.p90_runtime_s <= self.cap_s


@dataclass(frozen=True)
class PlanMetrics:
    pipelines: tuple[PipelineMetrics, ...]
    runs_per_day: float
    compute_s_per_day: float
    cost_per_day: float | None
    worst_age_s: int  # over every pipeline
    worst_age_by_schedule: tuple[tuple[str, int], ...]  # most frequent schedule first
    batch_window_s: int  # latest end (offset + runtime) of a daily or slower pipeline (0: none)
    misfits: tuple[str, ...]  # keys of pipelines over their schedule-fit cap or overrunning

    @property
    def worst_age_intraday_s(self) -> int:
        """Worst data age of any pipeline that runs more than once a day (what a freshness
        SLA is about); of all pipelines when every one is daily or slower."""
        intraday = [m.worst_age_s for m in self.pipelines if not m.batch]
        return max(intraday) if intraday else self.worst_age_s


def pipeline_metrics(
    p: PipelinePlan, estimates: Mapping[str, CostEstimate], settings: Settings
) -> PipelineMetrics:
    """The schedule-facing numbers of one pipeline."""
    c, o = settings.concurrency, settings.overhead_s
    costs = [integer_cost(estimates[t].seconds) for t in p.tables]
    runtime = pipeline_runtime(costs, o, c)
    p50 = pipeline_runtime([integer_cost(estimates[t].p50) for t in p.tables], o, c)
    p90 = pipeline_runtime([integer_p90(estimates[t]) for t in p.tables], o, c)
    interval = min_interval_seconds(p.schedule)
    runs, compute, age = run_figures(
        runtime, p90, interval, runs_per_day(p.schedule), longest_gap_seconds(p.schedule)
    )
    return PipelineMetrics(
        key=p.key,
        schedule=p.schedule,
        interval_s=interval,
        start_offset_s=p.start_offset_min * 60,
        runs_per_day=round(runs, 3),
        runtime_s=runtime,
        p50_runtime_s=p50,
        p90_runtime_s=p90,
        utilisation=round(p90 / interval, 4),
        skips=overruns(p90, interval),
        worst_age_s=age,
        compute_s_per_day=round(compute, 1),
        cost_per_day=_money(compute, settings.price_per_hour),
        cap_s=runtime_cap(p.schedule, settings),
        batch=is_batch(p.schedule),
    )


def plan_metrics(plan: Plan) -> PlanMetrics:
    """Every pipeline's numbers and the plan's totals."""
    estimates = {e.table: e for e in plan.estimates}
    rows = tuple(pipeline_metrics(p, estimates, plan.settings) for p in plan.pipelines)
    by_schedule: dict[str, int] = {}
    interval: dict[str, int] = {}
    for m in rows:
        by_schedule[m.schedule] = max(by_schedule.get(m.schedule, 0), m.worst_age_s)
        interval[m.schedule] = m.interval_s
    order = sorted(by_schedule, key=lambda s: (interval[s], s))
    compute = sum(m.compute_s_per_day for m in rows)
    return PlanMetrics(
        pipelines=rows,
        runs_per_day=round(sum(m.runs_per_day for m in rows), 3),
        compute_s_per_day=round(compute, 1),
        cost_per_day=_money(compute, plan.settings.price_per_hour),
        worst_age_s=max((m.worst_age_s for m in rows), default=0),
        worst_age_by_schedule=tuple((s, by_schedule[s]) for s in order),
        batch_window_s=max((m.start_offset_s + m.runtime_s for m in rows if m.batch), default=0),
        misfits=tuple(m.key for m in rows if not m.fits or m.skips),
    )


def _money(compute_s: float, price_per_hour: float | None) -> float | None:
    return None if price_per_hour is None else round(compute_s / 3600 * price_per_hour, 2)
