"""The cost model measured: a backtest of every bundled example, and the ground truth.

    .venv/bin/python -m benchmarks.backtest

Backtest: the newest 3 days of each examples/*/runs.csv held out and predicted from the rest
(`balancer.history.backtest`). Ground truth: 24 cdc tables of known fixed and per-minute
costs, 14 days on a nominal 15-minute schedule with skipped triggers and outages
(`balancer/history/ground_truth.py`), planned hourly by tables.csv's schedule column and by
--schedule-cdc through the CLI, and the parameters recovered by the estimator.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console
from rich.table import Table as RichTable

from balancer.cli import main
from balancer.history.backtest import backtest
from balancer.history.estimator import estimate_costs
from balancer.history.ground_truth import HOURLY, inputs
from balancer.history.synthetic import TableModel
from balancer.io import read_history, read_tables
from balancer.model import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _write(folder: Path, schedule: str) -> dict[str, TableModel]:
    models, tables, runs = inputs(schedule)
    (folder / "tables.csv").write_text(tables)
    (folder / "runs.csv").write_text(runs)
    return models


def examples_table() -> RichTable:
    table = RichTable(title="backtest, newest 3 days held out", title_justify="left")
    for column in ("example", "tables", "held-out runs", "median error", "within p90"):
        table.add_column(column, justify="right" if column != "example" else "left")
    for folder in sorted(p for p in EXAMPLES.iterdir() if (p / "runs.csv").exists()):
        catalog = read_tables(str(folder / "tables.csv"))
        result = backtest(catalog.tables, read_history(str(folder / "runs.csv")), Settings(), 3.0)
        table.add_row(
            folder.name,
            str(len(result.tables)),
            str(result.runs),
            f"{result.median_error:.1%}",
            f"{result.coverage:.1%}",
        )
    return table


def ground_truth_table() -> RichTable:
    table = RichTable(title="ground truth: 24 cdc tables, 15-min history", title_justify="left")
    table.add_column("case")
    table.add_column("median error", justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        for case, schedule, extra in (
            ("hourly by tables.csv schedule", HOURLY, ()),
            ("hourly by --schedule-cdc", "", ("--schedule-cdc", HOURLY)),
        ):
            folder = Path(tmp) / case.replace(" ", "_")
            folder.mkdir()
            models = _write(folder, schedule)
            plan = folder / "plan.json"
            args = ["solve", "--tables", str(folder / "tables.csv"), "--history"]
            args += [str(folder / "runs.csv"), "-o", str(plan), "-q", "--no-schedule-fit"]
            result = CliRunner().invoke(main, [*args, *extra])
            assert result.exit_code == 0, result.output
            got = {e["table"]: e["seconds"] for e in json.loads(plan.read_text())["estimates"]}
            truth = {n: m.fixed_s + 60 * m.per_min_s for n, m in models.items()}
            error = statistics.median(abs(got[n] - truth[n]) / truth[n] for n in truth)
            table.add_row(case, f"{error:.1%}")
        folder = Path(tmp) / "fit"
        folder.mkdir()
        models = _write(folder, "*/15 * * * *")
        catalog = read_tables(str(folder / "tables.csv"))
        est = estimate_costs(catalog.tables, read_history(str(folder / "runs.csv")), Settings())
        for label, field, of in (
            ("fixed", "fixed_s", "fixed_s"),
            ("per minute", "per_min_s", "per_min_s"),
        ):
            errors = [
                abs(getattr(est[n], field) - getattr(m, of)) / getattr(m, of)
                for n, m in models.items()
            ]
            table.add_row(
                f"recovered {label} part (median / max)",
                f"{statistics.median(errors):.1%} / {max(errors):.1%}",
            )
    return table


def main_() -> None:
    out = Console(width=90)
    out.print(examples_table())
    out.print(ground_truth_table())


if __name__ == "__main__":
    main_()
