"""What-if always answers: a scenario or a reference solve that cannot fit is a row saying why
and the sweep goes on; moves are counted by table membership, not pipeline keys."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from balancer.analysis.whatif import WhatIf, moves_between
from balancer.cli import main
from balancer.model import Settings
from tests.helpers import catalog, plan_of, table


@pytest.mark.parametrize(
    ("after", "moves"),
    [
        ({"x_01": ("a", "b"), "x_02": ("c", "d")}, 0),  # same pipelines, same keys
        ({"x_02": ("a", "b"), "x_01": ("c", "d")}, 0),  # keys swapped: a rename moves nothing
        ({"x_03": ("a", "b"), "x_04": ("c", "d")}, 0),  # new keys
        ({"x_01": ("a", "b", "c"), "x_02": ("d",)}, 1),
        ({"x_02": ("a", "c"), "x_01": ("b", "d")}, 2),
        ({"x_01": ("a", "b", "c", "d")}, 2),  # merged: the smaller side moved
        ({"x_01": ("a", "b"), "x_02": ("c", "d", "new")}, 0),  # an added table is no move
    ],
)
def test_moves_count_tables_whose_pipeline_mates_changed(
    after: dict[str, tuple[str, ...]], moves: int
) -> None:
    base = plan_of([table(n, 10) for n in "abcd"], pipelines_min=2, pipelines_max=2)
    template = base.pipelines[0]
    first = {"x_01": ("a", "b"), "x_02": ("c", "d")}

    def plan(layout: dict[str, tuple[str, ...]]) -> object:
        return dataclasses.replace(
            base,
            pipelines=tuple(
                dataclasses.replace(template, key=k, tables=t) for k, t in layout.items()
            ),
        )

    assert moves_between(plan(first), plan(after)) == moves  # type: ignore[arg-type]


def test_a_pipeline_count_above_the_tables_says_why() -> None:
    tables = [table(f"t{i}", 10 * (i + 1)) for i in range(7)]
    b = WhatIf(catalog(tables), None, Settings(overhead_s=0, workers=1, time_limit_s=2.0))
    plans, refused = b.sweep(range(3, 9))
    assert set(plans) == {f"K={k}" for k in range(3, 8)}
    assert "8 pipelines need at least 8 tables, there are 7" in refused["K=8"]


def test_whatif_answers_when_nothing_fits(tmp_path: Path) -> None:
    # a cdc table whose run (200 s + 60 s start-up) outlasts the 4 minutes a 5-minute schedule
    # allows: no split fits; every 15 minutes its run is 600 s, which fits
    csv = "source_table,ingestion_type,weight\n" + "".join(
        f"t{i},cdc,{200 if i == 0 else 10}\n" for i in range(6)
    )
    (tmp_path / "tables.csv").write_text(csv, encoding="utf-8")
    args = ["whatif", "--tables", str(tmp_path / "tables.csv"), "--sweep-pipelines", "3..4"]
    result = CliRunner().invoke(main, [*args, "--sweep-schedule", "cdc=*/15 * * * *"])
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    for row in ("solve", "K=3", "K=4"):
        assert f"{row}: does not fit:" in words
    assert "schedule fit" in words  # the reason, said once
    assert "K=3: does not fit: as solve (the same reason)" in words
    assert "cdc every 15 min" in words  # the sweep went on and solved it
    assert "cdc every 15 min: does not fit" not in words
