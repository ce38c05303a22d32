"""`balancer deploy FOLDER`: a render folder to a workspace, as an ordered migration.

    read the workspace (observe) -> plan the steps (planning.migration) -> print or apply

One path serves the dry run and the apply: `--dry-run` prints exactly the steps an apply
would run, in order. Apply runs them one at a time (execute), journals each, and stops at the
first failure naming what was done and what comes next; a re-run reads the workspace again
and continues. Every call is a raw REST call through the SDK's client and authentication (the
SDK's typed models cannot express COMMUNITY managed pipelines).

What it protects (see `planning.migration` for the rules):
- ownership: objects carry the plan's deployment id and the target (`balancer.deployment`);
  a same-named object of another plan, target or person is refused (exit 2) unless `adopt`;
- tables: a table that changes pipeline is handed over (stop the source, update it without
  the table, ALTER its pipelines.pipelineId through the SQL statement API on
  `warehouse_id`, update the destination, restart); without a warehouse the run stops before
  the first hand-over and prints the statements; a table owned outside this deployment is
  refused before anything is written;
- prune deletes only this deployment's objects in this target, jobs first, pipelines with
  cascade=false (their tables stay);
- updates merge onto the fetched specs (`specs`), so settings an admin added survive, and an
  unchanged render makes no write call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from balancer.databricks.execute import Executor, HandOverNeeded
from balancer.databricks.observe import Snapshot, observe
from balancer.databricks.rendered import Context, Rendered
from balancer.databricks.state import DeploymentState, read_own_state
from balancer.databricks.workspace import Api
from balancer.databricks.workspace import field as answer_field
from balancer.deployment import ID_TAG
from balancer.errors import InputError
from balancer.planning.migration import Migration, MigrationOptions, Step, plan_migration

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

__all__ = ["ID_TAG", "DeployReport", "HandOverNeeded", "deploy", "undeploy"]


@dataclass
class DeployReport:
    migration: Migration = field(default_factory=lambda: Migration(()))
    done: list[str] = field(default_factory=list)
    pipeline_ids: dict[str, str] = field(default_factory=dict)
    where: str = ""  # "catalog.schema" of the target's tables

    @property
    def steps(self) -> tuple[Step, ...]:
        return self.migration.steps

    def count(self, *kinds: str) -> int:
        return sum(1 for s in self.migration.steps if s.kind in kinds)

    @property
    def created(self) -> int:
        return self.count("create_pipeline", "create_job")

    @property
    def updated(self) -> int:
        return self.count("update_pipeline", "update_job")

    @property
    def unchanged(self) -> int:
        return len(self.migration.unchanged)

    @property
    def deleted(self) -> int:
        return self.count("delete_pipeline", "delete_job")

    @property
    def handed_over(self) -> int:
        return sum(len(s.tables) for s in self.migration.of("hand_over"))


def context(
    api: Api,
    rendered: Rendered,
    target: str | None,
    overrides: Mapping[str, str] | None,
    workspace_path: str | None,
) -> Context:
    name = target or rendered.default_target
    if name not in rendered.targets:
        raise InputError(
            f"target '{name}' is not defined in databricks.yml "
            f"(targets: {', '.join(sorted(rendered.targets)) or 'none'}).",
            fix="pass --target with one of those.",
        )
    me = api.call("read the current user", "GET", "/api/2.0/preview/scim/v2/Me")
    user = str(answer_field(me, "userName", str, "the current user"))
    return Context(rendered, rendered.targets[name], overrides or {}, user, workspace_path)


def _state(ctx: Context, snap: Snapshot) -> DeploymentState:
    catalog, schema = snap.catalog_schema
    job_ids = {}
    for j in snap.desired.jobs:
        for f in snap.observed.jobs:
            if f.name == j.name:
                job_ids[j.key] = f.ident
    return DeploymentState(
        deployment_id=ctx.rendered.deployment_id,
        target=ctx.target.name,
        identity=ctx.identity,
        user=ctx.user,
        catalog=catalog,
        schema=schema,
        pipelines=dict(ctx.pipeline_ids),
        jobs=job_ids,
        event_logs={w.key: w.event_log.full_name for w in snap.desired.pipelines},
    )


def _same_location(snap: Snapshot, ctx: Context) -> None:
    """A target keeps the catalog and schema its pipelines write to (as the workspace shows
    them) unless the user says otherwise: a deploy to another one would leave every table where
    it is, updated by no pipeline."""
    if snap.moved_from:
        key, old = sorted(snap.moved_from.items())[0]
        catalog, schema = snap.catalog_schema
        raise InputError(
            f"target '{ctx.target.name}' is deployed to {old} (pipeline {key} and "
            f"{len(snap.moved_from) - 1} more write there), and this render writes to "
            f"{catalog}.{schema}: its pipelines would start new tables there and leave the ones "
            "in the old schema, updated by no pipeline.",
            fix="render with the catalog and schema you deployed (or pass --var), or pass "
            "--new-location to move the target on purpose (the old tables stay).",
        )


def _shared_files(snap: Snapshot) -> None:
    """Never write a file a pipeline outside this deployment reads as its definition."""
    if snap.read_by_others:
        path, names = sorted(snap.read_by_others.items())[0]
        raise InputError(
            f"{path} is the source file of pipeline(s) {', '.join(sorted(names))}, outside this "
            "deployment (another target?): writing it would change what they define.",
            fix="give each target its own workspace folder (drop --workspace-path, or pass "
            "another one).",
        )


def _can_hand_over(
    api: Api,
    ctx: Context,
    snap: Snapshot,
    migration: Migration,
    warehouse_id: str | None,
) -> None:
    """Before the first write: a hand-over needs a warehouse that exists and must run as the
    run-as user of both pipelines ("The user account or service principal running the
    operation must be the run-as user of both the source and destination pipelines", Move
    tables between pipelines, docs.databricks.com/aws/en/ldp/move-table)."""
    handovers = migration.of("hand_over")
    if not handovers:
        return
    involved = {s.source for s in handovers} | {
        ctx.pipeline_ids[s.destination] for s in handovers if s.destination in ctx.pipeline_ids
    }
    others = sorted(
        f"{pid} runs as {snap.run_as[pid]}"
        for pid in involved
        if snap.run_as.get(pid) and snap.run_as[pid] != ctx.user
    )
    if others:
        raise InputError(
            f"tables change pipeline, and the hand-over (ALTER ... pipelines.pipelineId) must run "
            f"as the run-as user of both pipelines; you are {ctx.user}, and pipeline "
            + "; ".join(others)
            + ".",
            fix="deploy as that user or service principal, or make the pipelines run as you.",
        )
    if warehouse_id:
        path = f"/api/2.0/sql/warehouses/{warehouse_id}"
        if api.maybe(f"read warehouse {warehouse_id}", "GET", path) is None:
            raise InputError(
                f"SQL warehouse {warehouse_id} does not exist (or you cannot use it).",
                fix="pass --warehouse-id of a warehouse you can run statements on.",
            )


def _run(
    client: WorkspaceClient,
    rendered: Rendered,
    target: str | None,
    overrides: Mapping[str, str] | None,
    workspace_path: str | None,
    options: MigrationOptions,
    dry_run: bool,
    warehouse_id: str | None,
    echo: Callable[[str], None],
    sleep: Callable[[float], None],
    empty: bool = False,
    new_location: bool = False,
) -> DeployReport:
    report = DeployReport()
    api = Api(client, report.done)
    unknown = sorted(set(overrides or {}) - set(rendered.variables))
    if unknown:
        raise InputError(
            f"--var names variable(s) databricks.yml does not define: {', '.join(unknown)}.",
            fix=f"use one of: {', '.join(sorted(rendered.variables))}.",
        )
    ctx = context(api, rendered, target, overrides, workspace_path)
    previous = read_own_state(rendered.folder, ctx.identity)
    snap = observe(api, ctx, every_job=options.prune, previous=previous)
    desired = snap.desired
    if not empty and not new_location:
        _same_location(snap, ctx)
    _shared_files(snap)
    if empty:  # undeploy: nothing is wanted, so everything of this deployment goes
        from dataclasses import replace

        desired = replace(desired, pipelines=(), jobs=())
        ctx.pipeline_ids.clear()
    report.migration = plan_migration(desired, snap.observed, options)
    _can_hand_over(api, ctx, snap, report.migration, warehouse_id)
    catalog, schema = snap.catalog_schema
    report.where = f"{catalog}.{schema}"
    mode = "development, " if ctx.target.development else ""
    elsewhere = sorted(
        {f"{t.catalog}.{t.schema}" for w in snap.desired.pipelines for t in w.tables}
        - {report.where}
    )
    also = (
        f" (tables with a destination of their own in {', '.join(elsewhere)})" if elsewhere else ""
    )
    echo(
        f"target {ctx.target.name} ({mode}as {ctx.user}): tables and event logs in "
        f"{report.where}{also}"
    )
    if dry_run:
        for n, step in enumerate(report.migration.steps, start=1):
            echo(f"{n}. would {step.describe(ctx.pipeline_ids)}")
        for text in report.migration.unchanged:
            echo(f"unchanged {text}")
        for note in report.migration.notes:
            echo(f"note: {note}")
        first = next(
            (n for n, s in enumerate(report.migration.steps, 1) if s.kind == "hand_over"), 0
        )
        if first and not warehouse_id:
            echo(
                f"note: without --warehouse-id an apply stops before step {first} (the first "
                "hand-over) and prints the ALTER statements to run."
            )
        report.pipeline_ids = dict(ctx.pipeline_ids)
        return report
    state = _state(ctx, snap)
    state.restart = sorted(snap.observed.restart)  # still owed by an interrupted run
    state.paused = sorted(snap.observed.resume)
    if empty:
        state.pipelines, state.jobs, state.event_logs = {}, {}, {}
    executor = Executor(api, ctx, snap, state, rendered.folder, warehouse_id, echo, sleep)
    executor.run(report.migration.steps)
    for note in report.migration.notes:
        echo(f"note: {note}")
    report.pipeline_ids = dict(ctx.pipeline_ids)
    return report


def deploy(
    client: WorkspaceClient,
    rendered: Rendered,
    target: str | None = None,
    overrides: Mapping[str, str] | None = None,
    workspace_path: str | None = None,
    prune: bool = False,
    dry_run: bool = False,
    adopt: bool = False,
    warehouse_id: str | None = None,
    echo: Callable[[str], None] = lambda _: None,
    sleep: Callable[[float], None] = time.sleep,
    new_location: bool = False,
) -> DeployReport:
    """Make the workspace match the render for one target. See the module docstring."""
    return _run(
        client,
        rendered,
        target,
        overrides,
        workspace_path,
        MigrationOptions(prune=prune, adopt=adopt),
        dry_run,
        warehouse_id,
        echo,
        sleep,
        new_location=new_location,
    )


def undeploy(
    client: WorkspaceClient,
    rendered: Rendered,
    target: str | None = None,
    overrides: Mapping[str, str] | None = None,
    dry_run: bool = False,
    echo: Callable[[str], None] = lambda _: None,
) -> DeployReport:
    """Delete every job and pipeline of this deployment in this target (jobs first),
    keeping every table (cascade=false)."""
    return _run(
        client,
        rendered,
        target,
        overrides,
        None,
        MigrationOptions(prune=True),
        dry_run,
        None,
        echo,
        time.sleep,
        empty=True,
    )
