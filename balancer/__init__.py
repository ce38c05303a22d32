"""lakeflow-balancer: balance a Lakeflow community connector's tables over pipelines.

The public API (imported lazily, so `import balancer` stays cheap):

    read_tables, read_history          inputs (tables.csv, runs.csv or Parquet)
    estimate_costs                     cost per table
    make_plan, Settings, Plan          solve
    read_plan, write_plan              plan.json
    WhatIf, Scenario, NewTable,        what-if analysis
    compare, moves_between
    pipeline_bars, makespan_vs_k,      charts (PNG) and an HTML report
    before_after, html_report
    rebalance, RebalanceOptions        rebalancing
    render_files, RenderOptions,       ingest files and bundle
    write_tree
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "read_tables": "balancer.readers",
    "read_history": "balancer.readers",
    "estimate_costs": "balancer.estimator",
    "make_plan": "balancer.planner",
    "Settings": "balancer.model",
    "Plan": "balancer.model",
    "Table": "balancer.model",
    "read_plan": "balancer.planio",
    "write_plan": "balancer.planio",
    "WhatIf": "balancer.whatif",
    "Scenario": "balancer.whatif",
    "NewTable": "balancer.whatif",
    "compare": "balancer.whatif",
    "moves_between": "balancer.whatif",
    "pipeline_bars": "balancer.charts",
    "makespan_vs_k": "balancer.charts",
    "before_after": "balancer.charts",
    "html_report": "balancer.charts",
    "rebalance": "balancer.rebalance",
    "RebalanceOptions": "balancer.rebalance",
    "render_files": "render",
    "RenderOptions": "render",
    "write_tree": "render",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'balancer' has no attribute {name!r}")
