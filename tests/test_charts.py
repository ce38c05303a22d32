"""Charts render headless to PNG files that an image reader accepts."""

from __future__ import annotations

from pathlib import Path

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
