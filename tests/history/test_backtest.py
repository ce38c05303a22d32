"""`balancer backtest` and its pure logic, on histories generated from known parameters."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from balancer.cli import main
from balancer.errors import InputError
from balancer.history.backtest import UNPLANNED, backtest
from balancer.history.ground_truth import model_rows, workload
from balancer.io import read_history, read_tables
from balancer.model import History, Run, Settings, Table
from tests.helpers import EXAMPLES
from tests.history.test_ground_truth import write_inputs

DAY = 86400.0


@pytest.mark.parametrize("seed", [5, 11, 23])
def test_a_stationary_model_history_is_predicted_and_covered(tmp_path: Path, seed: int) -> None:
    """Runs drawn from fixed + per-minute x gap with lognormal noise and real gaps: the held-out
    days are predicted closely and about 90% of their runs fall within the predicted p90."""
    models = workload(seed=seed)
    tables = [Table(n, n, "c", "cdc", "*/15 * * * *") for n in models]
    (tmp_path / "runs.csv").write_text(model_rows(tables, models, seed))
    result = backtest(tables, read_history(str(tmp_path / "runs.csv")), Settings(), 3.0)
    assert len(result.tables) == 24 and result.grouped_by == "ingestion_type"
    assert [g.name for g in result.groups] == ["cdc"]
    assert result.median_error < 0.05
    assert 0.75 <= result.coverage <= 0.98
    assert all(s.runs > 0 and s.source == "history" for s in result.tables)
    assert sum(s.runs for s in result.tables) == result.runs == result.groups[0].runs


def _snapshot_history(level_s: float, held_level_s: float, days: int = 14) -> History:
    """Hourly runs of one snapshot table at `level_s` (+-5%); the 73 runs of the newest 3 days
    (both ends included) at `held_level_s`."""
    rng = random.Random(1)
    runs = []
    for k in range(days * 24):
        level = held_level_s if k >= days * 24 - 73 else level_s
        runs.append(Run("s", k * 3600.0, level * rng.uniform(0.95, 1.05), "COMPLETED"))
    return History.from_runs(runs)


@pytest.mark.parametrize(
    ("held_level_s", "error", "coverage"),
    [
        (100.0, (0.0, 0.03), (0.75, 1.0)),  # stationary: right, and covered
        (300.0, (0.6, 0.7), (0.0, 0.0)),  # 3x slower since: 2/3 off, nothing within p90
        (50.0, (0.9, 1.1), (1.0, 1.0)),  # 2x faster: 100% off, everything within p90
    ],
    ids=["stationary", "slower", "faster"],
)
def test_a_change_in_the_held_out_days_shows_in_error_and_coverage(
    held_level_s: float, error: tuple[float, float], coverage: tuple[float, float]
) -> None:
    tables = [Table("s", ingestion_type="snapshot", schedule="0 * * * *")]
    result = backtest(tables, _snapshot_history(100.0, held_level_s), Settings(), 3.0)
    (score,) = result.tables
    assert score.runs == 73  # the hourly runs from the cutoff, 3 days back, to the newest
    assert error[0] <= score.error <= error[1]
    assert coverage[0] <= result.coverage <= coverage[1]


def test_pipelines_group_the_scores_when_a_plan_is_given(tmp_path: Path) -> None:
    write_inputs(tmp_path, "*/15 * * * *")
    catalog = read_tables(str(tmp_path / "tables.csv"))
    names = [t.source_table for t in catalog.tables]
    pipeline_of = {n: f"p{i % 3}" for i, n in enumerate(names[:-1])}  # the last one unplanned
    history = read_history(str(tmp_path / "runs.csv"))
    result = backtest(catalog.tables, history, Settings(), 2.0, pipeline_of)
    assert result.grouped_by == "pipeline"
    assert [g.name for g in result.groups] == [UNPLANNED, "p0", "p1", "p2"]
    assert sum(g.runs for g in result.groups) == result.runs
    by_table = {s.name: s for s in result.tables}
    p0 = [by_table[n] for n, p in pipeline_of.items() if p == "p0"]
    group = next(g for g in result.groups if g.name == "p0")
    assert group.predicted_s == pytest.approx(sum(s.predicted_s for s in p0), abs=0.01)


@pytest.mark.parametrize(
    ("tables", "holdout_days", "message"),
    [
        ([Table("s", ingestion_type="snapshot")], 20.0, "nothing is left to predict"),
        ([Table("other", ingestion_type="snapshot")], 2.0, "nothing to score"),
    ],
    ids=["holdout-covers-the-history", "no-table-of-the-history"],
)
def test_nothing_to_learn_or_score_is_an_input_error(
    tables: list[Table], holdout_days: float, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        backtest(tables, _snapshot_history(100.0, 100.0), Settings(), holdout_days)


def test_the_command_prints_and_writes_json(tmp_path: Path) -> None:
    write_inputs(tmp_path, "*/15 * * * *")
    runner = CliRunner()
    out = tmp_path / "bt.json"
    args = ["backtest", "--history", str(tmp_path / "runs.csv"), "--holdout-days", "2"]
    result = runner.invoke(main, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "within their predicted p90" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 90
    doc = json.loads(out.read_text())
    assert set(doc) >= {"tables", "groups", "coverage", "median_error", "runs", "cutoff"}
    assert {"name", "group", "runs", "predicted_s", "actual_s", "error", "coverage"} <= set(
        doc["tables"][0]
    )
    stdout = runner.invoke(main, [*args, "--json"])
    assert stdout.exit_code == 0 and json.loads(stdout.output)["runs"] == doc["runs"]


def test_the_command_scores_a_plans_pipelines(tmp_path: Path) -> None:
    history = str(EXAMPLES / "github" / "runs.csv")
    plan = tmp_path / "plan.json"
    runner = CliRunner()
    solved = runner.invoke(main, ["solve", "--history", history, "-o", str(plan), "-q"])
    assert solved.exit_code == 0, solved.output
    result = runner.invoke(main, ["backtest", "--history", history, "--plan", str(plan), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    keys = {p["key"] for p in json.loads(plan.read_text())["pipelines"]}
    assert doc["grouped_by"] == "pipeline" and {g["name"] for g in doc["groups"]} <= keys


def test_the_command_refuses_a_holdout_longer_than_the_history(tmp_path: Path) -> None:
    write_inputs(tmp_path, "*/15 * * * *")
    args = ["backtest", "--history", str(tmp_path / "runs.csv"), "--holdout-days", "30"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.count("error:") == 1 and "Traceback" not in result.output
