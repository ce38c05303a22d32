"""The runbook of a rebalance: a view of the migration steps `balancer deploy` would run.

`presumed(current, proposed, catalog, schema, ids)` describes the workspace as the current
plan left it (each pipeline deployed, each table owned by its pipeline, each pipeline's job
running it) and the proposed plan as what deploy will want; `plan_migration` turns them into
the same ordered steps deploy runs: pause the jobs involved, stop the sources, deploy them
without their leaving tables, hand the tables over (`ALTER STREAMING TABLE ... SET
TBLPROPERTIES ('pipelines.pipelineId' = ...)`, one batch per pair of pipelines), deploy the
destinations, give the jobs their schedules back. `runbook` writes them as Markdown, with
`balancer deploy` as the one command that runs them all.

Names reach Markdown only as code spans and fenced blocks (`balancer.quoting`), so no name can
add a heading or a step. Identifiers are backtick-quoted (a backtick inside is doubled) and the
id is a single-quoted SQL string, so any table name is safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from balancer.deployment import TableRef, event_log_name, table_ref
from balancer.model import Plan
from balancer.planning.migration import (
    Desired,
    Found,
    Migration,
    Observed,
    Step,
    WantedJob,
    WantedPipeline,
    plan_migration,
)
from balancer.quoting import md_code, md_fence, quote_identifier, quote_string

PRESUMED_TARGET = "current"


@dataclass(frozen=True)
class Move:
    """One table leaving one pipeline for another."""

    table: str
    source: str
    destination: str
    cost_s: int
    weight: float


def qualified(catalog: str, schema: str, table: str) -> str:
    return ".".join(quote_identifier(p) for p in (catalog, schema, table))


def alter_statement(catalog: str, schema: str, table: str, pipeline_id: str) -> str:
    return (
        f"ALTER STREAMING TABLE {qualified(catalog, schema, table)} "
        f"SET TBLPROPERTIES ({quote_string('pipelines.pipelineId')} = {quote_string(pipeline_id)});"
    )


def pipeline_id_of(key: str, ids: Mapping[str, str]) -> str:
    return ids.get(key, f"<id of pipeline {key}>")


def _wanted(plan: Plan, catalog: str, schema: str) -> Desired:
    tables = {t.source_table: t for t in plan.tables}
    pipelines = tuple(
        WantedPipeline(
            p.key,
            p.name,
            tuple(table_ref(tables[name], catalog, schema) for name in p.tables),
            TableRef(catalog, schema, event_log_name(p.key)),
        )
        for p in plan.pipelines
    )
    jobs = tuple(
        WantedJob(f"{p.key}_schedule", f"{p.name} schedule", p.key) for p in plan.pipelines
    )
    return Desired(plan.deployment_id, PRESUMED_TARGET, "", pipelines, jobs)


def presumed(
    current: Plan, proposed: Plan, catalog: str, schema: str, ids: Mapping[str, str]
) -> tuple[Desired, Observed]:
    """The proposed plan as deploy would want it, and the workspace as the current plan left it."""
    now = _wanted(current, catalog, schema)
    want = _wanted(proposed, catalog, schema)
    same = {p.key: p.tables for p in now.pipelines}
    found = tuple(
        Found(
            pipeline_id_of(w.key, ids),
            w.name,
            current.deployment_id,
            PRESUMED_TARGET,
            up_to_date=any(n.key == w.key and n.tables == same.get(w.key) for n in want.pipelines),
        )
        for w in now.pipelines
    )
    jobs = tuple(
        Found(
            f"<job of {j.pipeline}>",
            j.name,
            current.deployment_id,
            PRESUMED_TARGET,
            True,
            runs=pipeline_id_of(str(j.pipeline), ids),
        )
        for j in now.jobs
    )
    owners = {
        t.key: pipeline_id_of(w.key, ids) for w in now.pipelines for t in (*w.tables, w.event_log)
    }
    names = {t.key: t for w in now.pipelines for t in (*w.tables, w.event_log)}
    return want, Observed(found, jobs, owners, names)


def migration_of(
    current: Plan, proposed: Plan, catalog: str, schema: str, ids: Mapping[str, str]
) -> Migration:
    desired, observed = presumed(current, proposed, catalog, schema, ids)
    return plan_migration(desired, observed)


def hand_over_sql(step: Step, ids: Mapping[str, str]) -> list[str]:
    """The ALTER statements of one hand-over step (placeholders for ids not known yet)."""
    dest = pipeline_id_of(step.destination, ids)
    return [alter_statement(t.catalog, t.schema, t.name, dest) for t in step.tables]


def _statements(migration: Migration, ids: Mapping[str, str]) -> list[list[str]]:
    return [hand_over_sql(s, ids) for s in migration.of("hand_over")]


def runbook(migration: Migration, ids: Mapping[str, str], deploy_command: str) -> str:
    """Markdown: the steps in order, each hand-over with its SQL."""
    lines = ["# Rebalance runbook", ""]
    handovers = migration.of("hand_over")
    if not handovers:
        return "\n".join([*lines, "No table moves.", ""])
    lines += [
        f"`{deploy_command}` runs every step below in this order, and stops before the first "
        "hand-over when no `--warehouse-id` is given. By hand, follow them one by one.",
        "",
    ]
    if any(s.destination not in ids for s in handovers) or any(
        s.source.startswith("<") for s in handovers
    ):
        lines += [
            "Pipeline ids are shown as `<id of pipeline KEY>` where unknown: deploy with",
            "`balancer deploy`, then pass `--deployment DIR` to rebalance to get them filled in.",
            "",
        ]
    sql = iter(_statements(migration, ids))
    for n, step in enumerate(migration.steps, start=1):
        if step.kind == "hand_over":
            names = ", ".join(md_code(t.full_name) for t in step.tables)
            lines.append(
                f"{n}. Hand {len(step.tables)} table(s) from {md_code(step.source_name)} to "
                f"{md_code(step.name)} ({names}):"
            )
            lines.append("")
            fence = md_fence("\n".join(next(sql)), "sql")
            lines += ["   " + line if line else "" for line in fence.split("\n")]
        elif step.kind in ("stop_pipeline", "start_pipeline", "update_pipeline", "create_pipeline"):
            verb = {
                "stop_pipeline": "Stop",
                "start_pipeline": "Restart",
                "update_pipeline": "Deploy",
                "create_pipeline": "Create",
            }[step.kind]
            command = {
                "stop_pipeline": f" (`databricks pipelines stop {step.ident}`) and wait until it is idle",
                "update_pipeline": " with its new definition",
            }.get(step.kind, "")
            lines.append(f"{n}. {verb} pipeline {md_code(step.name)}{command}.")
        elif step.kind == "pause_job":
            lines.append(f"{n}. Pause the schedule of job {md_code(step.name)}.")
        elif step.kind == "update_job":
            lines.append(f"{n}. Give job {md_code(step.name)} its schedule back.")
        else:
            lines.append(f"{n}. {step.describe(ids)}.")
    return "\n".join([*lines, ""])


def sql_script(migration: Migration, ids: Mapping[str, str]) -> str:
    out = ["-- lakeflow-balancer: run after the source pipelines are stopped and redeployed."]
    for batch in _statements(migration, ids):
        out += batch
    return "\n".join(out) + "\n"
