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

from balancer.errors import InputError, Location
from balancer.model import Plan
from balancer.names import plain_name_problem, shown
from render.options import RenderOptions
from render.resources import (
    Paths,
    pipeline_resource,
    rebalance_job,
    rebalance_job_key,
    schedule_job,
)

TARGETS_NOTE = """\
# Target dev (development mode) writes to its own schema per user, <schema>_dev_<you>,
# so no two targets or developers define one table; prod writes to the schema below.
"""
MANAGED_NOTE = (
    """\
# Managed mode: the pipelines are COMMUNITY managed ingestion pipelines, which a bundle
# cannot express today (the bundle schema has no COMMUNITY source type). This bundle
# therefore holds no resources: `balancer deploy` creates the pipelines and their jobs from
# deploy/*.json, uploads wheels/ to packages_volume_path, and reads the variables and
# targets below. `databricks bundle deploy` of this folder creates nothing.
"""
    + TARGETS_NOTE
)
WORKSPACE_NOTE = (
    """\
# Workspace-files mode: deploy with `databricks bundle deploy` (Databricks CLI 0.258 or
# later: it uploads the wheels/ the pipelines list) or with `balancer deploy` (the same
# variables and targets), not both for one target. Only `balancer deploy` hands tables over
# when a table changes pipeline (ALTER ... pipelines.pipelineId); after a rebalance, deploy
# with it.
"""
    + TARGETS_NOTE
)


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(
        doc, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000
    )


def bundle_name(plan: Plan, options: RenderOptions) -> str:
    """The bundle's name: it names the bundle's workspace folder, so it is a plain name."""
    name = f"{plan.settings.name}_balanced{options.bundle_suffix}"
    problem = plain_name_problem(name)
    if problem:
        raise InputError(
            f"the bundle name {shown(name)} (the plan's name, '_balanced' and --bundle-suffix) "
            f"{problem}.",
            fix="pass a shorter --bundle-suffix of letters, digits and '_'.",
            where=Location(column="--bundle-suffix"),
        )
    return name


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
            "default": options.proposal_path_in(options.catalog, options.schema),
        }
    return out


DEV_SCHEMA_SUFFIX = "_dev_${workspace.current_user.short_name}"


def dev_variables(options: RenderOptions) -> dict[str, str]:
    """A development target writes to a schema of its own per user (`<schema>_dev_<user>`),
    with its volumes there too, so no two targets or developers define one table."""
    dev_schema = options.schema + DEV_SCHEMA_SUFFIX
    out = {"schema": dev_schema}
    defaults = variables(options)
    if "packages_volume_path" in defaults and not options.packages_volume_path:
        out["packages_volume_path"] = options.volume_path_in(options.catalog, dev_schema)
    if "proposal_volume_path" in defaults:
        out["proposal_volume_path"] = options.proposal_path_in(options.catalog, dev_schema)
    return out


def databricks_yml(plan: Plan, options: RenderOptions) -> str:
    doc: dict[str, Any] = {"bundle": {"name": bundle_name(plan, options)}}
    if options.mode == "workspace":
        doc["include"] = ["resources/*.yml"]
    doc["variables"] = variables(options)
    doc["targets"] = {
        "dev": {"mode": "development", "default": True, "variables": dev_variables(options)},
        "prod": {
            "mode": "production",
            # shared, not the deployer's home: a second operator's deploy finds the same files
            "workspace": {"root_path": "/Workspace/Shared/.bundle/${bundle.name}/${bundle.target}"},
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
