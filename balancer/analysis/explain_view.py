"""`balancer explain`'s text: the table's place, what binds it, and a row per possible move."""

from __future__ import annotations

from typing import Any

from balancer.analysis.explain import Explanation, Figures
from balancer.analysis.text_table import fitted_table
from balancer.plan_metrics import PipelineMetrics
from balancer.schedules import describe_start
from balancer.units import format_duration


def _fit(m: PipelineMetrics) -> str:
    allowed = format_duration(m.cap_s) if m.cap_s is not None else "-"
    return f"{format_duration(m.p90_runtime_s)}\n/ {allowed}"


def _delta(after: float, before: float) -> str:
    change = after - before
    if abs(change) < 0.5:
        return format_duration(after)
    sign = "+" if change > 0 else "-"
    return f"{format_duration(after)}\n{sign}{format_duration(abs(change))}"


def figures_line(f: Figures) -> str:
    return (
        f"makespan {format_duration(f.makespan_s)}, compute {format_duration(f.compute_s_per_day)}"
        f" a day, worst data age {format_duration(f.worst_age_s)}, batch window "
        f"{format_duration(f.batch_window_s)}"
        + (f", over schedule: {', '.join(f.misfits)}" if f.misfits else "")
    )


def print_explanation(e: Explanation, out: Any) -> None:
    t, est, p = e.table, e.estimate, e.pipeline
    out.print(
        f"{t.source_table}: in pipeline {p.key} ({describe_start(p.schedule, p.start_offset_min)}, "
        f"group {p.group}), "
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
    headers = ["to", "makespan", "compute\n/day", "worst\nage", "from\np90/limit"]
    headers += ["to\np90/limit", "rules broken"]
    f0 = e.figures
    rows = []
    for m in e.moves:
        f = m.figures
        rows.append(
            [
                m.to,
                _delta(f.makespan_s, f0.makespan_s),
                _delta(f.compute_s_per_day, f0.compute_s_per_day),
                _delta(f.worst_age_s, f0.worst_age_s),
                _fit(m.source_after),
                _fit(m.destination_after),
                ", ".join(dict.fromkeys(rule for rule, _ in m.breaks)) or "none",
            ]
        )
    title = f"moving {t.source_table} alone from {p.key} to (changes below each figure)"
    out.print(
        fitted_table(headers, rows, width=out.width, title=title, left=(0, 6), folding=(0, 6))
    )
