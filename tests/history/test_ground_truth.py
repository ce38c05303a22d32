"""Issue 19: costs learned from the history's own gaps, checked against a known truth.

24 cdc tables; a run costs fixed + per_min x minutes of data since the table's previous run;
14 days on a nominal 15-minute schedule with real gaps (15, 30 after a skipped trigger, 60
after an outage). Planned hourly, the predicted cost must be within 15% (median) of the truth,
whether tables.csv's schedule column moves the tables or --schedule-cdc does.
"""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from balancer.cli import main
from balancer.history.estimator import estimate_costs, for_schedule
from balancer.history.synthetic import GAP_MIX, HEADER, Knobs, TableModel, generate_runs
from balancer.io.csvout import csv_text
from balancer.model import History, Run, Settings, Table

HOURLY = "0 * * * *"


def workload(n: int = 24, seed: int = 3) -> dict[str, TableModel]:
    rng = random.Random(seed)
    return {
        f"t{i:02d}": TableModel(rng.lognormvariate(3.4, 0.5), rng.lognormvariate(0.7, 0.5))
        for i in range(n)
    }


def model_rows(
    tables: list[Table],
    models: dict[str, TableModel],
    seed: int,
    gap_mix: tuple[tuple[int, float], ...] = GAP_MIX,
) -> str:
    """runs.csv of 14 days of `models` on the tables' schedule: every trigger kept, flows all at
    once, noise 10%, no failure or outlier."""
    knobs = Knobs(gap_mix, noise=0.1, failure_rate=0.0, outlier_rate=0.0, concurrency=len(tables))
    rows = generate_runs(tables, 14, seed, 10**6, knobs=knobs, models=models)
    return csv_text(HEADER, rows)


def write_inputs(
    folder: Path, schedule: str, gap_mix: tuple[tuple[int, float], ...] | None = None
) -> dict[str, TableModel]:
    models = workload()
    tables = [Table(name, name, "c", "cdc", "*/15 * * * *") for name in models]
    lines = ["source_table,category,ingestion_type,schedule"]
    lines += [f"{name},c,cdc,{schedule}" for name in models]
    (folder / "tables.csv").write_text("\n".join(lines) + "\n")
    (folder / "runs.csv").write_text(model_rows(tables, models, 5, gap_mix or GAP_MIX))
    return models


def median_error(
    predicted: dict[str, float], models: dict[str, TableModel], minutes: float
) -> float:
    return statistics.median(
        abs(predicted[n] - (m.fixed_s + m.per_min_s * minutes))
        / (m.fixed_s + m.per_min_s * minutes)
        for n, m in models.items()
    )


def solve(folder: Path, *extra: str) -> dict[str, float]:
    plan = folder / "plan.json"
    result = CliRunner().invoke(
        main,
        [
            "solve",
            "--tables",
            str(folder / "tables.csv"),
            "--history",
            str(folder / "runs.csv"),
            "-o",
            str(plan),
            "-q",
            "--no-schedule-fit",
            "--time-limit",
            "5",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return {e["table"]: e["seconds"] for e in json.loads(plan.read_text())["estimates"]}


@pytest.mark.parametrize(
    ("schedule", "extra"),
    [(HOURLY, ()), ("", ("--schedule-cdc", HOURLY))],
    ids=["schedule-column", "schedule-cdc-option"],
)
def test_hourly_cost_follows_the_data(
    tmp_path: Path, schedule: str, extra: tuple[str, ...]
) -> None:
    models = write_inputs(tmp_path, schedule)
    error = median_error(solve(tmp_path, *extra), models, 60.0)
    assert error < 0.15


def test_the_history_schedule_itself_is_predicted(tmp_path: Path) -> None:
    models = write_inputs(tmp_path, "*/15 * * * *")
    assert median_error(solve(tmp_path), models, 15.0) < 0.10


def test_fixed_and_variable_parts_are_recovered(tmp_path: Path) -> None:
    models = write_inputs(tmp_path, "*/15 * * * *")
    from balancer.io import read_history, read_tables

    catalog = read_tables(str(tmp_path / "tables.csv"))
    est = estimate_costs(catalog.tables, read_history(str(tmp_path / "runs.csv")), Settings())
    fixed_err = [abs(est[n].fixed_s - m.fixed_s) / m.fixed_s for n, m in models.items()]
    rate_err = [abs(est[n].per_min_s - m.per_min_s) / m.per_min_s for n, m in models.items()]
    assert statistics.median(fixed_err) < 0.15 and statistics.median(rate_err) < 0.10
    assert max(rate_err) < 0.4
    assert all("per minute of data" in est[n].note for n in models)


def test_equal_gaps_say_so_and_take_the_upper_bound(tmp_path: Path) -> None:
    write_inputs(tmp_path, "*/15 * * * *", gap_mix=((1, 1.0),))
    from balancer.io import read_history, read_tables

    catalog = read_tables(str(tmp_path / "tables.csv"))
    est = estimate_costs(catalog.tables, read_history(str(tmp_path / "runs.csv")), Settings())
    for t in catalog.tables:
        e = est[t.source_table]
        assert "cannot be told apart" in e.note and e.fixed_s == e.per_min_s == 0.0
        hourly = for_schedule(e, Table(t.source_table, ingestion_type="cdc", schedule=HOURLY))
        faster = for_schedule(
            e, Table(t.source_table, ingestion_type="cdc", schedule="*/5 * * * *")
        )
        assert hourly.seconds == pytest.approx(e.seconds * 4, rel=0.02)
        assert faster.seconds == e.seconds


def test_a_snapshot_does_not_scale() -> None:
    history = History.from_runs(
        [Run("s", k * 900.0 * (1 + k % 3), 100.0 + k % 7, "COMPLETED") for k in range(40)]
    )
    tables = [Table("s", ingestion_type="snapshot", schedule="*/15 * * * *")]
    e = estimate_costs(tables, history, Settings())["s"]
    moved = for_schedule(e, Table("s", ingestion_type="snapshot", schedule=HOURLY))
    assert moved == e and e.interval_s == 0.0


def test_failed_runs_lengthen_the_next_gap() -> None:
    """A failed run commits nothing: the next run reads the data since the last success."""
    runs = []
    for k in range(60):
        status = "FAILED" if k % 5 == 2 else "COMPLETED"
        gap_min = 30.0 if k % 5 == 3 else 15.0
        runs.append(Run("a", k * 900.0, 10.0 + 2.0 * gap_min, status))
    e = estimate_costs(
        [Table("a", ingestion_type="cdc", schedule="*/15 * * * *")],
        History.from_runs(runs),
        Settings(),
    )["a"]
    assert e.fixed_s == pytest.approx(10.0, rel=0.05)
    assert e.per_min_s == pytest.approx(2.0, rel=0.05)
    assert np.isfinite(e.p90)
