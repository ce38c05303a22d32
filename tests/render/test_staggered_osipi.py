"""OSIPI end to end: `balancer solve` then `balancer render`. Its daily snapshot pipelines
start staggered in the rendered jobs (Quartz minutes differ), no more than the cap run at once
at p90, and the plan's batch window is computed from those starts. Expected values come from
the plan itself, never from the bundled history's figures (which may be regenerated).

Left to choose, the solver scores batch windows staggered (more daily pipelines than the cap
only add start-ups to the window), so OSIPI's default plan has as many daily pipelines as the
cap allows at once; with eight pipelines asked for (`--pipelines 8`, what OSIPI was planned
at before the cap), its six daily pipelines start staggered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from balancer.cli import main
from balancer.io.planio import parse_plan_file as read_plan
from balancer.model import DEFAULT_MAX_CONCURRENT
from balancer.plan_metrics import plan_metrics
from balancer.schedules import is_batch
from balancer.units import format_duration
from render.quartz import to_quartz
from tests.helpers import EXAMPLES, merged, render_cli, schema_errors, text_files

OSIPI = EXAMPLES / "osipi"
INPUTS = ["--tables", str(OSIPI / "tables.csv"), "--history", str(OSIPI / "runs.csv")]
ROOT = "/Workspace/Users/me/lakeflow-community-connectors"
EIGHT = ("--pipelines", "8")


def solve(out: Path, *args: str) -> Path:
    plan = out / "plan.json"
    result = CliRunner().invoke(
        main,
        ["solve", *INPUTS, "-o", str(plan), "-q", *args],
    )
    assert result.exit_code == 0, result.output
    return plan


def job_schedules(folder: Path) -> dict[str, str]:
    """Quartz expression of each pipeline's job in the bundle (validated against the bundle
    schema), by pipeline key."""
    files = text_files(folder)
    assert schema_errors(files) == []
    jobs: dict[str, Any] = merged(files)["resources"]["jobs"]
    return {
        job["tasks"][0]["pipeline_task"]["pipeline_id"].split(".")[2]: job["schedule"][
            "quartz_cron_expression"
        ]
        for job in jobs.values()
        if "pipeline_task" in job["tasks"][0]
    }


@pytest.fixture(scope="module")
def staggered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("staggered")
    plan = solve(folder, *EIGHT)
    out = folder / "out"
    result = render_cli(plan, out, "--mode", "workspace", "--connector-root", ROOT)
    assert result.exit_code == 0, result.output
    return plan, out


def test_daily_pipelines_start_staggered_in_the_rendered_jobs(staggered: tuple[Path, Path]) -> None:
    plan_path, out = staggered
    plan = read_plan(plan_path)
    daily = [p for p in plan.pipelines if is_batch(p.schedule)]
    assert len(daily) > DEFAULT_MAX_CONCURRENT  # else nothing would be staggered
    quartz = job_schedules(out)
    for p in plan.pipelines:
        assert quartz[p.key] == to_quartz(p.schedule, p.start_offset_min)
    minutes = {quartz[p.key].split()[1] for p in daily}
    assert len(minutes) > 1, quartz  # the minute fields differ
    assert plan.settings.max_concurrent_pipelines == DEFAULT_MAX_CONCURRENT


def test_the_batch_window_is_the_staggered_one(staggered: tuple[Path, Path]) -> None:
    plan_path, _ = staggered
    plan = read_plan(plan_path)
    daily = [p for p in plan.pipelines if is_batch(p.schedule)]
    expected = max(p.start_offset_min * 60 + p.runtime_s for p in daily)
    doc = json.loads(plan_path.read_text(encoding="utf-8"))
    assert doc["summary"]["batch_window_s"] == expected == plan_metrics(plan).batch_window_s
    assert expected > max(p.runtime_s for p in daily)  # later than if all started at once
    # at p90, no more than the cap run at once: each start is at or after an end on its lane
    spans = [(p.start_offset_min * 60, p.start_offset_min * 60 + p.p90_runtime_s) for p in daily]
    at_once = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
    assert at_once <= plan.settings.max_concurrent_pipelines


def test_no_cap_starts_every_pipeline_on_its_trigger(tmp_path: Path) -> None:
    plan = read_plan(solve(tmp_path, "--max-concurrent-pipelines", "0"))
    assert {p.start_offset_min for p in plan.pipelines} == {0}
    daily = [p for p in plan.pipelines if is_batch(p.schedule)]
    assert plan_metrics(plan).batch_window_s == max(p.runtime_s for p in daily)
    assert all(to_quartz(p.schedule, 0).split()[1] == "0" for p in daily)


def test_the_plan_says_the_starts_are_staggered(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    result = CliRunner().invoke(
        main,
        ["solve", *INPUTS, "-o", str(plan), "--max-concurrent-pipelines", "1", *EIGHT],
    )
    assert result.exit_code == 0, result.output
    assert "start times staggered (--max-concurrent-pipelines 1: at most 1 of a" in " ".join(
        result.output.split()
    )
    assert "daily 00:" in result.output


@pytest.mark.parametrize("cap", ["0", "1"])
def test_whatif_shows_the_batch_window_solve_plans(tmp_path: Path, cap: str) -> None:
    plan = read_plan(solve(tmp_path, "--max-concurrent-pipelines", cap))
    window = format_duration(plan_metrics(plan).batch_window_s)
    k = str(len(plan.pipelines))  # the K the solve chose, swept alone
    result = CliRunner().invoke(
        main,
        ["whatif", *INPUTS, "--sweep-pipelines", f"{k}..{k}", "--max-concurrent-pipelines", cap],
    )
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("solve (K="))
    assert window in row


def test_rebalance_restaggers_under_a_new_cap_and_says_so(tmp_path: Path) -> None:
    plan_path = solve(tmp_path)
    out = tmp_path / "proposal"
    result = CliRunner().invoke(
        main,
        [
            *("rebalance", "--plan", str(plan_path), "--history", str(OSIPI / "runs.csv")),
            *("-o", str(out), "--max-concurrent-pipelines", "1"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "start offsets change (--max-concurrent-pipelines 1" in " ".join(result.output.split())
    proposed = read_plan(out / "plan.json")
    daily = [p for p in proposed.pipelines if is_batch(p.schedule)]
    starts = sorted(p.start_offset_min for p in daily)
    assert starts[0] == 0 and len(set(starts)) == len(daily)  # one at a time


@pytest.mark.parametrize("cap", ["1", "2", "3"])
def test_left_to_choose_the_solver_takes_the_shortest_staggered_window(
    tmp_path: Path, cap: str
) -> None:
    """No more daily pipelines run at once than the cap, and no pipeline count in the sweep
    (scored staggered) has a shorter batch window within the same compute."""
    plan = read_plan(solve(tmp_path, "--max-concurrent-pipelines", cap))
    daily = [p for p in plan.pipelines if is_batch(p.schedule)]
    spans = [(p.start_offset_min * 60, p.start_offset_min * 60 + p.p90_runtime_s) for p in daily]
    assert max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans) <= int(cap)
    window = plan_metrics(plan).batch_window_s
    chosen = next(k for k in plan.k_results if k.k == len(plan.pipelines))
    assert chosen.batch_window_s == window  # the solver scored the window the plan has
    fits = [k for k in plan.k_results if k.batch_window_s]
    assert window <= min(k.batch_window_s for k in fits) * (1 + plan.settings.k_tolerance)
