"""The bundled SYNTHETIC histories: README's commands regenerate them byte for byte, and they
follow the generative model (a fixed and a per-minute part the estimator can tell apart,
real gaps, flows one after another)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from balancer.cli import main
from balancer.history.datafit import gaps
from balancer.history.estimator import calibrate_concurrency, estimate_costs
from balancer.history.flows import resolve_tables
from balancer.io import read_history, read_tables
from balancer.model import INCREMENTAL_TYPES, Settings
from tests.helpers import EXAMPLES

ROOT = EXAMPLES.parent
MARKER = "<!-- examples: regenerate -->"


def readme_commands() -> dict[str, list[str]]:
    """README's regeneration commands (the indented block after MARKER), by example."""
    lines = (ROOT / "README.md").read_text().split(MARKER, 1)[1].splitlines()[1:]
    out = {}
    for line in lines:
        if not line.startswith("    balancer "):
            break
        args = shlex.split(line)[1:]
        example = re.fullmatch(r"examples/(\w+)/tables\.csv", args[args.index("--tables") + 1])
        assert example, line
        out[example.group(1)] = args
    return out


EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "runs.csv").exists())


def test_readme_names_a_command_for_every_example() -> None:
    assert sorted(readme_commands()) == EXAMPLE_NAMES


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_the_readme_command_regenerates_the_bundled_history(example: str, tmp_path: Path) -> None:
    args = readme_commands()[example]
    out = tmp_path / "runs.csv"
    args[args.index("--output") + 1] = str(out)
    args[args.index("--tables") + 1] = str(EXAMPLES / example / "tables.csv")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (EXAMPLES / example / "runs.csv").read_bytes()


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_the_bundled_history_follows_the_model(example: str) -> None:
    catalog = read_tables(str(EXAMPLES / example / "tables.csv"))
    history = resolve_tables(read_history(str(EXAMPLES / example / "runs.csv")), catalog.tables)
    assert all(rid.startswith("synthetic-") for r in history.runs.values() for rid in r.run_id)
    assert calibrate_concurrency(history) == 1  # flows one after another
    failed = sum(int((~r.ok).sum()) for r in history.runs.values())
    total = sum(len(r) for r in history.runs.values())
    assert 0.01 < failed / total < 0.06
    estimates = estimate_costs(catalog.tables, history, Settings())
    with_both: list[bool] = []
    for t in catalog.tables:
        runs = history.runs[t.source_table]
        if t.ingestion_type not in INCREMENTAL_TYPES:
            assert estimates[t.source_table].interval_s == 0.0
            continue
        seen = gaps(runs.start[runs.ok])[1:]
        # most runs one interval apart, some after a skipped trigger or an outage
        assert (seen > 1.5 * np.median(seen)).mean() > 0.05
        e = estimates[t.source_table]
        assert "per minute of data" in e.note  # the parts told apart
        # either part is 0 where it is within the noise (a table with hardly any data)
        with_both.append(e.fixed_s > 0 and e.per_min_s > 0)
    assert len(with_both) - sum(with_both) <= len(with_both) / 50
