"""Schedules nobody chose: tables whose `schedule` column was empty with no `--schedule-*`
given for their ingestion type, so they run on the per-type default (cdc every 5 minutes,
append every 15, snapshot daily). What they start a day is said by `solve`, `render` and
`deploy`, and `render` pauses their jobs unless told to run them (`--run-default-schedules`).

A pipeline counts as on a default schedule when every table in it is (its schedule is then
the default of its tables' type). Pure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from balancer.model import Plan
from balancer.plan_metrics import plan_metrics
from balancer.schedules import describe
from balancer.units import format_duration


@dataclass(frozen=True)
class DefaultSchedules:
    """The tables on defaults by (ingestion type, schedule), and what their pipelines start."""

    tables: tuple[tuple[str, str, int], ...]  # (ingestion type, cron, tables)
    pipelines: tuple[str, ...]  # keys of the pipelines whose every table is on a default
    runs_per_day: float
    compute_s_per_day: float

    def __bool__(self) -> bool:
        return bool(self.tables)


def default_schedules(plan: Plan) -> DefaultSchedules:
    """Which of the plan's schedules nobody chose, and their pipelines' runs and compute."""
    defaulted = {t.source_table: t for t in plan.tables if t.schedule_is_default}
    counts = Counter((t.ingestion_type, t.schedule) for t in defaulted.values())
    keys = tuple(
        p.key for p in plan.pipelines if p.tables and all(t in defaulted for t in p.tables)
    )
    metrics = [m for m in plan_metrics(plan).pipelines if m.key in keys] if keys else []
    return DefaultSchedules(
        tables=tuple((itype, cron, n) for (itype, cron), n in sorted(counts.items())),
        pipelines=keys,
        runs_per_day=round(sum(m.runs_per_day for m in metrics), 3),
        compute_s_per_day=round(sum(m.compute_s_per_day for m in metrics), 1),
    )


def default_schedules_line(found: DefaultSchedules, paused: bool | None = None) -> str:
    """One line: the schedules nobody chose, what they start a day, how to choose them.
    `paused`: whether their jobs are rendered paused (None: not rendered yet)."""
    if not found:
        return ""
    which = ", ".join(f"{n} {itype} tables {describe(cron)}" for itype, cron, n in found.tables)
    flags = sorted({f"--schedule-{'cdc' if 'cdc' in i else i}" for i, _, _ in found.tables})
    jobs = {
        None: "render pauses their jobs until you do (or pass --run-default-schedules)",
        True: "their jobs are rendered paused (--run-default-schedules runs them as they are)",
        False: "their jobs are rendered unpaused (--run-default-schedules)",
    }[paused]
    return (
        f"schedules nobody chose (empty schedule column, no --schedule-*): {which}; they start "
        f"{found.runs_per_day:,.0f} runs a day in {len(found.pipelines)} pipeline(s), compute "
        f"{format_duration(found.compute_s_per_day)} a day. Choose them in the schedule column "
        f"of tables.csv or with solve {' / '.join(flags)}; {jobs}."
    )
