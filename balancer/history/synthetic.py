"""A seeded generator of SYNTHETIC run histories for examples, tests and benchmarks.

No real run history exists for the example connectors, so the examples ship histories made
here and say so (run ids start with 'synthetic-'). One generative model (DESIGN.md section 4):

- A run of an incremental table (append, cdc, cdc_with_deletes) costs a fixed part plus a
  part per minute of data since the table's previous successful run (a failed run commits
  nothing, so the next run reads its data too), times a lognormal noise. A snapshot costs
  about the same each run; about a third of them grow over the history (x1.3 to x2.2).
- Per table, the parts are drawn heavy-tailed (lognormal) by ingestion type (`PRIORS`), from
  a random stream of its own: seeded by the seed, its ingestion type and its name, so adding
  a table to tables.csv does not change the others.
- The tables of one schedule form one synthetic pipeline; its updates fire on the schedule's
  cron with the gaps a real trigger has (`GAP_MIX`: most on time, some after a skipped
  trigger, a few after an outage), and an update that outlasts its interval makes the job
  skip triggers until it is done. In an update the flows run `concurrency` at a time (1: one
  after another), so the concurrency calibrated from the history is that number.
- A schedule that would give a table more than `max_runs_per_table` runs in the window runs
  every k-th trigger instead (the smallest k that keeps it under): the history of a job that
  ran less often than the tables are planned, as the estimator reads (it takes the interval
  from the history and scales only the per-minute part to the planned schedule).
- The data a run reads varies beyond its minutes (busy and quiet spells): the minutes times a
  lognormal factor (`Knobs.volume`), and an incremental table's rows written measure that
  data (`rows_per_s` rows per second of its variable part), so a history's rows tell the
  parts apart as the estimator reads them; a snapshot writes `rows_per_s` a second of run.
- 3% failed runs (a fraction of the cost, no rows), 1% outliers (x3 to x8, a slow run, not
  more rows).

Same arguments, same rows.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from croniter import croniter

from balancer.io.runs import COLUMNS
from balancer.model import Table

START = datetime(2026, 10, 1, tzinfo=timezone.utc)
HEADER = COLUMNS

# The gaps a real trigger has, in nominal intervals: most on time, some after a skipped
# trigger (the previous run overran), a few after an outage.
GAP_MIX = ((1, 0.85), (2, 0.10), (4, 0.05))
# A flow that would run past a day stops there (a job's timeout): a pipeline whose updates
# fall behind reads ever more data a run, and without a cap it would write runs longer than
# the week the runs reader accepts.
FLOW_TIMEOUT_S = 86_400.0


@dataclass(frozen=True)
class TableModel:
    """The generative model of one table's runs: fixed_s + per_min_s x minutes of data since
    its previous successful run (0 for a snapshot), times `growth` ** (share of the history
    gone by), times a lognormal noise; `rows_per_s` rows written per second of the variable
    part (of the whole run for a snapshot)."""

    fixed_s: float
    per_min_s: float
    growth: float = 1.0
    rows_per_s: float = 100.0

    def cost(self, data_min: float, age: float) -> float:
        return float((self.fixed_s + self.per_min_s * data_min) * self.growth**age)


@dataclass(frozen=True)
class Prior:
    """Lognormal medians and sigmas of a table's fixed part (s) and per-minute part (s/min)."""

    fixed_s: float
    fixed_sigma: float
    per_min_s: float = 0.0
    per_min_sigma: float = 0.0
    grows: float = 0.0  # the share of tables that grow over the history


PRIORS: Mapping[str, Prior] = {
    "append": Prior(15.0, 0.7, 1.0, 0.8),
    "cdc": Prior(25.0, 0.8, 0.25, 0.9),
    "cdc_with_deletes": Prior(35.0, 0.8, 0.3, 0.9),
    "snapshot": Prior(150.0, 0.6, grows=0.33),
}


@dataclass(frozen=True)
class Knobs:
    """How the runs are drawn around the tables' models."""

    gap_mix: Sequence[tuple[int, float]] = GAP_MIX
    noise: float = 0.12
    volume: float = 0.25  # sigma of the busy-or-quiet factor on the data a run reads
    rows: bool = True  # False: rows written left empty (a history without them)
    failure_rate: float = 0.03
    outlier_rate: float = 0.01
    concurrency: int = 1
    drift_sigma: float = 0.0  # each table's model times a lognormal factor of this sigma
    drift_seed: int = 1
    priors: Mapping[str, Prior] = field(default_factory=lambda: dict(PRIORS))


def table_model(table: Table, seed: int, priors: Mapping[str, Prior] = PRIORS) -> TableModel:
    """A table's model, drawn from its ingestion type's prior with a stream of its own."""
    prior = priors.get(table.ingestion_type, priors["snapshot"])
    rng = random.Random(f"{seed}/{table.ingestion_type}/{table.source_table}")
    fixed = rng.lognormvariate(math.log(prior.fixed_s), prior.fixed_sigma)
    per_min = (
        rng.lognormvariate(math.log(prior.per_min_s), prior.per_min_sigma)
        if prior.per_min_s > 0
        else 0.0
    )
    growth = rng.uniform(1.3, 2.2) if rng.random() < prior.grows else 1.0
    rows_per_s = rng.lognormvariate(math.log(400.0), 0.8)
    return TableModel(fixed, per_min, growth, rows_per_s)


def _drifted(models: dict[str, TableModel], sigma: float, seed: int) -> dict[str, TableModel]:
    """Runtimes that drifted since a plan was made: each table's parts times one factor."""
    rng = random.Random(seed)
    out = {}
    for name in sorted(models):
        m, factor = models[name], rng.lognormvariate(0.0, sigma)
        out[name] = replace(m, fixed_s=m.fixed_s * factor, per_min_s=m.per_min_s * factor)
    return out


def _grid(schedule: str, days: int, max_runs: int) -> list[datetime]:
    """The triggers of `schedule` in the window, every k-th one where there are more than
    `max_runs` (k the smallest that keeps them under)."""
    it = croniter(schedule, START - timedelta(seconds=1))
    end = START + timedelta(days=days)
    times: list[datetime] = []
    while (t := it.get_next(datetime)) < end:
        times.append(t)
    stride = max(1, math.ceil(len(times) / max_runs))
    return times[::stride]


def _stamp(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _flow(t: Table) -> str:
    if t.ingestion_type == "append":
        return f"source_{t.source_table}_append_flow"
    return t.destination_table or t.source_table


@dataclass
class _Pipeline:
    """One synthetic pipeline: its tables, their models and when each last succeeded."""

    number: int
    members: list[Table]
    models: Mapping[str, TableModel]
    grid: list[datetime]
    previous: dict[str, datetime]
    connector: str


def generate_runs(
    tables: Sequence[Table],
    days: int = 30,
    seed: int = 7,
    max_runs_per_table: int = 360,
    connector: str = "connector",
    knobs: Knobs | None = None,
    models: Mapping[str, TableModel] | None = None,
) -> Iterator[tuple[str, ...]]:
    """Rows of runs.csv (without header), one synthetic pipeline per schedule; `models`
    (by source table) replaces the drawn ones where given."""
    knobs = knobs or Knobs()
    drawn = {t.source_table: table_model(t, seed, knobs.priors) for t in tables}
    drawn.update(models or {})
    if knobs.drift_sigma > 0:
        drawn = _drifted(drawn, knobs.drift_sigma, knobs.drift_seed)
    by_schedule: dict[str, list[Table]] = {}
    for t in tables:
        by_schedule.setdefault(t.schedule, []).append(t)
    streams = []
    for number, (schedule, members) in enumerate(sorted(by_schedule.items())):
        grid = _grid(schedule, days, max_runs_per_table)
        step = grid[1] - grid[0] if len(grid) > 1 else timedelta(days=days)
        previous = {t.source_table: grid[0] - step for t in members} if grid else {}
        pipeline = _Pipeline(number, members, drawn, grid, previous, connector)
        rng = random.Random(f"{seed}/pipeline/{schedule}")
        streams.append(_pipeline_runs(pipeline, rng, knobs))
    # all pipelines' runs by start time, as an event log gives them
    yield from (row for _, row in heapq.merge(*streams, key=lambda pair: pair[0]))


def _pipeline_runs(
    p: _Pipeline, rng: random.Random, knobs: Knobs
) -> Iterator[tuple[datetime, tuple[str, ...]]]:
    """The updates of one pipeline (each row with its start, in order): on the grid, with
    gaps, skipping triggers while busy."""
    if not p.grid:
        return
    steps, probs = [g for g, _ in knobs.gap_mix], [w for _, w in knobs.gap_mix]
    span = (p.grid[-1] - p.grid[0]).total_seconds() or 1.0
    k, n_run = 0, 0
    while k < len(p.grid):
        fire = p.grid[k]
        age = (fire - p.grid[0]).total_seconds() / span
        rows, done = _update(p, fire, age, f"{p.number:02d}-{n_run:05d}", rng, knobs)
        yield from rows
        n_run += 1
        k += rng.choices(steps, probs)[0]
        while k < len(p.grid) and p.grid[k] < done:
            k += 1  # the job is still running: the trigger is skipped


def _update(
    p: _Pipeline, fire: datetime, age: float, number: str, rng: random.Random, knobs: Knobs
) -> tuple[list[tuple[datetime, tuple[str, ...]]], datetime]:
    """The rows of one update and when its last flow ended. Flows start as soon as one of
    the `concurrency` slots is free, the first 20-90 s after the trigger."""
    first = fire + timedelta(seconds=rng.uniform(20, 90))
    slots = [first] * max(1, min(knobs.concurrency, len(p.members)))
    heapq.heapify(slots)
    out, done = [], first
    for t in p.members:
        at = heapq.heappop(slots)
        m = p.models[t.source_table]
        data_min = (at - p.previous[t.source_table]).total_seconds() / 60.0
        data_min *= rng.lognormvariate(0.0, knobs.volume) if m.per_min_s > 0 else 0.0
        duration = m.cost(data_min, age)
        duration *= rng.lognormvariate(0.0, knobs.noise)
        status = "COMPLETED"
        if rng.random() < knobs.outlier_rate:
            duration *= rng.uniform(3.0, 8.0)
        if rng.random() < knobs.failure_rate:
            status = "FAILED"
            duration *= rng.uniform(0.05, 0.5)
        else:
            p.previous[t.source_table] = at
        duration = min(duration, FLOW_TIMEOUT_S)
        stop = at + timedelta(seconds=duration)
        heapq.heappush(slots, stop)
        done = max(done, stop)
        rows = _rows_written(m, data_min, age, duration, status) if knobs.rows else None
        out.append((at, _row(p, t, number, at, stop, duration, status, rows)))
    return out, done


def _rows_written(m: TableModel, data_min: float, age: float, duration: float, status: str) -> int:
    """What a run wrote: nothing when it failed; an incremental table, its data (the variable
    part's seconds x rows_per_s); a snapshot, rows_per_s a second of its run."""
    if status == "FAILED":
        return 0
    if m.per_min_s > 0:
        return int(m.per_min_s * data_min * m.growth**age * m.rows_per_s)
    return int(duration * m.rows_per_s)


def _row(
    p: _Pipeline,
    t: Table,
    number: str,
    at: datetime,
    stop: datetime,
    duration: float,
    status: str,
    rows: int | None,
) -> tuple[str, ...]:
    """One runs.csv row; `rows` None: rows written not known (left empty)."""
    if rows is None:
        counts = ("", "", "", "")
    else:
        upserted = rows if t.ingestion_type.startswith("cdc") else 0
        deleted = rows // 50 if t.ingestion_type == "cdc_with_deletes" else 0
        counts = (str(rows), str(upserted), str(deleted), str(rows * 180))
    return (
        f"synthetic-{number}",
        f"synthetic-pipeline-{p.number:02d}",
        f"synthetic_{p.connector}_{p.number:02d}",
        t.source_table,
        _flow(t),
        _stamp(at),
        _stamp(stop),
        f"{duration:.3f}",
        *counts,
        status,
    )
