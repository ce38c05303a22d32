"""`balancer backtest` and its pure logic, on histories generated from known parameters."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from balancer.cli import main
from balancer.history.backtest import backtest
from balancer.io import read_history, read_tables
from balancer.model import Settings
from tests.history.test_ground_truth import write_inputs


def test_a_model_history_is_predicted_and_covered(tmp_path: Path) -> None:
    write_inputs(tmp_path, "*/15 * * * *")
    catalog = read_tables(str(tmp_path / "tables.csv"))
    result = backtest(catalog.tables, read_history(str(tmp_path / "runs.csv")), Settings(), 3.0)
    assert len(result.tables) == 24 and result.grouped_by == "ingestion_type"
    assert [g.name for g in result.groups] == ["cdc"]
    assert result.median_error < 0.05
    assert 0.80 <= result.coverage <= 0.97
    assert all(s.runs > 0 and s.source == "history" for s in result.tables)


def test_pipelines_group_the_scores_when_a_plan_is_given(tmp_path: Path) -> None:
    write_inputs(tmp_path, "*/15 * * * *")
    catalog = read_tables(str(tmp_path / "tables.csv"))
    pipeline_of = {t.source_table: f"p{i % 3}" for i, t in enumerate(catalog.tables)}
    history = read_history(str(tmp_path / "runs.csv"))
    result = backtest(catalog.tables, history, Settings(), 2.0, pipeline_of)
    assert result.grouped_by == "pipeline" and [g.name for g in result.groups] == ["p0", "p1", "p2"]
    assert sum(g.runs for g in result.groups) == result.runs


def test_the_command_prints_and_writes_json(tmp_path: Path) -> None:
    write_inputs(tmp_path, "*/15 * * * *")
    runner = CliRunner()
    out = tmp_path / "bt.json"
    args = ["backtest", "--history", str(tmp_path / "runs.csv"), "--holdout-days", "2"]
    result = runner.invoke(main, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "within their predicted p90" in result.output
    doc = json.loads(out.read_text())
    assert set(doc) >= {"tables", "groups", "coverage", "median_error", "runs", "cutoff"}
    stdout = runner.invoke(main, [*args, "--json"])
    assert stdout.exit_code == 0 and json.loads(stdout.output)["runs"] == doc["runs"]
