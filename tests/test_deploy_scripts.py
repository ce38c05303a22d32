"""What deploy gives scripts and people after it ran (against the stand-in workspace): the
pipeline URLs, `--json`, and jobs on schedules nobody chose started paused in production."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from balancer.cli import main
from tests.fakes.workspace import FakeWorkspace
from tests.helpers import EXAMPLES, render_cli, wheel_args

RUNS = str(EXAMPLES / "osipi" / "runs.csv")


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def rendered(tmp_path: Path, *solve_args: str, render_args: tuple[str, ...] = ()) -> Path:
    plan, folder = tmp_path / "plan.json", tmp_path / "out"
    solved = cli("solve", "--history", RUNS, "--pipelines", "4", "-o", str(plan), *solve_args)
    assert solved.exit_code == 0, solved.output
    extra = wheel_args(tmp_path / "wheels", "osipi")
    result = render_cli(plan, folder, "--catalog", "cat", "--schema", "sch", *extra, *render_args)
    assert result.exit_code == 0, result.output
    return folder


def test_deploy_prints_each_pipeline_url_and_json_holds_the_same(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = rendered(tmp_path)
    result = cli("deploy", str(folder), "-t", "prod", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1 and doc["command"] == "deploy"
    assert doc["target"] == "prod" and not doc["dry_run"] and doc["created"] == 8
    by_name = {p["spec"]["name"]: pid for pid, p in ws.pipelines.items()}
    assert sorted(p["id"] for p in doc["pipelines"]) == sorted(by_name.values())
    for p in doc["pipelines"]:
        url = f"{ws.url.rstrip('/')}/pipelines/{p['id']}"
        assert p["url"] == url and f"  {p['key']}: {url}" in result.stderr
    assert sum(s.startswith("create pipeline") for s in doc["steps"]) == len(ws.pipelines) == 4
    quiet = cli("deploy", str(folder), "-t", "prod", "-q")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_default_schedules_start_paused_in_prod_and_say_so(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = rendered(tmp_path)
    result = cli("deploy", str(folder), "-t", "prod")
    assert result.exit_code == 0, result.output
    assert {j["schedule"]["pause_status"] for j in ws.jobs.values()} == {"PAUSED"}
    assert "4 job(s) run on schedules nobody chose" in result.output
    assert "4 rendered paused" in result.output
    # what they would start a day, as solve and render said it
    from balancer.analysis.defaults import default_schedules
    from balancer.io.plan_check import read_plan
    from balancer.units import format_duration

    found = default_schedules(read_plan(tmp_path / "plan.json"))
    assert found.runs_per_day > 0
    assert (
        f"they start {found.runs_per_day:,.0f} runs a day, compute "
        f"{format_duration(found.compute_s_per_day)} a day" in result.output
    )


def test_chosen_schedules_or_the_flag_run_unpaused(ws: FakeWorkspace, tmp_path: Path) -> None:
    chosen = rendered(
        tmp_path / "chosen",
        "--schedule-snapshot",
        "0 2 * * *",
        "--schedule-append",
        "*/15 * * * *",
    )
    result = cli("deploy", str(chosen), "-t", "prod")
    assert result.exit_code == 0, result.output
    assert {j["schedule"]["pause_status"] for j in ws.jobs.values()} == {"UNPAUSED"}
    assert "nobody chose" not in result.output
    ran = rendered(
        tmp_path / "ran", render_args=("--run-default-schedules", "--bundle-suffix", "x")
    )
    result = cli("deploy", str(ran), "-t", "dev")
    assert result.exit_code == 0, result.output
    assert "4 job(s) run on schedules nobody chose" in result.output
    assert "0 rendered paused" in result.output


def test_undeploy_json_lists_what_goes_and_every_table_stays(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = rendered(tmp_path)
    assert cli("deploy", str(folder), "-t", "prod", "-q").exit_code == 0
    tables = set(ws.tables)
    refused = cli("undeploy", str(folder), "-t", "prod", "--json")  # no --yes: nothing goes
    assert refused.exit_code == 2 and refused.stdout == "" and len(ws.pipelines) == 4
    seen = cli("undeploy", str(folder), "-t", "prod", "--dry-run", "--json")
    doc = json.loads(seen.stdout)
    assert doc["command"] == "undeploy" and doc["dry_run"] and not doc["deleted"]
    assert len(doc["objects"]) == 8 and len(ws.pipelines) == 4
    gone = cli("undeploy", str(folder), "-t", "prod", "--yes", "--json")
    doc = json.loads(gone.stdout)
    assert doc["deleted"] and sorted(doc["objects"]) == sorted(json.loads(seen.stdout)["objects"])
    assert ws.pipelines == {} and ws.jobs == {} and ws.dropped == [] and set(ws.tables) == tables
