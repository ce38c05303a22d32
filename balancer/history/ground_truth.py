"""A workload of known costs, for checking the cost model against the truth (the tests of
the estimator and `benchmarks/backtest.py`): 24 cdc tables whose run costs fixed_s +
per_min_s x minutes of data since the previous run, 14 days on a nominal 15-minute schedule
with the gaps a real job has (skipped triggers, outages; `synthetic.GAP_MIX`). SYNTHETIC.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from balancer.history.synthetic import GAP_MIX, HEADER, TableModel, model_runs
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


def inputs(
    schedule: str, gap_mix: Sequence[tuple[int, float]] | None = None, rows: bool = True
) -> tuple[dict[str, TableModel], str, str]:
    """The truth, tables.csv (every table on `schedule`, "" for none) and runs.csv (the
    history on NOMINAL, rows written unless `rows` is False) as texts."""
    models = workload()
    tables = [Table(name, name, "c", "cdc", NOMINAL) for name in models]
    lines = ["source_table,category,ingestion_type,schedule"]
    lines += [f"{name},c,cdc,{schedule}" for name in models]
    runs = model_runs(
        tables, models, days=14, interval_min=15, seed=5, gap_mix=gap_mix or GAP_MIX, rows=rows
    )
    return models, "\n".join(lines) + "\n", csv_text(HEADER, runs)
