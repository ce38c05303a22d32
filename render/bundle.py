"""The Databricks Asset Bundle: databricks.yml, and resources/*.yml where a bundle can say it.

databricks.yml holds the variables (catalog, schema, connection_name, and where the wheels,
the connector repository and the rebalancing proposals live) and the targets: `dev`
(development mode, the default) and `prod` (production mode with the explicit
`workspace.root_path` the Databricks CLI asks for). `balancer deploy` reads the same file,
so a target means the same to both deployers.

Workspace-files mode: one resources/<key>.yml per pipeline (the pipeline and its scheduled
job) and the rebalancing job; `databricks bundle deploy` deploys them. Managed mode: a
bundle cannot express a COMMUNITY managed ingestion pipeline today (the bundle schema has
no such source type), so the bundle holds no resources at all and says so; `balancer deploy`
creates the pipelines and their jobs from deploy/*.json. That way the bundle is never a
second way to create what `balancer deploy` created.
"""

from __future__ import annotations

from typing import Any

import yaml

from balancer.model import Plan
from render.options import RenderOptions
from render.resources import (
    Paths,
    pipeline_resource,
    rebalance_job,
    rebalance_job_key,
    schedule_job,
)

MANAGED_NOTE = """\
# Managed mode: the pipelines are COMMUNITY managed ingestion pipelines, which a bundle
# cannot express today (the bundle schema has no COMMUNITY source type). This bundle
# therefore holds no resources: `balancer deploy` creates the pipelines and their jobs from
# deploy/*.json and reads the variables and targets below. `databricks bundle deploy` of
# this folder creates nothing.
"""
WORKSPACE_NOTE = """\
# Workspace-files mode: deploy with `databricks bundle deploy` or with `balancer deploy`
# (the same variables and targets), not both for one target.
"""


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(
        doc, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000
    )


def bundle_name(plan: Plan, options: RenderOptions) -> str:
    return f"{plan.settings.name}_balanced{options.bundle_suffix}"


def variables(options: RenderOptions) -> dict[str, dict[str, str]]:
    """The bundle's variables with their descriptions and defaults."""
    out = {
        "catalog": {
            "description": "Unity Catalog catalog of the ingested tables.",
            "default": options.catalog,
        },
        "schema": {"description": "Schema of the ingested tables.", "default": options.schema},
        "connection_name": {
            "description": "Unity Catalog connection of the source.",
            "default": options.connection_name,
        },
    }
    if options.wheels or options.mode == "managed":
        out["packages_volume_path"] = {
            "description": "Unity Catalog volume folder holding the wheels the pipelines "
            "and jobs install (uploaded by `balancer deploy`).",
            "default": options.volume_path,
        }
    if options.mode == "workspace" and options.connector_root:
        out["connector_root"] = {
            "description": "Workspace path of the community connectors repository "
            "(a Git folder); the pipelines import the connector from its src/.",
            "default": options.connector_root,
        }
    if options.rebalance_job:
        out["proposal_volume_path"] = {
            "description": "Unity Catalog volume folder the rebalancing job writes its "
            "proposal to.",
            "default": f"/Volumes/{options.catalog}/{options.schema}/lakeflow_balancer/proposals",
        }
    return out


def databricks_yml(plan: Plan, options: RenderOptions) -> str:
    doc: dict[str, Any] = {"bundle": {"name": bundle_name(plan, options)}}
    if options.mode == "workspace":
        doc["include"] = ["resources/*.yml"]
    doc["variables"] = variables(options)
    doc["targets"] = {
        "dev": {"mode": "development", "default": True},
        "prod": {
            "mode": "production",
            "workspace": {
                "root_path": "/Workspace/Users/${workspace.current_user.userName}"
                "/.bundle/${bundle.name}/${bundle.target}"
            },
            "variables": {
                "catalog": options.catalog,
                "schema": options.schema,
                "connection_name": options.connection_name,
            },
        },
    }
    note = MANAGED_NOTE if options.mode == "managed" else WORKSPACE_NOTE
    return note + _dump(doc)


def resource_yml(plan: Plan, key: str, options: RenderOptions) -> str:
    """A pipeline and its scheduled job, as the Databricks CLI deploys them."""
    pipeline = next(p for p in plan.pipelines if p.key == key)
    resources: dict[str, Any] = {
        "pipelines": {key: pipeline_resource(plan, pipeline, options, Paths.BUNDLE)}
    }
    if options.emit_jobs:
        resources["jobs"] = {f"{key}_schedule": schedule_job(plan, pipeline, options)}
    return _dump({"resources": resources})


def rebalance_job_yml(plan: Plan, options: RenderOptions) -> str:
    job = rebalance_job(plan, options, Paths.BUNDLE)
    return _dump({"resources": {"jobs": {rebalance_job_key(plan): job}}})
