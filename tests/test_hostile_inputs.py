"""Hostile inputs: every refusal is exit 2 with one message naming the input, no traceback,
and nothing written. (Issue 9's suite; this file grows family by family.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from balancer.cli import main
from tests.helpers import EXAMPLES

OSIPI = EXAMPLES / "osipi"

NUMBERS = [
    # (command and options, the option the message must name)
    (["solve", "--overhead", "-100000"], "--overhead"),
    (["solve", "--time-limit", "nan"], "--time-limit"),
    (["solve", "--time-limit", "inf"], "--time-limit"),
    (["solve", "--time-limit", "0"], "--time-limit"),
    (["solve", "--time-limit", "-1"], "--time-limit"),
    (["solve", "--k-tolerance", "nan"], "--k-tolerance"),
    (["solve", "--k-tolerance", "-0.1"], "--k-tolerance"),
    (["solve", "--sla-headroom", "nan"], "--sla-headroom"),
    (["solve", "--sla-headroom", "inf"], "--sla-headroom"),
    (["solve", "--sla-headroom", "0"], "--sla-headroom"),
    (["solve", "--sla-headroom", "-1"], "--sla-headroom"),
    (["solve", "--seed", "99999999999999999999"], "--seed"),
    (["solve", "--seed", "-1"], "--seed"),
    (["solve", "--max-tables-per-pipeline", "0"], "--max-tables-per-pipeline"),
    (["solve", "--max-tables-per-pipeline", "1001"], "--max-tables-per-pipeline"),
    (["rebalance", "--detect-threshold", "nan"], "--detect-threshold"),
    (["rebalance", "--detect-threshold", "-0.5"], "--detect-threshold"),
    (["rebalance", "--target", "inf"], "--target"),
    (["rebalance", "--target", "-1"], "--target"),
    (["rebalance", "--max-moves", "-3"], "--max-moves"),
    (["rebalance", "--max-moves-per-pipeline", "-1"], "--max-moves-per-pipeline"),
    (["rebalance", "--time-limit", "nan"], "--time-limit"),
    (["whatif", "--growth", "nan"], "--growth"),
    (["whatif", "--growth", "0"], "--growth"),
    (["whatif", "--growth", "-2"], "--growth"),
    (["whatif", "--time-limit", "inf"], "--time-limit"),
    (["whatif", "--max-tables-per-pipeline", "0"], "--max-tables-per-pipeline"),
    (["synth-history", "--days", "0"], "--days"),
    (["synth-history", "--drift", "nan"], "--drift"),
    (["synth-history", "--seed", "99999999999999999999"], "--seed"),
    (["synth-history", "--max-runs-per-table", "0"], "--max-runs-per-table"),
    (["history", "sql", "--since-days", "-5"], "--since-days"),
    (["history", "sql", "--since-days", "0"], "--since-days"),
]


def _with_inputs(args: list[str], tmp_path: Path) -> list[str]:
    """Give each command the inputs it needs so only the bad number is wrong."""
    out = str(tmp_path / "out")
    command = args[0]
    if command == "solve":
        return [*args, "--history", str(OSIPI / "runs.csv"), "-o", out]
    if command == "whatif":
        return [*args, "--history", str(OSIPI / "runs.csv"), "--csv", out]
    if command == "rebalance":
        return [*args, "--plan", str(OSIPI / "no-plan-needed.json"), "-o", out]
    if command == "synth-history":
        return [*args, "--tables", str(OSIPI / "tables.csv"), "-o", out]
    return [*args, "--event-log-table", "c.s.t"]


@pytest.mark.parametrize(("args", "option"), NUMBERS)
def test_numbers_out_of_range_are_refused(tmp_path: Path, args: list[str], option: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, _with_inputs(args, tmp_path))
    assert result.exit_code == 2, result.output
    assert option in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() and list(tmp_path.iterdir()) == []
