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
    "read_tables": "balancer.io",
    "read_history": "balancer.io",
    "estimate_costs": "balancer.history.estimator",
    "make_plan": "balancer.planning.planner",
    "Settings": "balancer.model",
    "Plan": "balancer.model",
    "Table": "balancer.model",
    "read_plan": "balancer.io.planio",
    "write_plan": "balancer.io.planio",
    "WhatIf": "balancer.analysis.whatif",
    "Scenario": "balancer.analysis.whatif",
    "NewTable": "balancer.analysis.whatif",
    "compare": "balancer.analysis.whatif",
    "moves_between": "balancer.analysis.whatif",
    "pipeline_bars": "balancer.analysis.charts",
    "makespan_vs_k": "balancer.analysis.charts",
    "before_after": "balancer.analysis.charts",
    "html_report": "balancer.analysis.charts",
    "propose_rebalance": ("balancer.planning.rebalance", "rebalance"),
    "RebalanceOptions": "balancer.planning.rebalance",
    "history_sql": "balancer.history.eventlog",
    "history_from_spark": "balancer.databricks.rebalance_job",
    "read_event_log_export": "balancer.history.eventlog",
    "discover": "balancer.io.discovery",
    "write_tables_csv": "balancer.io.discovery",
    "deploy_bundle": ("balancer.databricks.deploy", "deploy"),
    "load_rendered": "balancer.databricks.deploy",
    "workspace_client": "balancer.databricks.deploy",
    "undeploy": "balancer.databricks.deploy",
    "notebook_path": "balancer.databricks.notebook",
    "balancer_wheel": "balancer.databricks.packages",
    "connector_wheels": "balancer.databricks.packages",
    "given_wheels": "balancer.databricks.packages",
    "render_files": "render",
    "RenderOptions": "render",
    "write_tree": "balancer.io.atomic",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        target = _EXPORTS[name]
        module, attr = target if isinstance(target, tuple) else (target, name)
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'balancer' has no attribute {name!r}")
