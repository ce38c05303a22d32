"""The command line for scripts and CI: -q on every command, --json whose figures are the
printed table's and plan.json's, rebalance's exit status, render's next step, and the
schedules nobody chose said where they are decided."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from balancer.cli import COMMANDS, main
from balancer.cli.common import EXIT_ACTION_NEEDED
from balancer.errors import InputError, RemoteError, SolverError
from balancer.units import format_duration
from tests.helpers import EXAMPLES, drift_scenario, render_cli, wheel_args

RUNS = str(EXAMPLES / "osipi" / "runs.csv")


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def every_command() -> list[tuple[str, click.Command]]:
    ctx = click.Context(main)
    found = []
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", c) for sub, c in command.commands.items()]
        else:
            found.append((name, command))
    return found


@pytest.mark.parametrize(("name", "command"), every_command(), ids=lambda v: str(v))
def test_every_command_takes_quiet(name: str, command: click.Command) -> None:
    flags = {opt for p in command.params for opt in getattr(p, "opts", [])}
    assert {"-q", "--quiet"} <= flags, name


def test_action_needed_does_not_collide_with_an_error_exit() -> None:
    codes = {InputError.exit_code, SolverError.exit_code, RemoteError.exit_code, 0, 1}
    assert EXIT_ACTION_NEEDED not in codes


def test_solve_json_holds_the_figures_of_the_table_and_of_plan_json(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = cli("solve", "--history", RUNS, "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # stdout is the document alone; the table went to stderr
    plan = json.loads(out.read_text())
    assert doc["schema_version"] == 1 and doc["command"] == "solve"
    summary = plan["summary"]
    assert doc["makespan_s"] == summary["makespan_s"]
    assert doc["runs_per_day"] == summary["runs_per_day"]
    assert round(doc["compute_s_per_day"] / 3600, 3) == summary["compute_hours_per_day"]
    for mine, theirs in zip(doc["pipelines"], plan["pipelines"], strict=True):
        fit = theirs["schedule_fit"]
        assert mine["key"] == theirs["key"] and mine["tables"] == len(theirs["tables"])
        assert mine["p90_runtime_s"] == fit["p90_runtime_s"]
        assert mine["runs_per_day"] == fit["runs_per_day"]
        assert mine["worst_data_age_s"] == fit["worst_data_age_s"]
    table = result.stderr
    assert f"compute {format_duration(doc['compute_s_per_day'])} a day" in table
    for p in doc["pipelines"]:
        row = next(line for line in table.splitlines() if line.startswith(f"{p['key']} "))
        cells = re.split(r"\s{2,}", row.strip())  # columns stand two spaces apart or more
        assert cells[2] == str(p["tables"]) and cells[4] == format_duration(p["p90_runtime_s"])
        assert cells[8] == format_duration(p["compute_s_per_day"])
    assert doc["default_schedules"]["pipelines"] == [p["key"] for p in doc["pipelines"]]


def test_solve_quiet_prints_nothing_and_json_survives_it(tmp_path: Path) -> None:
    out = str(tmp_path / "plan.json")
    assert cli("solve", "--history", RUNS, "-o", out, "-q").output == ""
    quiet = cli("solve", "--history", RUNS, "-o", out, "-q", "--json")
    assert quiet.stderr == "" and json.loads(quiet.stdout)["command"] == "solve"


def test_schedules_nobody_chose_are_said_and_chosen_ones_are_not(tmp_path: Path) -> None:
    out = str(tmp_path / "plan.json")
    said = cli("solve", "--history", RUNS, "-o", out)
    assert "schedules nobody chose" in said.stderr and "--schedule-append" in said.stderr
    chosen = cli(
        "solve", "--history", RUNS, "-o", out, "--schedule-append", "*/15 * * * *", "--json"
    )
    doc = json.loads(chosen.stdout)["default_schedules"]
    assert [t["ingestion_type"] for t in doc["tables"]] == ["snapshot"]
    assert all(k.startswith("osipi_snapshot") for k in doc["pipelines"])


@pytest.mark.parametrize(
    ("drifted", "flag", "code"),
    [(True, True, EXIT_ACTION_NEEDED), (True, False, 0), (False, True, 0)],
)
def test_rebalance_exit_code_says_whether_action_is_needed(
    tmp_path: Path, drifted: bool, flag: bool, code: int
) -> None:
    plan, drift = drift_scenario(tmp_path)
    history = str(drift) if drifted else RUNS
    args = ["rebalance", "--plan", str(plan), "--history", history, "-o", str(tmp_path / "p")]
    result = cli(*args, "--json", *(["--exit-code"] if flag else []))
    assert result.exit_code == code, result.output
    doc = json.loads(result.stdout)
    assert doc["action_needed"] is drifted and doc["exit_code"] == code
    move_line = re.compile(r"^  \S+: \S+ -> \S+ \(")  # '  table: from -> to (cost)'
    assert len(doc["moves"]) == sum(bool(move_line.match(ln)) for ln in result.stderr.splitlines())
    if drifted:  # the pipeline over its schedule before is fixed, and the change is explained
        before, after = doc["before"], doc["after"]
        assert before["pipelines_over_schedule"] and not after["pipelines_over_schedule"]
        assert "pipelines over their schedule before: osipi_append_01" in result.stderr
        if after["compute_s_per_day"] != before["compute_s_per_day"]:
            assert "compute a day rises by" in result.stderr or "falls by" in result.stderr
        assert before["runs_per_day"] <= after["runs_per_day"]


def test_render_says_the_next_command_and_pauses_default_schedules(
    tmp_path: Path, osipi_plan: Path
) -> None:
    out = tmp_path / "out dir"
    result = render_cli(osipi_plan, out, *wheel_args(tmp_path / "w", "osipi"))
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last == f"next: balancer deploy '{out}' --dry-run, then balancer deploy '{out}'"
    assert "their jobs are rendered paused" in result.output
    jobs = [json.loads(p.read_text()) for p in (out / "deploy" / "jobs").glob("*.json")]
    assert jobs and {j["schedule"]["pause_status"] for j in jobs} == {"PAUSED"}
    assert all(j["tags"]["lakeflow_balancer_schedule"] == "default" for j in jobs)


def test_whatif_json_reference_is_the_plan_solve_prints(tmp_path: Path) -> None:
    out = str(tmp_path / "p.json")
    solved = cli("solve", "--history", RUNS, "--pipelines", "3..4", "-o", out, "--json", "-q")
    whatif = cli("whatif", "--history", RUNS, "--sweep-pipelines", "3..4", "--json")
    assert whatif.exit_code == 0, whatif.output
    doc, plan = json.loads(whatif.stdout), json.loads(solved.stdout)
    assert doc["command"] == "whatif" and doc["plans"][0]["name"] == doc["reference"]
    keep = ("pipelines", "compute_s_per_day", "runs_per_day", "makespan_s", "worst_data_age_s")
    assert {k: doc["plans"][0][k] for k in keep} == {k: plan[k] for k in keep}
    assert [p["name"] for p in doc["plans"][1:]] == ["K=3", "K=4"]


def test_quiet_ends_with_the_command_even_after_a_usage_error(tmp_path: Path) -> None:
    from balancer.terminal import is_quiet

    bad = cli("solve", "-q", "--history", RUNS, "--max-tables-per-pipeline", "many")
    assert bad.exit_code == 2 and bad.output.startswith("error: ")  # the error still prints
    assert not is_quiet()
