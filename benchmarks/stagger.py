"""Staggered start times on OSIPI: the batch window at a cap of 1, 2, 3 and no cap.

    .venv/bin/python -m benchmarks.stagger

Each row is `balancer solve --tables examples/osipi/tables.csv --history
examples/osipi/runs.csv --max-concurrent-pipelines N`, K left to the solver (3..8) or fixed at
8 (`--pipelines 8`), the planner called directly, default settings otherwise (0 is no cap):
the daily pipelines' start offsets, the batch window the plan reports (latest offset +
predicted runtime), the same at p90, and the most daily pipelines running at once at p90.
"""

from __future__ import annotations

import dataclasses
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
KS = (None, 8)  # left to the solver, or --pipelines 8


def most_at_once(daily: list[PipelinePlan]) -> int:
    spans = [(p.start_offset_min * 60, p.start_offset_min * 60 + p.p90_runtime_s) for p in daily]
    return max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)


def rows() -> list[list[str]]:
    catalog = read_tables(str(OSIPI / "tables.csv"))
    history = read_history(str(OSIPI / "runs.csv"))
    out = []
    for k, cap in ((k, cap) for k in KS for cap in CAPS):
        started = time.perf_counter()
        settings = Settings(name="osipi", max_concurrent_pipelines=cap)
        if k:
            settings = dataclasses.replace(settings, pipelines_min=k, pipelines_max=k)
        plan = make_plan(catalog, history, settings)
        seconds = time.perf_counter() - started
        daily = sorted(
            (p for p in plan.pipelines if is_batch(p.schedule)),
            key=lambda p: (p.start_offset_min, p.key),
        )
        p90_window = max(p.start_offset_min * 60 + p.p90_runtime_s for p in daily)
        out.append(
            [
                str(cap) if cap else "no cap (0)",
                f"{len(plan.pipelines)}" + (" (--pipelines 8)" if k else " (chosen)"),
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
