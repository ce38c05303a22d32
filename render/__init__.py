"""Renderers: a plan in, the files of a deployable bundle out.

    render_files(plan, options) -> {relative path: text}   (pure)
    write_tree(out_dir, files)                              (atomic: all files or none)

Layout: databricks.yml, resources/<pipeline_key>.yml, src/ingest_<pipeline_key>.py.
"""

from __future__ import annotations

from balancer.model import Plan
from render.bundle import REBALANCE_ENTRY, databricks_yml, rebalance_job_yml, resource_yml
from render.ingest import file_name, render_ingest
from render.options import RenderOptions
from render.writer import write_tree

__all__ = ["RenderOptions", "render_files", "write_tree"]


def render_files(plan: Plan, options: RenderOptions) -> dict[str, str]:
    """Every file of the bundle, keyed by path relative to the output folder."""
    tables = {t.source_table: t for t in plan.tables}
    files = {"databricks.yml": databricks_yml(plan, options)}
    for p in plan.pipelines:
        files[f"resources/{p.key}.yml"] = resource_yml(plan, p.key, options)
        files[f"src/{file_name(p)}"] = render_ingest(p, tables, options)
    if options.rebalance_job:
        from balancer.planio import dumps

        files["resources/rebalance_job.yml"] = rebalance_job_yml(plan, options)
        files["src/rebalance_job.py"] = REBALANCE_ENTRY
        files["src/plan.json"] = dumps(plan)
    return dict(sorted(files.items()))
