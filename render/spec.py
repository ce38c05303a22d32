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

from typing import TYPE_CHECKING, Any

from balancer.deployment import table_ref
from balancer.errors import InputError, Location
from balancer.model import Table
from balancer.table_options import IngestionControls
from render.options import RenderOptions

if TYPE_CHECKING:
    from balancer.io.connector_spec import ConnectorSpec

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


def check_options(
    tables: tuple[Table, ...], options: RenderOptions, spec: ConnectorSpec
) -> list[str]:
    """Each table's connector options (its own over the common ones) against the connector's
    spec: an option outside its external_options_allowlist is a warning (the connection's own
    externalOptionsAllowList may name more; the spec's is what upstream's CLI sets), one per
    option; a table lacking an option the connector's code requires is refused, all in one
    message, as its pipeline would fail reading it."""
    outside: dict[str, list[str]] = {}
    lacking: dict[tuple[str, ...], list[str]] = {}
    for t in sorted(tables, key=lambda t: t.source_table):
        _, connector_options = _merged(t, options)
        for key in sorted(set(connector_options) - spec.allowed):
            outside.setdefault(key, []).append(t.source_table)
        missing = tuple(
            k for k in spec.required_for(t.source_table) if not connector_options.get(k)
        )
        if missing:
            lacking.setdefault(missing, []).append(t.source_table)
    if lacking:
        missing, names = min(lacking.items())
        keys = ", ".join(missing)
        others = sum(len(v) for v in lacking.values()) - len(names)
        raise InputError(
            f"table{'s' if len(names) > 1 else ''} {', '.join(names)} lack{'' if len(names) > 1 else 's'} "
            f"the table option{'s' if len(missing) > 1 else ''} {keys}, which the connector's code "
            "requires: its pipeline would fail reading "
            + ("them" if len(names) > 1 else "it")
            + (f" ({others} more tables lack others)" if others else "")
            + ".",
            fix="give them to every table with --common-table-config-json '{"
            + ", ".join(f'"{k}": "..."' for k in missing)
            + "}', or to each table in tables.csv's table_configuration and solve again.",
            where=Location(spec.path),
        )
    return [
        f"option '{key}' of {_listed(names)} is not in the connector's external_options_allowlist "
        f"({spec.path}): the Unity Catalog connection rejects it at run time unless its "
        "externalOptionsAllowList names it. Fix: remove the option, or add it to the "
        "connection's externalOptionsAllowList."
        for key, names in sorted(outside.items())
    ]


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"table{'s' if len(names) > 1 else ''} {shown}"
