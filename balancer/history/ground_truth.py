"""A workload of known costs, for checking the cost model against the truth (the tests of
the estimator and `benchmarks/backtest.py`): 24 cdc tables whose run costs fixed_s +
per_min_s x minutes of data since the previous run, 14 days on a nominal 15-minute schedule
with the gaps a real job has (skipped triggers, outages; `synthetic.GAP_MIX`). SYNTHETIC.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from balancer.history.synthetic import GAP_MIX, HEADER, Knobs, TableModel, generate_runs
from balancer.io.csvout import csv_text
from balancer.model import Table

HOURLY = "0 * * * *"
NOMINAL = "*/15 * * * *"


def workload(n: int = 24, seed: int = 3) -> dict[str, TableModel]:
    """n tables' true parts: fixed about 30 s, about 2 s a minute of data (lognormal)."""
    rng = random.Random(seed)
    return {
        f"t{i:02d}": TableModel(rng.lognormvariate(3.4, 0.5), rng.lognormvariate(0.7, 0.5))
        for i in range(n)
    }


def model_rows(
    tables: Sequence[Table],
    models: dict[str, TableModel],
    seed: int,
    gap_mix: Sequence[tuple[int, float]] = GAP_MIX,
    rows: bool = True,
) -> str:
    """runs.csv of 14 days of `models` on the tables' schedule: every trigger kept, flows all
    at once, noise 10%, no failure or outlier; rows written unless `rows` is False."""
    knobs = Knobs(
        gap_mix,
        noise=0.1,
        failure_rate=0.0,
        outlier_rate=0.0,
        concurrency=len(tables),
        rows=rows,
    )
    return csv_text(HEADER, generate_runs(tables, 14, seed, 10**6, knobs=knobs, models=models))


def inputs(
    schedule: str, gap_mix: Sequence[tuple[int, float]] | None = None, rows: bool = True
) -> tuple[dict[str, TableModel], str, str]:
    """The truth, tables.csv (every table on `schedule`, "" for none) and runs.csv (the
    history on NOMINAL) as texts."""
    models = workload()
    tables = [Table(name, name, "c", "cdc", NOMINAL) for name in models]
    lines = ["source_table,category,ingestion_type,schedule"]
    lines += [f"{name},c,cdc,{schedule}" for name in models]
    runs = model_rows(tables, models, 5, gap_mix or GAP_MIX, rows)
    return models, "\n".join(lines) + "\n", runs
