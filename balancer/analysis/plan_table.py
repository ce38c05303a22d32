"""A plan as a data engineer reads it: one row per pipeline with what its schedule implies,
totals, and the solver's figures in words. Used by `solve`, `rebalance`, `whatif` and the
notebooks (`balancer.print_plan`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from balancer.analysis.text_table import fitted_table
from balancer.costs import status_text
from balancer.model import Plan
from balancer.plan_metrics import PlanMetrics, plan_metrics
from balancer.schedules import describe, describe_start
from balancer.terminal import console
from balancer.units import format_duration

_SOURCES = {
    "history": "from run history",
    "weight": "from the weight column (seconds a run)",
    "similar": "from rows x seconds per row of similar tables",
    "fallback": "the median of their ingestion type (no history, weight or rows)",
}


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _fit_bar(p90: int, allowed: int | None, interval: int) -> str:
    """p90 runtime against what the schedule allows, as a percentage."""
    limit = allowed or interval
    share = p90 / limit if limit else 0.0
    return f"{share * 100:.0f}%"


def pipelines_table(
    plan: Plan, metrics: PlanMetrics | None = None, title: str = "", width: int | None = None
) -> Any:
    """The rich table of a plan's pipelines with a totals row. Given the terminal's `width`,
    keys and schedules fold onto a second line rather than be cut (figures never break)."""
    m = metrics or plan_metrics(plan)
    columns = _columns(plan, m)
    return fitted_table(
        [h for h, _ in columns],
        _rows(plan, m),
        width=width,
        title=title or f"{len(plan.pipelines)} pipelines",
        footers=[f for _, f in columns],
        left=(0, 1, 6),
        folding=(0, 1),
    )


def _columns(plan: Plan, m: PlanMetrics) -> list[tuple[str, str]]:
    columns = [
        ("pipeline", "total"),
        ("schedule", ""),
        ("tbls", str(sum(len(p.tables) for p in plan.pipelines))),
        ("p50\nrun", ""),
        ("p90\nrun", ""),
        ("limit", ""),
        ("p90/\nlimit", ""),
        ("runs\n/day", f"{m.runs_per_day:,.0f}"),
        ("compute\n/day", format_duration(m.compute_s_per_day)),
        ("worst\nage", format_duration(m.worst_age_intraday_s)),
    ]
    if plan.settings.price_per_hour is not None:
        columns.append(("cost/day", _money(m.cost_per_day)))
    return columns


def _rows(plan: Plan, m: PlanMetrics) -> list[list[str]]:
    by_key = {p.key: p for p in plan.pipelines}
    rows = []
    for pm in m.pipelines:
        p = by_key[pm.key]
        row = [
            p.key,
            describe_start(p.schedule, p.start_offset_min),
            str(len(p.tables)),
            format_duration(pm.p50_runtime_s),
            format_duration(pm.p90_runtime_s),
            format_duration(pm.cap_s) if pm.cap_s is not None else "-",
            _fit_bar(pm.p90_runtime_s, pm.cap_s, pm.interval_s),
            f"{pm.runs_per_day:,.0f}" + (" (skips)" if pm.skips else ""),
            format_duration(pm.compute_s_per_day),
            format_duration(pm.worst_age_s),
        ]
        if plan.settings.price_per_hour is not None:
            row.append(_money(pm.cost_per_day))
        rows.append(row)
    return rows


def summary_lines(plan: Plan, metrics: PlanMetrics | None = None) -> list[str]:
    """The plan's figures in words, one idea a line."""
    m = metrics or plan_metrics(plan)
    s = plan.settings
    lines = [
        f"longest pipeline runtime (makespan) {format_duration(plan.makespan_s)}; proven lower "
        f"bound {format_duration(plan.lower_bound_s)} (gap {plan.gap * 100:.2f}%); status "
        f"{status_text(plan.status, plan.estimates)}",
        f"spread (longest minus shortest runtime) {format_duration(plan.spread_s)}; categories "
        f"split across pipelines {plan.category_splits}",
    ]
    cost = f" ({_money(m.cost_per_day)} a day)" if m.cost_per_day is not None else ""
    ages = ", ".join(f"{describe(c)} {format_duration(a)}" for c, a in m.worst_age_by_schedule)
    batch = (
        f"batch window (daily and slower) {format_duration(m.batch_window_s)}; "
        if m.batch_window_s
        else ""
    )
    lines.append(
        f"{batch}compute {format_duration(m.compute_s_per_day)} a day{cost}; worst data age: {ages}"
    )
    staggered = stagger_line(plan)
    if staggered:
        lines.append(staggered)
    over = f"; OVER: {', '.join(m.misfits)}" if m.misfits else ""
    if s.sla_headroom is None:  # overruns (p90 run > interval) are listed all the same
        lines.append(f"schedule fit: not checked (--no-schedule-fit){over}")
    else:
        lines.append(
            f"schedule fit: every p90 run within {s.sla_headroom:g} x its interval "
            f"(batch window {format_duration(s.batch_window_s)}){over}"
        )
    counts = Counter(e.source for e in plan.estimates)
    lines.append(
        "table costs: "
        + "; ".join(f"{n} {_SOURCES.get(src, src)}" for src, n in sorted(counts.items()))
        + f"; {s.concurrency} flow(s) at once"
        + (" (from history)" if s.concurrency_calibrated else "")
        + f", {s.overhead_s} s start-up a run"
    )
    return lines


def stagger_line(plan: Plan) -> str:
    """The staggered starts in one line ("" when every pipeline starts on its trigger)."""
    cap = plan.settings.max_concurrent_pipelines
    late = [p for p in plan.pipelines if p.start_offset_min]
    if not late:
        return ""
    starts = ", ".join(f"{p.key} +{p.start_offset_min} min" for p in late)
    return (
        f"start times staggered (--max-concurrent-pipelines {cap}: at most {cap} of a "
        f"schedule's pipelines at once at p90): {starts}"
    )


def k_line(plan: Plan) -> str:
    """The choice of K in one line, with what each K costs and delivers."""
    if len(plan.k_results) < 2:
        return ""
    parts = []
    for k in plan.k_results:
        if k.status == "INFEASIBLE":
            parts.append(f"K={k.k}: does not fit")
        elif k.compute_s_per_day:
            parts.append(
                f"K={k.k}: compute {format_duration(k.compute_s_per_day)}/day"
                + (f", batch {format_duration(k.batch_window_s)}" if k.batch_window_s else "")
            )
        else:
            parts.append(f"K={k.k}: {format_duration(k.makespan_s)}")
    cap = plan.settings.max_concurrent_pipelines
    together = f"; batch windows staggered, {cap} at a time" if cap else ""
    return f"by pipeline count ({plan.settings.objective}{together}): " + "  ".join(parts)


def print_plan(plan: Plan, out: Any = None) -> None:
    """Print a plan's table and figures (to a rich console; stdout by default)."""
    if out is None:
        out = console()
    m = plan_metrics(plan)
    out.print(pipelines_table(plan, m, width=out.width))
    for line in summary_lines(plan, m):
        out.print(line, highlight=False)
    line = k_line(plan)
    if line:
        out.print(line, highlight=False)
