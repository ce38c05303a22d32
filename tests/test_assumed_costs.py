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
