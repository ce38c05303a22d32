"""Each table as the pipelines see it: destination, connector options, ingestion controls.

One function per mode, from the same merge of a table's own settings over the render's
common ones (the table's win):

- `workspace_object`: an entry of the ingest file's `pipeline_spec` (upstream's spec format:
  `table_configuration` holds connector options as strings and the controls typed:
  `primary_keys` and `cluster_by` lists, `sequence_by` one column, `scd_type`).
- `managed_object`: an entry of a managed pipeline's `ingestion_definition.objects`
  (connector options under `connector_options.community_connector_options.options`, the
  controls in `table_configuration` as the API types them: `sequence_by` a list, clustering
  as `clustering_columns`).

Destination catalog and schema are left out when the table has none of its own: the
pipeline fills them from the bundle variables, so each target sets its own.
"""

from __future__ import annotations

from typing import Any

from balancer.deployment import table_ref
from balancer.errors import InputError, Location
from balancer.model import Table
from balancer.table_options import IngestionControls
from render.options import RenderOptions

SOURCE_SCHEMA = "default"  # community connectors have one namespace


def _merged(t: Table, options: RenderOptions) -> tuple[IngestionControls, dict[str, str]]:
    connector_options = dict(options.common_table_config)
    connector_options.update(dict(t.table_configuration))
    return t.controls.merged_over(options.common_controls), connector_options


def destination(t: Table) -> dict[str, str]:
    """The destination fields of a table object: its own catalog and schema when it has
    them (else the pipeline fills them from the bundle variables), and its table name."""
    ref = table_ref(t, "", "")
    out = {}
    if ref.catalog:
        out["destination_catalog"] = ref.catalog
    if ref.schema:
        out["destination_schema"] = ref.schema
    out["destination_table"] = ref.name
    return out


def workspace_object(t: Table, options: RenderOptions) -> dict[str, Any]:
    controls, connector_options = _merged(t, options)
    config: dict[str, Any] = dict(connector_options)
    if controls.scd_type:
        config["scd_type"] = controls.scd_type
    if controls.primary_keys:
        config["primary_keys"] = list(controls.primary_keys)
    if controls.sequence_by:
        if len(controls.sequence_by) > 1:
            raise InputError(
                f"table {t.source_table}: sequence_by {list(controls.sequence_by)} has several "
                "columns; ingest files (workspace mode) take one.",
                fix="give one sequence_by column, or render --mode managed.",
                where=Location(column="sequence_by"),
            )
        config["sequence_by"] = controls.sequence_by[0]
    if controls.cluster_by:
        config["cluster_by"] = list(controls.cluster_by)
    return {
        "table": {"source_table": t.source_table, **destination(t), "table_configuration": config}
    }


def managed_object(t: Table, options: RenderOptions) -> dict[str, Any]:
    controls, connector_options = _merged(t, options)
    table: dict[str, Any] = {
        "source_table": t.source_table,
        "source_schema": SOURCE_SCHEMA,
        "destination_catalog": "${var.catalog}",
        "destination_schema": "${var.schema}",
    }
    table.update(destination(t))
    if connector_options:
        table["connector_options"] = {"community_connector_options": {"options": connector_options}}
    config: dict[str, Any] = {}
    if controls.scd_type:
        config["scd_type"] = controls.scd_type
    if controls.primary_keys:
        config["primary_keys"] = list(controls.primary_keys)
    if controls.sequence_by:
        config["sequence_by"] = list(controls.sequence_by)
    if controls.cluster_by:
        config["clustering_columns"] = list(controls.cluster_by)
    if config:
        table["table_configuration"] = config
    return {"table": table}
