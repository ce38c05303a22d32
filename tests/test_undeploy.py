"""`balancer undeploy` (balancer/cli/undeploy.py): nothing is deleted unless asked for with
--yes; then only this deployment's jobs and pipelines in this target, jobs first, tables kept."""

from __future__ import annotations

from pathlib import Path

from balancer.databricks.deploy import deploy
from balancer.databricks.rendered import load_rendered
from balancer.databricks.workspace import workspace_client
from tests.fakes.workspace import FakeWorkspace
from tests.test_deploy import all_completed, cli, render_for, writes


def _deployed(ws: FakeWorkspace, tmp_path: Path, *target: str) -> Path:
    folder = render_for(tmp_path, "3")
    deploy(workspace_client(), load_rendered(folder), *target)
    all_completed(ws)
    return folder


def test_without_yes_it_lists_what_it_would_delete_and_deletes_nothing(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = _deployed(ws, tmp_path)
    before = len(writes(ws))
    result = cli("undeploy", str(folder))
    assert result.exit_code == 2, result.output
    assert "would delete 6 object(s)" in result.output and "--yes" in result.output
    assert "tables stay" in result.output
    assert len(writes(ws)) == before and len(ws.pipelines) == 3 and len(ws.jobs) == 3


def test_dry_run_prints_the_steps_and_changes_nothing(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = _deployed(ws, tmp_path)
    before = len(writes(ws))
    result = cli("undeploy", str(folder), "--dry-run")
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines() if line.startswith("  delete")]
    assert len(lines) == 6 and lines[0].startswith("delete job")
    assert lines[-1].startswith("delete pipeline")
    assert "nothing was changed" in result.output and len(writes(ws)) == before


def test_yes_deletes_jobs_then_pipelines_and_keeps_every_table(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = _deployed(ws, tmp_path)
    hand_made = ws.add_pipeline("someone_elses osipi")
    tables = set(ws.tables)
    result = cli("undeploy", str(folder), "--yes")
    assert result.exit_code == 0, result.output
    assert "undeployed: 6 deleted" in result.output
    assert list(ws.pipelines) == [hand_made] and not ws.jobs
    assert set(ws.tables) == tables and ws.dropped == []


def test_another_target_is_left_alone(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = _deployed(ws, tmp_path, "prod")
    result = cli("undeploy", str(folder), "-t", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert "nothing to delete" in result.output and len(ws.pipelines) == 3
