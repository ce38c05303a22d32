"""Run the steps of a migration one at a time (one small function per kind of step).

The workspace and SQL calls go through `Api` (the SDK's client); every step that completes is
recorded in the deployment's journal (`state`) with the ids learned so far, then reported.
The first failure stops the run with a RemoteError naming what was done and what comes next;
running deploy again reads the workspace afresh and continues. Without a SQL warehouse the
run stops before the first hand-over (`HandOverNeeded`), printing the statements to run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from balancer.databricks.answers import obj
from balancer.databricks.observe import Snapshot
from balancer.databricks.rendered import Context
from balancer.databricks.specs import merge_job, merge_pipeline
from balancer.databricks.state import DeploymentState, write_state
from balancer.databricks.workspace import (
    Api,
    field,
    get_pipeline,
    job_settings,
    upload_volume_file,
    upload_workspace_file,
)
from balancer.errors import RemoteError
from balancer.planning.migration import Step
from balancer.planning.runbook import hand_over_sql

IDLE_TIMEOUT_S = 1200.0
STATEMENT_TIMEOUT_S = 600.0


class HandOverNeeded(RemoteError):
    """The migration reached a hand-over and no SQL warehouse was named. Exit code 4."""


class Executor:
    def __init__(
        self,
        api: Api,
        ctx: Context,
        snapshot: Snapshot,
        state: DeploymentState,
        folder: str,
        warehouse_id: str | None,
        echo: Callable[[str], None],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api, self.ctx, self.snap, self.state = api, ctx, snapshot, state
        self.folder, self.warehouse_id, self.echo, self.sleep = folder, warehouse_id, echo, sleep

    def run(self, steps: Sequence[Step]) -> None:
        self.state.done = []
        self.restarting = {s.ident for s in steps if s.kind == "start_pipeline"}
        for n, step in enumerate(steps):
            if step.kind == "hand_over" and not self.warehouse_id:
                self._record(complete=False)
                raise HandOverNeeded(self._pending_text(steps[n:]), done=tuple(self.api.done))
            try:
                getattr(self, f"_{step.kind}")(step)
            except KeyboardInterrupt:
                self._record(complete=False)
                raise RemoteError(
                    f"interrupted during: {step.describe(self.ctx.pipeline_ids)}. Done before: "
                    f"{'; '.join(self.api.done) or 'nothing'}. Run the same deploy again: it "
                    "reads the workspace and continues.",
                    done=tuple(self.api.done),
                ) from None
            self.state.done.append(step.key)
            self._record(complete=False)
            self.api.did(step.describe(self.ctx.pipeline_ids), self.echo)
        self._record(complete=True)

    def _record(self, complete: bool) -> None:
        self.state.pipelines = dict(sorted(self.ctx.pipeline_ids.items()))
        self.state.complete = complete
        write_state(self.folder, self.state)

    def _pending_text(self, rest: Sequence[Step]) -> str:
        handovers = [s for s in rest if s.kind == "hand_over"]
        statements = "\n".join(
            line for s in handovers for line in hand_over_sql(s, self.ctx.pipeline_ids)
        )
        sources = sorted({s.source_name for s in handovers})
        return (
            "stopped before the first hand-over: moving a table to another pipeline takes an "
            "ALTER statement on a SQL warehouse, and no --warehouse-id was given. The source "
            f"pipeline(s) {', '.join(sources)} are stopped and the schedules of the pipelines "
            "involved paused, so nothing starts them; a pipeline that receives tables may "
            "already name them, so do not start one by hand until deploy has finished. Run on "
            "a SQL warehouse:\n"
            f"{statements}\n"
            "then run the same `balancer deploy` again (it reads the workspace and continues), "
            "or run it again with --warehouse-id ID to have it run them."
        )

    # --- one function per kind of step ------------------------------------------------

    def _ensure_schema(self, step: Step) -> None:
        catalog, _, schema = step.subject.partition(".")
        body = {"catalog_name": catalog, "name": schema}
        self.api.call(
            f"create schema {step.subject}", "POST", "/api/2.1/unity-catalog/schemas", body=body
        )

    def _ensure_volume(self, step: Step) -> None:
        catalog, schema, volume = step.subject.split(".", 2)
        body = {"catalog_name": catalog, "schema_name": schema, "name": volume}
        body["volume_type"] = "MANAGED"
        self.api.call(
            f"create volume {step.subject}", "POST", "/api/2.1/unity-catalog/volumes", body=body
        )

    def _upload(self, step: Step) -> None:
        self._put_file(step.subject, self.snap.uploads[step.subject])

    def _put_file(self, path: str, data: bytes) -> None:
        if path.startswith("/Volumes/"):
            upload_volume_file(self.api, path, data)
        else:
            upload_workspace_file(self.api, path, data)

    def _definition_files(self, key: str) -> None:
        for path, data in self.snap.definition_files.get(key, {}).items():
            self._put_file(path, data)

    def _create_pipeline(self, step: Step) -> None:
        self._definition_files(step.subject)
        body = self.snap.pipeline_bodies[step.subject]
        created = self.api.call(
            f"create pipeline {step.name}", "POST", "/api/2.0/pipelines", body=body
        )
        self.ctx.pipeline_ids[step.subject] = str(
            field(created, "pipeline_id", str, f"creating pipeline {step.name}")
        )

    def _update_pipeline(self, step: Step) -> None:
        self._definition_files(step.subject)
        view = get_pipeline(self.api, step.ident) or {}
        body = merge_pipeline(obj(view.get("spec")), self.snap.pipeline_bodies[step.subject])
        for key in ("run_as", "parameters"):  # beside the spec; a PUT without them drops them
            if isinstance(view.get(key), dict) and key not in body:
                body[key] = view[key]
        body["id"] = step.ident
        path = f"/api/2.0/pipelines/{step.ident}"
        self.api.call(f"update pipeline {step.name} ({step.ident})", "PUT", path, body=body)

    def _stop_pipeline(self, step: Step) -> None:
        if step.ident in self.restarting and step.ident not in self.state.restart:
            self.state.restart.append(step.ident)  # owed a start, even if this run stops here
            self._record(complete=False)
        self._stop(step.ident, step.name)

    def _stop(self, ident: str, name: str) -> None:
        path = f"/api/2.0/pipelines/{ident}"
        self.api.call(f"stop pipeline {name} ({ident})", "POST", f"{path}/stop")
        waited = 0.0
        while True:
            view = get_pipeline(self.api, ident)
            state = str((view or {}).get("state") or "IDLE")
            if view is None or state in ("IDLE", "FAILED", "DELETED"):
                return
            if waited >= IDLE_TIMEOUT_S:
                raise RemoteError(
                    f"pipeline {name} ({ident}) is still {state} {waited:.0f} s after the stop.",
                    done=tuple(self.api.done),
                )
            if waited == 0:
                self.echo(f"waiting for pipeline {name} to stop ...")
            self.sleep(5.0)
            waited += 5.0

    def _pause_job(self, step: Step) -> None:
        schedule = job_settings(self.api, step.ident).get("schedule")
        if not isinstance(schedule, dict) or not schedule.get("quartz_cron_expression"):
            return  # nothing triggers it on a schedule: nothing to pause
        body = {
            "job_id": int(step.ident),
            "new_settings": {"schedule": {**schedule, "pause_status": "PAUSED"}},
        }
        if step.ident not in self.state.paused:  # owed its schedule back, even if this run stops
            self.state.paused.append(step.ident)
            self._record(complete=False)
        self.api.call(
            f"pause job {step.name} ({step.ident})", "POST", "/api/2.2/jobs/update", body=body
        )

    def _hand_over(self, step: Step) -> None:
        self._stop(step.source, step.source_name)  # a job may have started it since
        for statement in hand_over_sql(step, self.ctx.pipeline_ids):
            self._sql(statement)

    def _sql(self, statement: str) -> None:
        what = f"run `{statement}` on warehouse {self.warehouse_id}"
        body = {"statement": statement, "warehouse_id": self.warehouse_id, "wait_timeout": "30s"}
        resp: Any = self.api.call(what, "POST", "/api/2.0/sql/statements", body=body)
        sid = str(field(resp, "statement_id", str, what))
        waited = 0.0
        while obj(obj(resp).get("status")).get("state") in ("PENDING", "RUNNING"):
            if waited >= STATEMENT_TIMEOUT_S:
                raise RemoteError(
                    f"{what}: still running after {waited:.0f} s.", done=tuple(self.api.done)
                )
            if waited:
                self.sleep(2.0)
            waited += 2.0
            resp = self.api.call(what, "GET", f"/api/2.0/sql/statements/{sid}")
        status = obj(obj(resp).get("status"))
        if status.get("state") != "SUCCEEDED":
            error = status.get("error")
            message = error.get("message", "") if isinstance(error, dict) else str(error or "")
            raise RemoteError(
                f"could not {what}: it ended {status.get('state')}: {message}. Done before the "
                f"failure: {'; '.join(self.api.done) or 'nothing'}.",
                done=tuple(self.api.done),
            )

    def _delete_job(self, step: Step) -> None:
        body = {"job_id": int(step.ident)}
        self.api.call(
            f"delete job {step.name} ({step.ident})", "POST", "/api/2.2/jobs/delete", body=body
        )

    def _delete_pipeline(self, step: Step) -> None:
        path = f"/api/2.0/pipelines/{step.ident}"
        # cascade=false: the API's default (true) deletes every table the pipeline owns
        self.api.call(
            f"delete pipeline {step.name} ({step.ident})",
            "DELETE",
            path,
            query={"cascade": "false"},
        )

    def _start_pipeline(self, step: Step) -> None:
        view = get_pipeline(self.api, step.ident) or {}
        if str(view.get("state") or "IDLE") in ("IDLE", "FAILED"):  # its job may have started it
            path = f"/api/2.0/pipelines/{step.ident}/updates"
            self.api.call(f"restart pipeline {step.name} ({step.ident})", "POST", path, body={})
        if step.ident in self.state.restart:
            self.state.restart.remove(step.ident)

    def _create_job(self, step: Step) -> None:
        body = self.ctx.job_body(step.subject)
        created = self.api.call(
            f"create job {step.name}", "POST", "/api/2.2/jobs/create", body=body
        )
        self.state.jobs[step.subject] = str(
            field(created, "job_id", int, f"creating job {step.name}")
        )

    def _update_job(self, step: Step) -> None:
        settings = merge_job(
            job_settings(self.api, step.ident), self.ctx.job_body(step.subject), step.resume
        )
        body = {"job_id": int(step.ident), "new_settings": settings}
        self.api.call(
            f"reset job {step.name} ({step.ident})", "POST", "/api/2.2/jobs/reset", body=body
        )
        self.state.jobs[step.subject] = step.ident
        if step.ident in self.state.paused:
            self.state.paused.remove(step.ident)
