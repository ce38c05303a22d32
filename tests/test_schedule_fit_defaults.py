"""With default flags every example either fits every schedule (p90 runtime within interval x
headroom, or the batch window) and says what that costs, or is refused with the numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from balancer.cli import main
from balancer.costs import runtime_cap
from balancer.engine.checker import check_plan
from balancer.io.plan_check import read_plan
from balancer.plan_metrics import plan_metrics
from tests.helpers import EXAMPLES


def solve(example: str, tmp_path: Path, *extra: str) -> tuple[int, str, Path]:
    plan_path = tmp_path / "plan.json"
    result = CliRunner().invoke(
        main,
        ["solve", "--history", str(EXAMPLES / example / "runs.csv"), "-o", str(plan_path), *extra],
    )
    return result.exit_code, result.output, plan_path


@pytest.mark.parametrize("example", ["osipi", "github", "hubspot"])
def test_default_plans_fit_every_schedule_and_show_what_it_costs(
    example: str, tmp_path: Path
) -> None:
    code, output, plan_path = solve(example, tmp_path)
    assert code == 0, output
    plan = read_plan(plan_path)
    assert check_plan(plan, plan.tables) == []
    metrics = plan_metrics(plan)
    assert metrics.misfits == ()
    for p in plan.pipelines:
        cap = runtime_cap(p.schedule, plan.settings)
        assert cap is not None and p.p90_runtime_s <= cap
    for column in ("p90", "limit", "/day", "compute", "worst", "total"):
        assert column in output
    assert re.search(r"compute \d+h \d\dm a day; worst data age: every \d+ min", output)
    assert f"{metrics.runs_per_day:,.0f}" in output  # the total row


def test_sap_is_refused_with_the_numbers(tmp_path: Path) -> None:
    code, output, plan_path = solve("sap_successfactors", tmp_path)
    assert code == 2 and not plan_path.exists()
    assert "schedule fit: pool 'cdc @ */5 * * * *'" in output
    assert "a p90 run may take 4m 00s, 1m 00s of it start-up" in output
    assert re.search(r"\d+ table\(s\) alone take longer than that: .*\(\d+m \d\ds\)", output)
    assert "No split into pipelines fixes that" in output and "--no-schedule-fit" in output
    assert "Fix:" in output and "--sla-headroom" not in output  # no split helps one slow table


def test_too_few_pipelines_for_a_schedule_say_how_many_and_a_schedule_that_fits(
    tmp_path: Path,
) -> None:
    args = ("--pipelines", "2", "--concurrency", "1", "--sla-headroom", "0.9")
    code, output, _ = solve("hubspot", tmp_path, *args)
    assert code == 2
    assert "schedule fit: pool 'cdc_with_deletes @ */5 * * * *'" in output
    assert "It needs 2 pipelines; 1 left for it carry 3m 30s a run: 2m 28s too little" in output
    assert "run it '*/10 * * * *' (every 10 min, 1 pipeline(s))" in output
