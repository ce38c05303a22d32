"""The Databricks Asset Bundle: databricks.yml and one resources/<key>.yml per pipeline.

Pipelines: serverless, PREVIEW channel, catalog + schema (not the deprecated target), not
continuous, the ingest file as a file library, the event log published as a table (so run
history can be read back). Jobs: one per pipeline, Quartz schedule with timezone and
pause_status, a pipeline_task referring to the pipeline resource.
"""

from __future__ import annotations

from typing import Any

import yaml

from balancer.model import Plan
from render.ingest import file_name
from render.options import RenderOptions
from render.quartz import to_quartz


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(
        doc, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000
    )


def bundle_name(plan: Plan, options: RenderOptions) -> str:
    return f"{plan.settings.name}_balanced{options.bundle_suffix}"


def databricks_yml(plan: Plan, options: RenderOptions) -> str:
    doc = {
        "bundle": {"name": bundle_name(plan, options)},
        "include": ["resources/*.yml"],
        "variables": {
            "catalog": {
                "description": "Unity Catalog catalog of the ingested tables.",
                "default": options.catalog,
            },
            "schema": {"description": "Schema of the ingested tables.", "default": options.schema},
            "connection_name": {
                "description": "Unity Catalog connection of the source.",
                "default": options.connection_name,
            },
        },
        "targets": {
            "dev": {"mode": "development", "default": True},
            "prod": {"mode": "production"},
        },
    }
    return _dump(doc)


def resource_yml(plan: Plan, key: str, options: RenderOptions) -> str:
    pipeline = next(p for p in plan.pipelines if p.key == key)
    if options.ingest_files_path:
        path = f"{options.ingest_files_path.rstrip('/')}/{file_name(pipeline)}"
    else:
        path = f"../src/{file_name(pipeline)}"
    resources: dict[str, Any] = {
        "pipelines": {
            key: {
                "name": pipeline.name,
                "catalog": "${var.catalog}",
                "schema": "${var.schema}",
                "serverless": True,
                "channel": "PREVIEW",
                "continuous": False,
                "libraries": [{"file": {"path": path}}],
                "event_log": {
                    "catalog": "${var.catalog}",
                    "schema": "${var.schema}",
                    "name": f"{key}_event_log",
                },
                "tags": {"lakeflow_balancer": plan.settings.name},
            }
        }
    }
    if options.emit_jobs:
        resources["jobs"] = {
            f"{key}_schedule": {
                "name": f"{pipeline.name} schedule",
                "schedule": {
                    "quartz_cron_expression": to_quartz(pipeline.schedule),
                    "timezone_id": options.timezone,
                    "pause_status": "PAUSED" if options.pause_jobs else "UNPAUSED",
                },
                "tasks": [
                    {
                        "task_key": "run_pipeline",
                        "pipeline_task": {"pipeline_id": f"${{resources.pipelines.{key}.id}}"},
                    }
                ],
                "max_concurrent_runs": 1,
                "tags": {"lakeflow_balancer": plan.settings.name},
            }
        }
    return _dump({"resources": resources})
