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
    propose_rebalance,                 rebalancing
    RebalanceOptions
    history_sql, history_from_spark,   run history from event logs
    read_event_log_export
    discover, write_tables_csv         tables from a connector
    deploy_bundle, load_rendered,      a render folder to a workspace (databricks-sdk)
    workspace_client, undeploy
    notebook_path                      widget paths relative to the notebook's folder
    render_files, RenderOptions,       managed pipeline bodies, ingest files, bundle
    write_tree, balancer_wheel,        and the wheels they install
    connector_wheels, given_wheels
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# Public name -> module, or (module, attribute) where a submodule has the same name.
_EXPORTS: dict[str, str | tuple[str, str]] = {
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
    "propose_rebalance": ("balancer.rebalance", "rebalance"),
    "RebalanceOptions": "balancer.rebalance",
    "history_sql": "balancer.eventlog",
    "history_from_spark": "balancer.rebalance_job",
    "read_event_log_export": "balancer.eventlog",
    "discover": "balancer.discovery",
    "write_tables_csv": "balancer.discovery",
    "deploy_bundle": ("balancer.deploy", "deploy"),
    "load_rendered": "balancer.deploy",
    "workspace_client": "balancer.deploy",
    "undeploy": "balancer.deploy",
    "notebook_path": "balancer.notebook",
    "balancer_wheel": "balancer.packages",
    "connector_wheels": "balancer.packages",
    "given_wheels": "balancer.packages",
    "render_files": "render",
    "RenderOptions": "render",
    "write_tree": "render",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        target = _EXPORTS[name]
        module, attr = target if isinstance(target, tuple) else (target, name)
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'balancer' has no attribute {name!r}")
