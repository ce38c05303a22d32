"""Why compute a day changes between two plans of the same tables (rebalance's before and
after), in words. Pure.

Compute a day is runs that happen x runtime (start-up plus the tables' work). Moving tables
between pipelines of one schedule keeps the work; what changes the total is how many runs
happen: a pipeline whose p90 run outlasts its interval makes its job skip triggers
(`max_concurrent_runs: 1`), so it runs less often and, on paper, costs less. Once it fits
again every trigger runs, and compute rises by the runs it no longer skips.
"""

from __future__ import annotations

from balancer.plan_metrics import PlanMetrics
from balancer.schedules import runs_per_day
from balancer.units import format_duration


def compute_change_line(before: PlanMetrics, after: PlanMetrics, overhead_s: int) -> str:
    """One line: by how much compute a day changes and why ("" when it does not)."""
    delta = after.compute_s_per_day - before.compute_s_per_day
    if abs(delta) < 1:
        return ""
    skipped = [
        f"{m.key} ran {m.runs_per_day:,.0f} of {runs_per_day(m.schedule):,.0f} times a day"
        for m in before.pipelines
        if m.skips
    ]
    still = [m.key for m in after.pipelines if m.skips]
    why = []
    if skipped:
        why.append(
            "before, a run outlasted its interval so the job skipped triggers ("
            + "; ".join(skipped)
            + ")"
            + (
                ", and after, every trigger runs"
                if not still
                else f", and after, {', '.join(still)} still skips"
            )
        )
    if before.runs_per_day != after.runs_per_day:
        why.append(
            f"runs a day {before.runs_per_day:,.0f} before, {after.runs_per_day:,.0f} after, "
            f"each paying {overhead_s} s of start-up on top of its tables' work"
        )
    if len(before.pipelines) != len(after.pipelines):
        why.append(f"{len(before.pipelines)} pipelines before, {len(after.pipelines)} after")
    if not why:
        why.append("the moved tables change the runtimes of the pipelines they leave and join")
    word = "rises" if delta > 0 else "falls"
    return f"compute a day {word} by {format_duration(abs(delta))}: " + "; ".join(why) + "."
