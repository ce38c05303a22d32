"""Messages that say what is true: the fix a refusal offers is one that can work, and the
file it names is the one at fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from balancer.cli import main
from tests.helpers import EXAMPLES

TABLES = str(EXAMPLES / "osipi" / "tables.csv")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # -o x.json lands there when a solve does succeed


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_a_table_too_slow_for_its_schedule_is_not_fixed_by_a_split(tmp_path: Path) -> None:
    runs = tmp_path / "slow.csv"  # one append table's runs take 25 hours
    runs.write_text(
        "table,start_time,duration_s\n"
        "pi_points,2024-01-01T00:00:00,90000\npi_points,2024-01-02T00:00:00,90000\n"
    )
    code, text = run("solve", "--tables", TABLES, "--history", str(runs), "-o", "x.json")
    assert code == 2, text
    assert text.startswith(f"error: {runs}: schedule fit")  # the runs file, not tables.csv
    assert "No split into pipelines fixes that" in text and "Fix: check their costs" in text
    for offer in ("--sla-headroom", "--pipelines", "--concurrency"):
        assert offer not in text


def test_a_pool_short_of_pipelines_is_offered_what_helps(tmp_path: Path) -> None:
    runs = tmp_path / "busy.csv"  # every append table at 5 minutes: they need more pipelines
    rows = [
        f"{t},2024-01-0{d}T00:00:00,400"
        for t in ("pi_points", "pi_timeseries", "pi_plot", "pi_interpolated")
        for d in (1, 2)
    ]
    runs.write_text("table,start_time,duration_s\n" + "\n".join(rows) + "\n")
    code, text = run(
        "solve",
        "--tables",
        TABLES,
        "--history",
        str(runs),
        "--pipelines",
        "3",
        "--concurrency",
        "1",
        "-o",
        "x.json",
    )
    assert code == 2, text
    assert "No split" not in text and "--pipelines" in text


@pytest.mark.parametrize(
    ("extra", "offered"),
    [((), True), (("--allow-mixed-schedules",), False)],
)
def test_allow_mixed_schedules_is_offered_only_when_not_passed(
    extra: tuple[str, ...], offered: bool
) -> None:
    args = ("--group-by", "category", "--pipelines", "3", "--no-schedule-fit", *extra)
    code, text = run("solve", "--tables", TABLES, "-o", "x.json", *args)
    assert code == 2 and "cannot share a pipeline" in text, text
    assert ("--allow-mixed-schedules" in text) is offered
    assert ("one schedule per pipeline" in text) is offered


@pytest.mark.parametrize(
    ("extra", "offered"),
    [((), True), (("--allow-mixed-schedules",), False)],
)
def test_together_offers_mixed_schedules_only_when_not_passed(
    tmp_path: Path, extra: tuple[str, ...], offered: bool
) -> None:
    tables = tmp_path / "tables.csv"
    tables.write_text(
        "source_table,category,ingestion_type,schedule,together\n"
        "a,x,snapshot,0 0 * * *,t\nb,y,append,*/15 * * * *,t\nc,x,snapshot,0 0 * * *,\n"
    )
    code, text = run(
        "solve", "--tables", str(tables), "--group-by", "category", "-o", "x.json", *extra
    )
    assert code == 2 and "together label 't'" in text, text
    assert ("--allow-mixed-schedules" in text) is offered


def test_the_unit_of_weight_is_in_the_help_and_the_readme() -> None:
    code, text = run("solve", "--help")
    assert code == 0 and "weight column is a table's cost in seconds" in " ".join(text.split())
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "`weight` is a table's cost in\nseconds" in readme
