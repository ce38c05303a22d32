"""A seeded generator of SYNTHETIC run histories for examples, tests and benchmarks.

No real run history exists for the example connectors, so the examples ship histories made
here and say so (run ids start with 'synthetic-'). What it models: heavy-tailed per-table
costs (lognormal), incremental tables cheaper per run than snapshots, growth on about a
third of the tables, 3% failed runs, 1% outliers, and pipeline updates in which flows run
one after another. Same seed, same rows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from croniter import croniter

from balancer.io.runs import COLUMNS
from balancer.model import Table

START = datetime(2026, 10, 1, tzinfo=timezone.utc)
HEADER = COLUMNS


def _fire_times(schedule: str, days: int, max_runs: int) -> list[datetime]:
    it = croniter(schedule, START - timedelta(seconds=1))
    end = START + timedelta(days=days)
    times: list[datetime] = []
    while True:
        t = it.get_next(datetime)
        if t >= end:
            break
        times.append(t)
    if len(times) > max_runs:
        step = len(times) / max_runs
        times = [times[int(k * step)] for k in range(max_runs)]
    return times


def generate_runs(
    tables: Sequence[Table],
    days: int = 30,
    seed: int = 7,
    max_runs_per_table: int = 360,
    connector: str = "connector",
    drift_sigma: float = 0.0,
    drift_seed: int = 1,
) -> Iterator[tuple[str, ...]]:
    """Rows of runs.csv (without header), grouped into sequential pipeline updates."""
    rng = random.Random(seed)
    profile = {}
    for t in tables:
        incremental = t.ingestion_type != "snapshot"
        base = rng.lognormvariate(math.log(25.0 if incremental else 150.0), 1.0)
        grows = rng.random() < 0.33
        factor = rng.uniform(1.3, 2.2) if grows else 1.0
        rate = rng.lognormvariate(math.log(400.0), 0.8)
        profile[t.source_table] = (base, factor, rate)
    if drift_sigma > 0:
        # Runtimes that drifted since a plan was made: each table's cost times a lognormal factor.
        drift = random.Random(drift_seed)
        profile = {
            name: (base * drift.lognormvariate(0.0, drift_sigma), factor, rate)
            for name, (base, factor, rate) in profile.items()
        }
    by_schedule: dict[str, list[Table]] = {}
    for t in tables:
        by_schedule.setdefault(t.schedule, []).append(t)
    span = days * 86400.0
    for n_sched, (schedule, members) in enumerate(sorted(by_schedule.items())):
        for n_run, fire in enumerate(_fire_times(schedule, days, max_runs_per_table)):
            run_id = f"synthetic-{n_sched:02d}-{n_run:05d}"
            clock = fire + timedelta(seconds=rng.uniform(20, 90))
            for t in members:
                base, factor, rate = profile[t.source_table]
                age = (fire - START).total_seconds() / span
                expected = base * factor**age
                duration = expected * rng.lognormvariate(0.0, 0.15)
                status = "COMPLETED"
                if rng.random() < 0.01:
                    duration *= rng.uniform(4.0, 10.0)
                if rng.random() < 0.03:
                    status = "FAILED"
                    duration *= rng.uniform(0.05, 0.5)
                rows = 0 if status == "FAILED" else int(duration * rate * rng.uniform(0.9, 1.1))
                end = clock + timedelta(seconds=duration)
                flow = (
                    f"source_{t.source_table}_append_flow"
                    if t.ingestion_type == "append"
                    else t.destination_table or t.source_table
                )
                yield (
                    run_id,
                    f"synthetic-pipeline-{n_sched:02d}",
                    f"synthetic_{connector}_{n_sched:02d}",
                    t.source_table,
                    flow,
                    clock.isoformat().replace("+00:00", "Z"),
                    end.isoformat().replace("+00:00", "Z"),
                    f"{duration:.3f}",
                    str(rows),
                    str(rows if t.ingestion_type.startswith("cdc") else 0),
                    str(rows // 50 if t.ingestion_type == "cdc_with_deletes" else 0),
                    str(rows * 180),
                    status,
                )
                clock = end


@dataclass(frozen=True)
class TableModel:
    """The generative model of one table's runs: fixed_s + per_min_s x minutes of data since
    its previous successful run (an incremental table), times a lognormal noise."""

    fixed_s: float
    per_min_s: float


# The gaps a real trigger has, in nominal intervals: most on time, some after a skipped
# trigger (the previous run overran), a few after an outage.
GAP_MIX = ((1, 0.85), (2, 0.10), (4, 0.05))
ROWS_PER_MIN = 120


def model_runs(
    tables: Sequence[Table],
    models: Mapping[str, TableModel],
    days: int,
    interval_min: float,
    seed: int = 7,
    gap_mix: Sequence[tuple[int, float]] = GAP_MIX,
    noise: float = 0.1,
    connector: str = "connector",
    volume: float = 0.25,
    rows: bool = True,
) -> Iterator[tuple[str, ...]]:
    """Rows of runs.csv: one pipeline update every `interval_min` x a gap drawn from
    `gap_mix`; its tables' flows run at once, each starting 20-90 s into the update and
    costing its model for the data since its own previous start (all succeed): the minutes,
    times a lognormal busy-or-quiet factor (sigma `volume`) that its rows written show
    (ROWS_PER_MIN of data a minute; left empty without `rows`)."""
    rng = random.Random(seed)
    steps, probs = [g for g, _ in gap_mix], [p for _, p in gap_mix]
    clock, end = START, START + timedelta(days=days)
    previous = {t.source_table: START - timedelta(minutes=interval_min) for t in tables}
    n_run = 0
    while clock < end:
        for t in tables:
            m = models[t.source_table]
            at = clock + timedelta(seconds=rng.uniform(20, 90))
            data_min = (at - previous[t.source_table]).total_seconds() / 60.0
            previous[t.source_table] = at
            data = data_min * rng.lognormvariate(0.0, volume)
            duration = (m.fixed_s + m.per_min_s * data) * rng.lognormvariate(0.0, noise)
            written = str(int(data * ROWS_PER_MIN)) if rows else ""
            stop = at + timedelta(seconds=duration)
            yield (
                f"synthetic-00-{n_run:05d}",
                "synthetic-pipeline-00",
                f"synthetic_{connector}_00",
                t.source_table,
                t.destination_table or t.source_table,
                at.isoformat().replace("+00:00", "Z"),
                stop.isoformat().replace("+00:00", "Z"),
                f"{duration:.3f}",
                written,
                written,
                "0" if rows else "",
                str(int(written) * 180) if rows else "",
                "COMPLETED",
            )
        n_run += 1
        clock += timedelta(minutes=interval_min * rng.choices(steps, probs)[0])
