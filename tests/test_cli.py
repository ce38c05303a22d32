"""The `balancer` command: exit codes, messages, atomic output, byte-identical plans."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from balancer.cli import main
from balancer.engine.checker import check_plan
from balancer.io import read_tables
from balancer.io.plan_check import read_plan
from tests.helpers import EXAMPLES, drift_scenario

OSIPI = EXAMPLES / "osipi"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_solve_osipi_is_optimal_and_checked(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    code, text = run("solve", "--history", str(OSIPI / "runs.csv"), "--output", str(out))
    assert code == 0, text
    assert "makespan" in text and "status OPTIMAL" in text
    plan = read_plan(out)
    assert plan.status == "OPTIMAL" and plan.makespan_s == plan.lower_bound_s
    assert 3 <= len(plan.pipelines) <= 8
    assert check_plan(plan, read_tables(OSIPI / "tables.csv").tables) == []
    assert {e.source for e in plan.estimates} == {"history"}


def test_two_runs_give_byte_identical_plans(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for out in (a, b):
        code, text = run(
            "solve",
            "--tables",
            str(OSIPI / "tables.csv"),
            "--history",
            str(OSIPI / "runs.csv"),
            "-o",
            str(out),
            "-q",
        )
        assert code == 0, text
    assert a.read_bytes() == b.read_bytes()


def test_plan_format_1_holds_what_design_asks(osipi_plan: Path) -> None:
    data = json.loads(osipi_plan.read_text())
    assert data["format"] == 1
    assert set(data) >= {
        "settings",
        "inputs",
        "pipelines",
        "estimates",
        "summary",
        "solver",
        "moves",
    }
    assert data["inputs"]["tables"].startswith("sha256:") and data["inputs"]["history"].startswith(
        "sha256:"
    )
    p = data["pipelines"][0]
    assert set(p) >= {"key", "name", "schedule", "tables", "runtime_s"}
    e = data["estimates"][0]
    assert set(e) >= {"table", "seconds", "p50", "p90", "source"}
    assert set(data["summary"]) >= {"makespan_s", "lower_bound_s", "gap"}
    assert set(data["solver"]) >= {"status", "deterministic_time_s", "k_sweep"}


@pytest.mark.parametrize(
    ("tables_text", "words"),
    [
        ("source_table,schedule\na,99 99 * * *\n", "row 2, column 'schedule'"),
        ("", "empty"),
        ("source_table\na\na\n", "listed twice"),
    ],
)
def test_bad_input_exits_2_with_one_message_and_writes_nothing(
    tmp_path: Path, tables_text: str, words: str
) -> None:
    tables = tmp_path / "tables.csv"
    tables.write_text(tables_text)
    out = tmp_path / "out" / "plan.json"
    code, text = run("solve", "--tables", str(tables), "-o", str(out))
    assert code == 2
    assert words in text and text.startswith("error: ")
    assert len(text.strip().splitlines()) == 1
    assert not out.exists()


def test_an_existing_plan_is_not_touched_by_a_failed_solve(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    out.write_text("previous")
    tables = tmp_path / "tables.csv"
    tables.write_text("source_table,weight\na,-1\n")
    code, _ = run("solve", "--tables", str(tables), "-o", str(out))
    assert code == 2 and out.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "tables.csv"]


def test_infeasible_rules_exit_2_and_name_the_tables(tmp_path: Path) -> None:
    tables = tmp_path / "tables.csv"
    tables.write_text("source_table,weight,pin,apart\na,1,p,x\nb,1,p,x\nc,1,,\n")
    code, text = run(
        "solve", "--tables", str(tables), "--pipelines", "2", "-o", str(tmp_path / "p.json")
    )
    assert code == 2
    assert "a and b are both pinned to 'p'" in text and str(tables) in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--pipelines", "x"], "neither a number nor a range"),
        (["--pipelines", "5..3"], "not a valid count"),
        (["--concurrency", "zero"], "--concurrency"),
        (["--schedule-append", "every 5"], "fields"),
        (["--max-tables-per-pipeline", "5000"], "5000 must be <= 1000"),
    ],
)
def test_bad_settings_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    code, text = run(
        "solve", "--history", str(OSIPI / "runs.csv"), "-o", str(tmp_path / "p.json"), *args
    )
    assert code == 2 and words in text


def test_history_with_unknown_tables_warns(tmp_path: Path) -> None:
    shutil.copy(OSIPI / "tables.csv", tmp_path / "tables.csv")
    runs = (OSIPI / "runs.csv").read_text().splitlines()
    runs.append(
        next(r for r in runs if ",pi_timeseries," in r).replace("pi_timeseries", "pi_ghost")
    )
    (tmp_path / "runs.csv").write_text("\n".join(runs) + "\n")
    code, text = run(
        "solve", "--history", str(tmp_path / "runs.csv"), "-o", str(tmp_path / "p.json")
    )
    assert code == 0 and "pi_ghost" in text


def test_synth_history_is_seeded(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for out in (a, b):
        assert run("synth-history", "--tables", str(OSIPI / "tables.csv"), "-o", str(out))[0] == 0
    # (tests/test_example_histories.py regenerates the bundled histories from README's commands)
    assert a.read_bytes() == b.read_bytes()


def test_solver_trouble_exits_3_and_writes_the_best_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, osipi_plan: Path
) -> None:
    from balancer.errors import SolverError
    from balancer.planning import planner

    out = tmp_path / "plan.json"
    best = read_plan(osipi_plan)

    def trouble(*args: object, **kwargs: object) -> None:
        raise SolverError("no plan met the checks in time.", best_plan=best)

    monkeypatch.setattr(planner, "make_plan", trouble)
    code, text = run("solve", "--history", str(OSIPI / "runs.csv"), "-o", str(out))
    assert code == 3
    assert "no plan met the checks" in text
    assert read_plan(out) == best


def test_concurrency_auto_is_calibrated_from_history(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    code, text = run(
        "solve", "--history", str(OSIPI / "runs.csv"), "--concurrency", "auto", "-o", str(out), "-q"
    )
    assert code == 0, text
    plan = read_plan(out)
    # The synthetic history runs flows one after another.
    assert plan.settings.concurrency_calibrated and plan.settings.concurrency == 1


def test_solve_with_current_reports_the_moves(tmp_path: Path) -> None:
    runner = CliRunner()
    osipi = EXAMPLES / "osipi"
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    args = ["solve", "--history", str(osipi / "runs.csv"), "-q"]
    assert runner.invoke(main, [*args, "-o", str(first)]).exit_code == 0
    result = runner.invoke(
        main, [*args[:-1], "--pipelines", "5", "--current", str(first), "-o", str(second)]
    )
    assert result.exit_code == 0, result.output
    before, after = read_plan(first).pipeline_of(), read_plan(second).pipeline_of()
    moved = sorted(t for t in before if before[t] != after[t])
    plan = read_plan(second)
    assert moved and [m[0] for m in plan.moves] == moved
    assert f"{len(moved)} of 39 tables move from the plan in use" in result.output


def test_every_command_and_option_says_what_it_does() -> None:
    import click

    missing = []

    def walk(command: click.Command, path: str) -> None:
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, name
                walk(sub, f"{path} {name}")
            return
        if not command.help:
            missing.append(path)
        missing.extend(
            f"{path} {p.opts[0]}"
            for p in command.params
            if isinstance(p, click.Option) and not p.help
        )

    walk(main, "balancer")
    assert missing == []


def test_solve_with_current_can_limit_the_moves(tmp_path: Path) -> None:
    runner = CliRunner()
    osipi = EXAMPLES / "osipi"
    first, drift = drift_scenario(tmp_path)
    second = tmp_path / "b.json"
    args = ["solve", "--tables", str(osipi / "tables.csv"), "--history", str(drift)]
    free = runner.invoke(main, [*args, "--current", str(first), "-o", str(second), "-q"])
    assert free.exit_code == 0 and len(read_plan(second).moves) > 2
    result = runner.invoke(
        main, [*args, "--current", str(first), "--max-moves", "2", "-o", str(second)]
    )
    assert result.exit_code == 0, result.output
    plan = read_plan(second)
    assert 0 < len(plan.moves) <= 2 and check_plan(plan, plan.tables) == []
    assert f"{len(plan.moves)} of 39 tables move" in result.output
    alone = runner.invoke(main, [*args, "--max-moves", "2", "-o", str(second)])
    assert alone.exit_code == 2 and "give --current" in alone.output
