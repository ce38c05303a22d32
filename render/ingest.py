"""`ingest_<pipeline_key>.py`: one entry file per pipeline, from jinja2 templates."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from balancer import __version__
from balancer.model import PipelinePlan, Table
from render.literal import python_literal
from render.options import RenderOptions


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("render", "templates"),
        autoescape=False,  # Python source, not HTML; every value arrives as a literal
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def pipeline_spec(
    pipeline: PipelinePlan, tables: dict[str, Table], options: RenderOptions
) -> dict[str, Any]:
    """The `pipeline_spec` of one pipeline: connection and one object per table."""
    objects = []
    for name in pipeline.tables:
        t = tables[name]
        extra = dict(t.extra)
        config = dict(options.common_table_config)
        config.update(dict(t.table_configuration))
        objects.append(
            {
                "table": {
                    "source_table": t.source_table,
                    "destination_catalog": extra.get("destination_catalog") or options.catalog,
                    "destination_schema": extra.get("destination_schema") or options.schema,
                    "destination_table": t.destination_table or t.source_table,
                    "table_configuration": config,
                }
            }
        )
    return {"connection_name": options.connection_name, "objects": objects}


def file_name(pipeline: PipelinePlan) -> str:
    return f"ingest_{pipeline.key}.py"


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
        spec_literal=python_literal(pipeline_spec(pipeline, tables, options)),
    )
