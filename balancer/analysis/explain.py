"""Why a table is where it is, and what moving it would do: pure, from the plan alone.

`explain(plan, name)` gives the table's pipeline, the rules that bind it there (group,
schedule, pin, together, apart, table cap, schedule fit), its cost and where the cost came
from, and for every other pipeline of the plan the figures after moving the table alone
(makespan, compute a day, worst data age, batch window, the two pipelines' p90 runs
against what their schedules allow) with the rules the move would break (the solver-free
checker's rules, so `explain` and `solve` never disagree).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from balancer.costs import costed
from balancer.engine.rules import RULES
from balancer.errors import InputError
from balancer.model import CostEstimate, PipelinePlan, Plan, Table
from balancer.names import shown, uc_key
from balancer.plan_metrics import PipelineMetrics, PlanMetrics, plan_metrics
from balancer.planning.stagger import staggered_pipelines
from balancer.units import format_duration

SOURCES = {
    "history": "its run history",
    "weight": "its weight column (seconds a run)",
    "similar": "the median of tables of its ingestion type with history",
    "fallback": "a default (no history, no weight): an assumption",
}


@dataclass(frozen=True)
class Figures:
    """The plan-level numbers a move changes."""

    makespan_s: int
    compute_s_per_day: float
    worst_age_s: int
    batch_window_s: int
    misfits: tuple[str, ...]

    @staticmethod
    def of(metrics: PlanMetrics) -> Figures:
        return Figures(
            max(m.runtime_s for m in metrics.pipelines),
            metrics.compute_s_per_day,
            metrics.worst_age_intraday_s,
            metrics.batch_window_s,
            metrics.misfits,
        )


@dataclass(frozen=True)
class MoveEffect:
    """Moving the table alone to `to`: the plan's figures after, the p90 runs of the two
    pipelines after (with what their schedules allow), and the rules it would break."""

    to: str
    figures: Figures
    source_after: PipelineMetrics
    destination_after: PipelineMetrics
    breaks: tuple[tuple[str, str], ...]  # (rule, what it says)

    @property
    def allowed(self) -> bool:
        return not self.breaks


@dataclass(frozen=True)
class Explanation:
    table: Table
    estimate: CostEstimate
    pipeline: PipelinePlan
    metrics: PipelineMetrics
    share: float  # of its pipeline's load
    binds: tuple[str, ...]
    figures: Figures
    moves: tuple[MoveEffect, ...]

    @property
    def cost_source(self) -> str:
        return SOURCES.get(self.estimate.source, self.estimate.source)


def explain(plan: Plan, name: str) -> Explanation:
    """Why `name` is in its pipeline and what moving it to each other one would do."""
    table = _find(plan, name)
    name = table.source_table
    estimates = {e.table: e for e in plan.estimates}
    home = next(p for p in plan.pipelines if name in p.tables)
    metrics = plan_metrics(plan)
    by_key = {m.key: m for m in metrics.pipelines}
    tables = {x.source_table: x for x in plan.tables}
    moves = tuple(
        _move(plan, estimates, tables, table, home, other)
        for other in plan.pipelines
        if other != home
    )
    return Explanation(
        table=table,
        estimate=estimates[name],
        pipeline=home,
        metrics=by_key[home.key],
        share=round(_share(estimates, home, name), 4),
        binds=tuple(_binds(plan, table, home, by_key[home.key])),
        figures=Figures.of(metrics),
        moves=moves,
    )


def _find(plan: Plan, name: str) -> Table:
    tables = {t.source_table: t for t in plan.tables}
    if name in tables:
        return tables[name]
    folded = [t for n, t in tables.items() if uc_key(n) == uc_key(name)]  # as UC compares
    if len(folded) == 1:
        return folded[0]
    near = sorted(n for n in tables if name.casefold() in n.casefold())[:5]
    raise InputError(
        f"the plan has no table {shown(name)}.",
        fix=f"give one of its tables{': e.g. ' + ', '.join(near) if near else ''}.",
    )


def _share(estimates: Mapping[str, CostEstimate], p: PipelinePlan, name: str) -> float:
    load = sum(estimates[t].seconds for t in p.tables)
    return estimates[name].seconds / load if load else 0.0


def _binds(plan: Plan, t: Table, home: PipelinePlan, m: PipelineMetrics) -> list[str]:
    s = plan.settings
    group = t.group_value(s.group_by)
    same = [p.key for p in plan.pipelines if p.group == home.group]
    out = [
        f"--group-by {s.group_by}: its group is '{group}'; pipelines of that group: "
        + ", ".join(same)
    ]
    if not s.allow_mixed_schedules:
        out.append(f"one schedule per pipeline: it runs on '{t.schedule}'")
    if t.pin:
        out.append(f"pinned to '{t.pin}' (tables.csv pin)")
    if t.together:
        members = sorted(x.source_table for x in plan.tables if x.together == t.together)
        others = ", ".join(n for n in members if n != t.source_table) or "no other table"
        out.append(f"together '{t.together}' with {others}")
    if t.apart:
        out.append(f"apart from tables labelled {', '.join(t.apart)}")
    out.append(f"at most {s.max_tables_per_pipeline} tables a pipeline ({len(home.tables)} here)")
    if m.cap_s is not None:
        out.append(
            f"schedule fit: the pipeline's p90 run ({format_duration(m.p90_runtime_s)}) within "
            f"{format_duration(m.cap_s)}"
        )
    return out


def _move(
    plan: Plan,
    estimates: Mapping[str, CostEstimate],
    tables: Mapping[str, Table],
    t: Table,
    home: PipelinePlan,
    other: PipelinePlan,
) -> MoveEffect:
    name = t.source_table
    changed = {
        home.key: dataclasses.replace(home, tables=tuple(x for x in home.tables if x != name)),
        other.key: dataclasses.replace(other, tables=tuple(sorted((*other.tables, name)))),
    }
    pipelines = tuple(
        costed(changed[p.key], estimates, plan.settings) if p.key in changed else p
        for p in plan.pipelines
    )
    pipelines = staggered_pipelines(pipelines, plan.settings).pipelines  # starts move too
    after = dataclasses.replace(plan, pipelines=pipelines)
    metrics = plan_metrics(after)
    by_key = {m.key: m for m in metrics.pipelines}
    breaks = [(rule.name, v) for rule in RULES for v in rule.violations(after, tables)]
    if not changed[home.key].tables:
        breaks.append(("non-empty", f"pipeline '{home.key}' would be left empty"))
    return MoveEffect(
        other.key, Figures.of(metrics), by_key[home.key], by_key[other.key], tuple(breaks)
    )
