"""Assumed costs flagged: tables without history or weight (estimate source "fallback") make a
warning in plan.json and every output showing the plan, and the status says the assignment is
the best one for assumed costs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from balancer.cli import main
from balancer.costs import assumed_costs_warning, status_text
from balancer.model import CostEstimate

TEN = "source_table,ingestion_type\n" + "".join(f"t{i:02d},snapshot\n" for i in range(10))


def _est(name: str, source: str) -> CostEstimate:
    return CostEstimate(name, 60.0, 60.0, 60.0, source)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sources", "flagged"),
    [
        (("history", "weight", "similar"), 0),
        (("fallback", "history"), 1),
        (("fallback",) * 12, 12),
    ],
)
def test_only_fallback_costs_are_assumed(sources: tuple[str, ...], flagged: int) -> None:
    est = [_est(f"t{i}", s) for i, s in enumerate(sources)]
    warning = assumed_costs_warning(est)
    assert (warning is not None) == bool(flagged)
    text = status_text("OPTIMAL", est)
    if flagged:
        assert text == (
            f"OPTIMAL for assumed costs ({flagged} of {len(sources)} tables have no history "
            "or weight)"
        )
        assert warning is not None and warning.startswith(f"{flagged} of {len(sources)} tables")
    else:
        assert text == "OPTIMAL"


def test_ten_tables_without_history_or_weights_are_flagged(tmp_path: Path) -> None:
    (tmp_path / "tables.csv").write_text(TEN, encoding="utf-8")
    out = tmp_path / "plan.json"
    args = ["solve", "--tables", str(tmp_path / "tables.csv"), "-o", str(out)]
    shown = CliRunner().invoke(main, args)
    assert shown.exit_code == 0, shown.output
    words = " ".join(shown.output.split())  # the terminal folds long lines
    assert "for assumed costs (10 of 10 tables have no history or weight)" in words
    assert "warning: 10 of 10 tables have no history or weight" in words
    doc = json.loads(out.read_text())
    assert any(w.startswith("10 of 10 tables have no history or weight") for w in doc["warnings"])
    as_json = CliRunner().invoke(main, [*args, "--json"])
    assert as_json.exit_code == 0, as_json.output
    figures = json.loads(as_json.stdout)
    assert figures["assumed_cost_tables"] == [f"t{i:02d}" for i in range(10)]
    assert figures["status_text"].endswith(
        "for assumed costs (10 of 10 tables have no history or weight)"
    )
    assert any("no history or weight" in w for w in figures["warnings"])


def test_whatif_shows_the_assumed_costs_warning(tmp_path: Path) -> None:
    (tmp_path / "tables.csv").write_text(TEN, encoding="utf-8")
    args = ["whatif", "--tables", str(tmp_path / "tables.csv"), "--sweep-pipelines", "3..4"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "warning: 10 of 10 tables have no history or weight" in " ".join(result.output.split())


def test_render_and_rebalance_say_the_costs_are_assumed(tmp_path: Path) -> None:
    (tmp_path / "tables.csv").write_text(TEN, encoding="utf-8")
    plan = tmp_path / "plan.json"
    solved = CliRunner().invoke(
        main, ["solve", "--tables", str(tmp_path / "tables.csv"), "-o", str(plan)]
    )
    assert solved.exit_code == 0, solved.output
    render = ["render", str(plan), "-o", str(tmp_path / "out"), "--mode", "workspace"]
    rendered = CliRunner().invoke(main, [*render, "--connector-root", "/Workspace/c"])
    assert rendered.exit_code == 0, rendered.output
    assert "warning: 10 of 10 tables have no history or weight" in " ".join(rendered.output.split())
    runs = tmp_path / "runs.csv"  # history for four of the ten: six stay assumed
    runs.write_text(
        "table,start_time,duration_s\n"
        + "".join(
            f"t{i:02d},2026-10-0{d}T00:00:00Z,{40 + 30 * i}\n" for i in range(4) for d in (1, 2, 3)
        )
    )
    args = ["rebalance", "--plan", str(plan), "--history", str(runs), "-o", str(tmp_path / "p")]
    proposed = CliRunner().invoke(main, args)
    assert proposed.exit_code == 0, proposed.output
    assert "warning: 6 of 10 tables have no history or weight" in " ".join(proposed.output.split())
