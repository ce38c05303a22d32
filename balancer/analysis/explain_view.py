"""`balancer explain`'s text: the table's place, what binds it, and a row per possible move."""

from __future__ import annotations

from typing import Any

from balancer.analysis.explain import Explanation, Figures
from balancer.plan_metrics import PipelineMetrics
from balancer.schedules import describe
from balancer.units import format_duration


def _fit(m: PipelineMetrics) -> str:
    allowed = format_duration(m.cap_s) if m.cap_s is not None else "-"
    return f"{format_duration(m.p90_runtime_s)} / {allowed}"


def _delta(after: float, before: float) -> str:
    change = after - before
    if abs(change) < 0.5:
        return format_duration(after)
    sign = "+" if change > 0 else "-"
    return f"{format_duration(after)} ({sign}{format_duration(abs(change))})"


def figures_line(f: Figures) -> str:
    return (
        f"makespan {format_duration(f.makespan_s)}, compute {format_duration(f.compute_s_per_day)}"
        f" a day, worst data age {format_duration(f.worst_age_s)}, batch window "
        f"{format_duration(f.batch_window_s)}"
        + (f", over schedule: {', '.join(f.misfits)}" if f.misfits else "")
    )


def print_explanation(e: Explanation, out: Any) -> None:
    from rich.table import Table as RichTable

    t, est, p = e.table, e.estimate, e.pipeline
    out.print(
        f"{t.source_table}: in pipeline {p.key} ({describe(p.schedule)}, group {p.group}), "
        f"one of its {len(p.tables)} tables"
    )
    runs = f", {est.runs_used} runs" if est.runs_used else ""
    out.print(
        f"cost: {format_duration(est.seconds)} a run (p50 {format_duration(est.p50)}, p90 "
        f"{format_duration(est.p90)}), from {e.cost_source}{runs}; {e.share:.0%} of the "
        f"pipeline's load" + (f"; {est.note}" if est.note else "")
    )
    out.print("what keeps it there:")
    for line in e.binds:
        out.print(f"  - {line}")
    out.print(f"the plan now: {figures_line(e.figures)}")
    if not e.moves:
        out.print("the plan has no other pipeline to move it to")
        return
    table = RichTable(title=f"moving {t.source_table} alone to", title_justify="left")
    for column in ("to", "makespan", "compute/day", "worst age", f"{p.key} p90/allowed"):
        table.add_column(column, overflow="fold")
    table.add_column("to p90/allowed")
    table.add_column("rules broken", overflow="fold")
    f0 = e.figures
    for m in e.moves:
        f = m.figures
        table.add_row(
            m.to,
            _delta(f.makespan_s, f0.makespan_s),
            _delta(f.compute_s_per_day, f0.compute_s_per_day),
            _delta(f.worst_age_s, f0.worst_age_s),
            _fit(m.source_after),
            _fit(m.destination_after),
            ", ".join(dict.fromkeys(rule for rule, _ in m.breaks)) or "none",
        )
    out.print(table)
