"""What a pipeline of the stand-in workspace defines when it runs: the tables of its
definition, read the way the platform reads them (an oracle for the tests, written apart from
the product's code).

- A managed ingestion pipeline defines `ingestion_definition.objects[].table`: the
  destination catalog, schema and table (the source table's name when no destination name
  is given: TableSpec.destination_table, databricks-sdk).
- A workspace-files pipeline defines what its source file hands to `ingest`: the file's
  `pipeline_spec` literal, with the destination catalog and schema of tables without their
  own taken from the pipeline configuration, as the rendered file does at run time.
Names are compared as Unity Catalog compares them: case-insensitively.
"""

from __future__ import annotations

import ast
import base64
from typing import Any


def key(catalog: str, schema: str, name: str) -> str:
    return f"{catalog}.{schema}.{name}".lower()


class DefinitionError(Exception):
    """The pipeline's definition cannot be read (a missing or broken source file)."""


def managed_tables(spec: dict[str, Any]) -> list[str]:
    out = []
    for obj in (spec.get("ingestion_definition") or {}).get("objects") or []:
        t = obj.get("table") or {}
        out.append(
            key(
                t["destination_catalog"],
                t["destination_schema"],
                t.get("destination_table") or t.get("source_table") or "",
            )
        )
    return out


def _objects_literal(source: str) -> list[dict[str, Any]]:
    """The `objects` value of the file's `pipeline_spec = {...}` assignment."""
    tree = ast.parse(source)
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "pipeline_spec" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            for k, v in zip(node.value.keys, node.value.values, strict=True):
                if isinstance(k, ast.Constant) and k.value == "objects":
                    value = ast.literal_eval(v)
                    if isinstance(value, list):
                        return value
    raise DefinitionError("the source file assigns no pipeline_spec with objects")


def file_tables(spec: dict[str, Any], files: dict[str, dict[str, Any]]) -> list[str]:
    conf = spec.get("configuration") or {}
    out = []
    for library in spec.get("libraries") or []:
        path = (library.get("file") or {}).get("path")
        if path is None:
            continue
        if path not in files:
            raise DefinitionError(f"the pipeline's source file {path} does not exist")
        source = base64.b64decode(files[path]["content"]).decode("utf-8")
        try:
            objects = _objects_literal(source)
        except (SyntaxError, ValueError) as exc:
            raise DefinitionError(f"{path} does not parse: {exc}") from None
        for obj in objects:
            t = obj["table"]
            out.append(
                key(
                    t.get("destination_catalog") or conf.get("lakeflow_balancer.catalog", ""),
                    t.get("destination_schema") or conf.get("lakeflow_balancer.schema", ""),
                    t.get("destination_table") or t["source_table"],
                )
            )
    return out


def defined_tables(spec: dict[str, Any], files: dict[str, dict[str, Any]]) -> list[str]:
    """Every table the pipeline's next update would write, its event log included."""
    tables = managed_tables(spec) if "ingestion_definition" in spec else file_tables(spec, files)
    log = spec.get("event_log") or {}
    if log.get("name"):
        tables.append(
            key(log.get("catalog") or spec.get("catalog", ""), log.get("schema") or "", log["name"])
        )
    return tables
