"""Charts render headless to PNG files that an image reader accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from balancer.analysis.charts import before_after, makespan_vs_k, pipeline_bars, tradeoff
from balancer.analysis.whatif import Scenario, WhatIf
from tests.helpers import EXAMPLES

PNG = b"\x89PNG\r\n\x1a\n"


def test_all_charts(tmp_path: Path) -> None:
    import matplotlib.image

    b = WhatIf.load(
        EXAMPLES / "osipi" / "tables.csv",
        EXAMPLES / "osipi" / "runs.csv",
        time_limit_s=2.0,
        sla_headroom=None,  # doubled costs would not fit every 15 min; the charts are the point
    )
    plans = b.sweep_pipelines(range(3, 5))
    grown = b.run(Scenario("g", pipelines=4, growth=2.0), current=plans["K=4"])
    paths = [
        pipeline_bars(plans["K=4"], tmp_path / "bars.png"),
        makespan_vs_k({3: plans["K=3"], 4: plans["K=4"]}, tmp_path / "k.png"),
        before_after(plans["K=4"], grown, tmp_path / "ba.png"),
        tradeoff(plans, tmp_path / "tradeoff.png"),
    ]
    for path in paths:
        assert path.read_bytes()[:8] == PNG
        height, width, _ = matplotlib.image.imread(path).shape
        assert width > 500 and height > 300


def _drawn(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The figures the charts save, kept for a look at their layout."""
    from balancer.analysis import charts

    figures: list[Any] = []
    save = charts._save

    def keep(plt: Any, fig: Any, path: str | Path) -> Path:
        figures.append(fig)
        return save(plt, fig, path)

    monkeypatch.setattr(charts, "_save", keep)
    return figures


@pytest.mark.parametrize("example", ["osipi", "hubspot", "github"])
def test_no_label_overlaps_another_or_leaves_the_figure(
    example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from balancer.analysis.chart_layout import layout_problems

    figures = _drawn(monkeypatch)
    b = WhatIf.load(
        EXAMPLES / example / "tables.csv",
        EXAMPLES / example / "runs.csv",
        time_limit_s=2.0,
        sla_headroom=None,
    )
    plans = b.sweep_pipelines(range(3, 9))
    best = b.run(Scenario("solve (K=8)", pipelines=8))
    makespan_vs_k({int(k[2:]): p for k, p in plans.items()}, tmp_path / "k.png")
    tradeoff({**plans, "solve (K=8)": best}, tmp_path / "tradeoff.png")
    pipeline_bars(plans["K=4"], tmp_path / "bars.png")
    before_after(plans["K=3"], plans["K=8"], tmp_path / "ba.png")
    assert len(figures) == 4
    for fig in figures:
        assert layout_problems(fig) == []
