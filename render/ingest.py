"""`ingest_<pipeline_key>.py`: one entry file per pipeline (workspace-files mode), from jinja2.

The spec is a Python literal built from values (`render.literal`), never pasted text. The
destination catalog and schema of tables without their own, and the connection, are read
from the pipeline's configuration (`lakeflow_balancer.catalog`, `.schema`,
`.connection_name`), which the bundle fills from its variables: each target sets its own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from balancer.model import PipelinePlan, Table
from balancer.version import __version__
from render.literal import python_literal
from render.options import RenderOptions
from render.resources import CONF_PREFIX
from render.spec import workspace_object


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("render", "templates"),
        autoescape=False,  # Python source, not HTML; every value arrives as a literal
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def pipeline_objects(
    pipeline: PipelinePlan, tables: dict[str, Table], options: RenderOptions
) -> list[dict[str, Any]]:
    """The `objects` of one pipeline's spec, in the plan's table order."""
    return [workspace_object(tables[name], options) for name in pipeline.tables]


def pipeline_spec(
    pipeline: PipelinePlan,
    tables: dict[str, Table],
    options: RenderOptions,
    catalog: str,
    schema: str,
    connection_name: str,
) -> dict[str, Any]:
    """The spec the ingest file hands to `ingest` once the configuration is filled in."""
    objects = pipeline_objects(pipeline, tables, options)
    for obj in objects:
        obj["table"].setdefault("destination_catalog", catalog)
        obj["table"].setdefault("destination_schema", schema)
    return {"connection_name": connection_name, "objects": objects}


def render_ingest(pipeline: PipelinePlan, tables: dict[str, Table], options: RenderOptions) -> str:
    template = _env().get_template(
        "ingest_legacy.py.j2" if options.legacy_layout else "ingest.py.j2"
    )
    return template.render(
        version=__version__,
        pipeline_key=pipeline.key,
        table_count=len(pipeline.tables),
        schedule_literal=python_literal(pipeline.schedule),
        source_name_literal=python_literal(options.source_name),
        conf_prefix_literal=python_literal(CONF_PREFIX),
        objects_literal=python_literal(pipeline_objects(pipeline, tables, options)),
    )
