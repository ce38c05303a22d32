"""lakeflow-balancer: balance a Lakeflow community connector's tables over pipelines.

The public API (imported lazily, so `import balancer` stays cheap):

    read_tables, read_history          inputs (tables.csv, runs.csv or Parquet)
    estimate_costs                     cost per table
    make_plan, Settings, Plan          solve
    read_plan, write_plan              plan.json
    WhatIf, Scenario, NewTable,        what-if analysis
    compare, readable, moves_between, print_plan
    pipeline_bars, makespan_vs_k,      charts (PNG) and an HTML report
    tradeoff, before_after, html_report
    rebalance,                         rebalancing
    RebalanceOptions
    history_sql, history_from_spark,   run history from event logs
    read_event_log_export
    discover, write_tables_csv         tables from a connector
    deploy, load_rendered,             a render folder to a workspace (databricks-sdk)
    workspace_client, undeploy
    notebook_path                      widget paths relative to the notebook's folder
    current_user, connector_checkout   the notebook's user and its connectors checkout
    render_files, RenderOptions,       managed pipeline bodies, ingest files, bundle
    write_tree, balancer_wheel,        and the wheels they install
    connector_wheels, given_wheels
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from balancer.version import __version__

if TYPE_CHECKING:  # the lazy exports below, for type checkers and editors (a test keeps them equal)
    from balancer.analysis.charts import (
        before_after,
        html_report,
        makespan_vs_k,
        pipeline_bars,
        tradeoff,
    )
    from balancer.analysis.plan_table import (
        print_plan,
    )
    from balancer.analysis.whatif import (
        NewTable,
        Scenario,
        WhatIf,
        compare,
        moves_between,
        readable,
    )
    from balancer.databricks.deploy import (
        deploy,
        undeploy,
    )
    from balancer.databricks.notebook import (
        CHECKOUT_IN_WORKSPACE,
        connector_checkout,
        current_user,
        notebook_path,
    )
    from balancer.databricks.packages import (
        balancer_wheel,
        connector_wheels,
        given_wheels,
    )
    from balancer.databricks.rebalance_job import (
        history_from_spark,
    )
    from balancer.databricks.rendered import (
        load_rendered,
    )
    from balancer.databricks.workspace import (
        workspace_client,
    )
    from balancer.history.estimator import (
        estimate_costs,
    )
    from balancer.history.eventlog import (
        history_sql,
        read_event_log_export,
    )
    from balancer.io import (
        read_history,
        read_tables,
    )
    from balancer.io.atomic import (
        write_tree,
    )
    from balancer.io.discovery import (
        discover,
        write_tables_csv,
    )
    from balancer.io.plan_check import (
        read_plan,
    )
    from balancer.io.planio import (
        write_plan,
    )
    from balancer.model import (
        Plan,
        Settings,
        Table,
    )
    from balancer.planning.planner import (
        make_plan,
    )
    from balancer.planning.rebalance import (
        RebalanceOptions,
        rebalance,
    )
    from render import (
        RenderOptions,
        render_files,
    )


# Public name -> the module that defines it (under the same name).
_EXPORTS: dict[str, str] = {
    "read_tables": "balancer.io",
    "read_history": "balancer.io",
    "estimate_costs": "balancer.history.estimator",
    "make_plan": "balancer.planning.planner",
    "Settings": "balancer.model",
    "Plan": "balancer.model",
    "Table": "balancer.model",
    "read_plan": "balancer.io.plan_check",
    "write_plan": "balancer.io.planio",
    "WhatIf": "balancer.analysis.whatif",
    "Scenario": "balancer.analysis.whatif",
    "NewTable": "balancer.analysis.whatif",
    "compare": "balancer.analysis.whatif",
    "readable": "balancer.analysis.whatif",
    "print_plan": "balancer.analysis.plan_table",
    "moves_between": "balancer.analysis.whatif",
    "pipeline_bars": "balancer.analysis.charts",
    "tradeoff": "balancer.analysis.charts",
    "makespan_vs_k": "balancer.analysis.charts",
    "before_after": "balancer.analysis.charts",
    "html_report": "balancer.analysis.charts",
    "rebalance": "balancer.planning.rebalance",
    "RebalanceOptions": "balancer.planning.rebalance",
    "history_sql": "balancer.history.eventlog",
    "history_from_spark": "balancer.databricks.rebalance_job",
    "read_event_log_export": "balancer.history.eventlog",
    "discover": "balancer.io.discovery",
    "write_tables_csv": "balancer.io.discovery",
    "deploy": "balancer.databricks.deploy",
    "load_rendered": "balancer.databricks.rendered",
    "workspace_client": "balancer.databricks.workspace",
    "undeploy": "balancer.databricks.deploy",
    "notebook_path": "balancer.databricks.notebook",
    "current_user": "balancer.databricks.notebook",
    "connector_checkout": "balancer.databricks.notebook",
    "CHECKOUT_IN_WORKSPACE": "balancer.databricks.notebook",
    "balancer_wheel": "balancer.databricks.packages",
    "connector_wheels": "balancer.databricks.packages",
    "given_wheels": "balancer.databricks.packages",
    "render_files": "render",
    "RenderOptions": "render",
    "write_tree": "balancer.io.atomic",
}

__all__ = [
    "CHECKOUT_IN_WORKSPACE",
    "NewTable",
    "Plan",
    "RebalanceOptions",
    "RenderOptions",
    "Scenario",
    "Settings",
    "Table",
    "WhatIf",
    "__version__",
    "balancer_wheel",
    "before_after",
    "compare",
    "connector_checkout",
    "connector_wheels",
    "current_user",
    "deploy",
    "discover",
    "estimate_costs",
    "given_wheels",
    "history_from_spark",
    "history_sql",
    "html_report",
    "load_rendered",
    "make_plan",
    "makespan_vs_k",
    "moves_between",
    "notebook_path",
    "pipeline_bars",
    "print_plan",
    "read_event_log_export",
    "read_history",
    "read_plan",
    "read_tables",
    "readable",
    "rebalance",
    "render_files",
    "tradeoff",
    "undeploy",
    "workspace_client",
    "write_plan",
    "write_tables_csv",
    "write_tree",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'balancer' has no attribute {name!r}")
