"""The pipelines and jobs of a plan as Databricks resources, in both forms the render writes.

`Paths.BUNDLE` is the form of `resources/*.yml`, deployed by the Databricks CLI: files
relative to the YAML file (the CLI syncs and uploads them). `Paths.DEPLOY` is the form of
`deploy/*.json`, the request bodies `balancer deploy` sends: files under
`${workspace.file_path}` (the workspace folder it uploads to) and wheels on the volume
`${var.packages_volume_path}`. Both forms come from the same functions, so they never drift.

Every pipeline: serverless, PREVIEW channel, not continuous, the bundle's catalog and
schema, its event log published as a table (run history is read back from it), tagged with
the plan's name and deployment id (what `balancer deploy` owns). Every job: a Quartz
schedule with its timezone and pause status, at most one run at a time.
"""

from __future__ import annotations

import enum
from typing import Any

from balancer.deployment import BUNDLE_CATALOG, BUNDLE_SCHEMA, TableRef, event_log_name, plan_tags
from balancer.model import PipelinePlan, Plan
from render.options import RenderOptions
from render.quartz import to_quartz
from render.spec import managed_object

REGISTER_DATA_SOURCE = "pipelines.managedIngestion.registerPythonDataSource"
CONF_PREFIX = "lakeflow_balancer."  # pipeline configuration read by the ingest files


class Paths(enum.Enum):
    BUNDLE = "bundle"
    DEPLOY = "deploy"


def tags(plan: Plan) -> dict[str, str]:
    return plan_tags(plan.settings.name, plan.deployment_id)


def event_log_ref(pipeline: PipelinePlan) -> TableRef:
    """The event-log table of a pipeline, in the bundle's catalog and schema."""
    return TableRef(BUNDLE_CATALOG, BUNDLE_SCHEMA, event_log_name(pipeline.key))


def ingest_file_name(pipeline: PipelinePlan) -> str:
    return f"ingest_{pipeline.key}.py"


def _src(name: str, paths: Paths) -> str:
    return f"../src/{name}" if paths is Paths.BUNDLE else f"${{workspace.file_path}}/src/{name}"


def _wheel(name: str, paths: Paths) -> str:
    return f"../wheels/{name}" if paths is Paths.BUNDLE else f"${{var.packages_volume_path}}/{name}"


def pipeline_dependencies(options: RenderOptions, paths: Paths) -> list[str]:
    """pip requirements of every pipeline: the connector wheels, then extras. `balancer
    deploy` uploads the wheels to the volume; the Databricks CLI (0.258 and later) uploads
    the local paths of a bundle's pipeline environment itself."""
    wheels = options.wheels_of("framework", "connector")
    return [_wheel(w.file_name, paths) for w in wheels] + list(options.dependencies)


def pipeline_resource(
    plan: Plan, pipeline: PipelinePlan, options: RenderOptions, paths: Paths
) -> dict[str, Any]:
    """One pipeline, managed or workspace files."""
    resource: dict[str, Any] = {
        "name": pipeline.name,
        "catalog": "${var.catalog}",
        "schema": "${var.schema}",
        "serverless": True,
        "channel": "PREVIEW",
        "continuous": False,
    }
    deps = pipeline_dependencies(options, paths)
    if options.mode == "managed":
        tables = {t.source_table: t for t in plan.tables}
        resource["ingestion_definition"] = {
            "source_type": "COMMUNITY",
            "connection_name": "${var.connection_name}",
            "objects": [managed_object(tables[name], options) for name in pipeline.tables],
        }
        resource["configuration"] = {REGISTER_DATA_SOURCE: "true"}
    else:
        if options.connector_root and not deps:
            resource["root_path"] = "${var.connector_root}/src"
        if options.ingest_files_path:
            path = f"{options.ingest_files_path.rstrip('/')}/{ingest_file_name(pipeline)}"
        else:
            path = _src(ingest_file_name(pipeline), paths)
        resource["libraries"] = [{"file": {"path": path}}]
        resource["configuration"] = {
            f"{CONF_PREFIX}{name}": f"${{var.{name}}}"
            for name in ("catalog", "schema", "connection_name")
        }
    if deps:
        resource["environment"] = {"dependencies": deps}
    resource["event_log"] = {
        "catalog": "${var.catalog}",
        "schema": "${var.schema}",
        "name": event_log_name(pipeline.key),
    }
    resource["tags"] = tags(plan)
    return resource


def schedule_job(plan: Plan, pipeline: PipelinePlan, options: RenderOptions) -> dict[str, Any]:
    """The job that triggers one pipeline on its schedule."""
    return {
        "name": f"{pipeline.name} schedule",
        "schedule": {
            "quartz_cron_expression": to_quartz(pipeline.schedule, pipeline.start_offset_min),
            "timezone_id": options.timezone,
            "pause_status": _pause_status(pipeline, options),
        },
        "tasks": [
            {
                "task_key": "run_pipeline",
                "pipeline_task": {"pipeline_id": f"${{resources.pipelines.{pipeline.key}.id}}"},
            }
        ],
        "max_concurrent_runs": 1,
        "tags": tags(plan) | (DEFAULT_TAG if pipeline.key in options.default_schedules else {}),
    }


DEFAULT_TAG = {"lakeflow_balancer_schedule": "default"}  # a schedule nobody chose


def _pause_status(pipeline: PipelinePlan, options: RenderOptions) -> str:
    """--pause-jobs pauses every job; a job on a schedule nobody chose is rendered paused too
    (unless --run-default-schedules)."""
    held = pipeline.key in options.default_schedules and not options.run_default_schedules
    return "PAUSED" if options.pause_jobs or held else "UNPAUSED"


def rebalance_job_key(plan: Plan) -> str:
    return f"{plan.settings.name}_rebalance"


def rebalance_job(plan: Plan, options: RenderOptions, paths: Paths) -> dict[str, Any]:
    """The scheduled (paused) job that proposes a rebalance from the published event logs."""
    parameters = [
        "--plan",
        "${workspace.file_path}/src/plan.json",
        "--output",
        "${var.proposal_volume_path}",
        "--catalog",
        "${var.catalog}",
        "--schema",
        "${var.schema}",
    ]
    for p in plan.pipelines:
        parameters += [
            "--event-log-table",
            f"${{var.catalog}}.${{var.schema}}.{event_log_name(p.key)}",
        ]
    for p in plan.pipelines:  # the real ids, resolved at deploy (by either deployer)
        parameters += ["--pipeline-id", f"{p.key}=${{resources.pipelines.{p.key}.id}}"]
    balancer_wheels = [_wheel(w.file_name, paths) for w in options.wheels_of("balancer")]
    return {
        "name": f"{plan.settings.name} rebalance",
        "schedule": {
            "quartz_cron_expression": to_quartz(options.rebalance_schedule),
            "timezone_id": options.timezone,
            "pause_status": "PAUSED",
        },
        "tasks": [
            {
                "task_key": "rebalance",
                "environment_key": "balancer",
                "spark_python_task": {
                    "python_file": _src("rebalance_job.py", paths),
                    "parameters": parameters,
                },
            }
        ],
        "environments": [
            {
                "environment_key": "balancer",
                "spec": {"client": "3", "dependencies": balancer_wheels},
            }
        ],
        "max_concurrent_runs": 1,
        "tags": tags(plan),
    }
