"""`deploy/manifest.json`: the render described for `balancer deploy` (see
`balancer.deployment`): each pipeline with its body, the tables it defines and its event
log, each job with the pipeline it runs, the volumes and files deploy must provide."""

from __future__ import annotations

from balancer.deployment import JobEntry, Manifest, PipelineEntry, table_ref
from balancer.model import Plan
from render.bundle import bundle_name
from render.options import RenderOptions
from render.resources import event_log_ref, ingest_file_name, rebalance_job_key

REBALANCE_FILES = ("rebalance_job.py", "plan.json")


def manifest(
    plan: Plan, options: RenderOptions, digests: tuple[tuple[str, str], ...] = ()
) -> Manifest:
    tables = {t.source_table: t for t in plan.tables}
    own_files = options.mode == "workspace"
    pipelines = tuple(
        PipelineEntry(
            key=p.key,
            name=p.name,
            body=f"deploy/pipelines/{p.key}.json",
            tables=tuple(table_ref(tables[name]) for name in p.tables),
            event_log=event_log_ref(p),
            files=(ingest_file_name(p),) if own_files else (),
        )
        for p in plan.pipelines
    )
    jobs: list[JobEntry] = []
    if options.emit_jobs:
        jobs += [
            JobEntry(
                f"{p.key}_schedule",
                f"{p.name} schedule",
                f"deploy/jobs/{p.key}_schedule.json",
                "schedule",
                p.key,
            )
            for p in plan.pipelines
        ]
    files: tuple[str, ...] = ()
    volume_variables: tuple[str, ...] = ("packages_volume_path",) if options.wheels else ()
    if options.rebalance_job:
        key = rebalance_job_key(plan)
        jobs.append(
            JobEntry(key, f"{plan.settings.name} rebalance", f"deploy/jobs/{key}.json", "rebalance")
        )
        files += REBALANCE_FILES
        volume_variables += ("proposal_volume_path",)
    return Manifest(
        deployment_id=plan.deployment_id,
        plan_name=plan.settings.name,
        bundle=bundle_name(plan, options),
        mode=options.mode,
        pipelines=pipelines,
        jobs=tuple(jobs),
        volume_variables=volume_variables,
        wheels=tuple(w.file_name for w in options.wheels),
        files=files,
        moves=plan.moves,
        digests=digests,
        default_schedules=options.default_figures,
    )
