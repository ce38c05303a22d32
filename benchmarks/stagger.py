"""Staggered start times on OSIPI: the batch window at a cap of 1, 2, 3 and no cap.

    .venv/bin/python -m benchmarks.stagger

Each row is `balancer solve --tables examples/osipi/tables.csv --history
examples/osipi/runs.csv --max-concurrent-pipelines N` (the planner called directly, default
settings otherwise; 0 is no cap): the daily pipelines' start offsets, the batch window the
plan reports (latest offset + predicted runtime), the same at p90, and the most daily
pipelines running at once at their p90.
"""

from __future__ import annotations

import time
from pathlib import Path

from balancer.io import read_history, read_tables
from balancer.model import PipelinePlan, Settings
from balancer.plan_metrics import plan_metrics
from balancer.planning.planner import make_plan
from balancer.schedules import is_batch
from balancer.units import format_duration

OSIPI = Path(__file__).resolve().parents[1] / "examples" / "osipi"
CAPS = (1, 2, 3, 0)


def most_at_once(daily: list[PipelinePlan]) -> int:
    spans = [(p.start_offset_min * 60, p.start_offset_min * 60 + p.p90_runtime_s) for p in daily]
    return max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)


def rows() -> list[list[str]]:
    catalog = read_tables(str(OSIPI / "tables.csv"))
    history = read_history(str(OSIPI / "runs.csv"))
    out = []
    for cap in CAPS:
        started = time.perf_counter()
        plan = make_plan(catalog, history, Settings(name="osipi", max_concurrent_pipelines=cap))
        seconds = time.perf_counter() - started
        daily = sorted(
            (p for p in plan.pipelines if is_batch(p.schedule)),
            key=lambda p: (p.start_offset_min, p.key),
        )
        p90_window = max(p.start_offset_min * 60 + p.p90_runtime_s for p in daily)
        out.append(
            [
                str(cap) if cap else "no cap (0)",
                str(len(plan.pipelines)),
                str(len(daily)),
                " ".join(f"+{p.start_offset_min}" for p in daily),
                format_duration(plan_metrics(plan).batch_window_s),
                format_duration(p90_window),
                str(most_at_once(daily)),
                str(len(plan.warnings)),
                f"{seconds:.2f}",
            ]
        )
    return out


HEADER = (
    "--max-concurrent-pipelines",
    "K",
    "daily pipelines",
    "daily start offsets (min)",
    "batch window",
    "batch window at p90",
    "most at once (p90)",
    "warnings",
    "solve s",
)


def section() -> str:
    """The rows as a markdown table (benchmarks.run's section, and this module's output)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows()]
    return "\n".join(lines)


def main() -> None:
    print(section())


if __name__ == "__main__":
    main()
