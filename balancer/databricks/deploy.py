"""`balancer deploy FOLDER`: a rendered folder to a workspace, through databricks-sdk.

What it deploys is the render's `deploy/` bodies (the same in both modes): managed or
workspace-files pipelines, their scheduled jobs, the rebalancing job; plus the wheels (to
the volume in `packages_volume_path`, created when missing) and the files under `src/` (to
the workspace folder, `${workspace.file_path}`). Every call is a raw REST call through the
SDK's client and authentication: the SDK's typed models cannot express COMMUNITY managed
pipelines.

Targets mean what they mean to `databricks bundle deploy` (see `rendered`).

Ownership: every object carries the tag `lakeflow_balancer_id` = the plan's deployment id.
A pipeline or job is found by exact name; one that exists without that tag is not ours and
is refused (exit 2) unless `adopt`; prune deletes only what carries the tag and is no longer
wanted, jobs before pipelines, and stops at the first refusal. `dry_run` reads the
workspace and says create / update / unchanged / delete for each object, changing nothing.
A failure part-way raises RemoteError (exit 4) naming the refused call and what was done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from balancer.databricks.rendered import (
    ID_TAG,
    Context,
    Rendered,
    job_body,
    pipeline_body,
)
from balancer.databricks.workspace import (
    Api,
    jobs_all,
    pipelines_by_name,
    same,
    upload,
    volumes,
)
from balancer.databricks.workspace import (
    field as answer_field,
)
from balancer.errors import InputError

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

__all__ = ["ID_TAG", "Action", "DeployReport", "deploy", "undeploy"]


@dataclass(frozen=True)
class Action:
    verb: str  # create, update, unchanged, delete, upload, ensure
    kind: str  # pipeline, job, volume, file
    name: str
    ident: str = ""

    def __str__(self) -> str:
        suffix = f" ({self.ident})" if self.ident else ""
        return f"{self.verb} {self.kind} {self.name}{suffix}"


@dataclass
class DeployReport:
    actions: list[Action] = field(default_factory=list)
    done: list[str] = field(default_factory=list)

    def count(self, verb: str, kinds: tuple[str, ...] = ("pipeline", "job")) -> int:
        return sum(1 for a in self.actions if a.verb == verb and a.kind in kinds)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def deleted(self) -> int:
        return self.count("delete")


def _owner(settings: Mapping[str, Any]) -> str:
    return str((settings.get("tags") or {}).get(ID_TAG, ""))


def _match(
    kind: str,
    body: Mapping[str, Any],
    found: list[tuple[str, dict[str, Any]]],
    rendered: Rendered,
    adopt: bool,
) -> tuple[str, str]:
    """(verb, id) for one wanted object, given the same-named ones found (id, settings)."""
    name = body["name"]
    if len(found) > 1:
        raise InputError(
            f"{len(found)} {kind}s are named '{name}' ({', '.join(i for i, _ in found)}); "
            "deploy will not guess which one is meant.",
            fix="delete or rename the extra ones.",
        )
    if not found:
        return "create", ""
    ident, settings = found[0]
    owner = _owner(settings)
    if owner != rendered.deployment_id and not adopt:
        raise InputError(
            f"a {kind} named '{name}' ({ident}) exists and was not created by this plan "
            f"(its {ID_TAG} tag is {owner or 'missing'}, this plan's is "
            f"{rendered.deployment_id}).",
            fix=f"rename or remove that {kind}, or pass --adopt to take it over.",
        )
    return ("unchanged" if same(settings, body) else "update"), ident


def _pipeline_spec(api: Api, pid: str) -> dict[str, Any]:
    got = api.call(f"read pipeline {pid}", "GET", f"/api/2.0/pipelines/{pid}") or {}
    spec = got.get("spec") if isinstance(got, dict) else None
    return spec if isinstance(spec, dict) else {}


def _owned(
    api: Api, rendered: Rendered, keep: set[str], pipelines_by_name: dict[str, list[str]]
) -> list[Action]:
    """Delete actions for every job and pipeline this plan created whose name is not kept:
    jobs first (a job must not outlive its pipeline)."""
    out = []
    for j in jobs_all(api):
        settings = j.get("settings") or {}
        name = str(settings.get("name"))
        if _owner(settings) == rendered.deployment_id and name not in keep:
            out.append(Action("delete", "job", name, str(j["job_id"])))
    for name, ids in sorted(pipelines_by_name.items()):
        for pid in [] if name in keep else ids:
            if _owner(_pipeline_spec(api, pid)) == rendered.deployment_id:
                out.append(Action("delete", "pipeline", name, pid))
    return out


def _context(
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


def deploy(
    client: WorkspaceClient,
    rendered: Rendered,
    target: str | None = None,
    overrides: Mapping[str, str] | None = None,
    workspace_path: str | None = None,
    prune: bool = False,
    dry_run: bool = False,
    adopt: bool = False,
    echo: Callable[[str], None] = lambda _: None,
) -> DeployReport:
    """Make the workspace match the render for one target. See the module docstring."""
    report = DeployReport()
    api = Api(client, report.done)
    ctx = _context(api, rendered, target, overrides, workspace_path)
    pipelines = {k: pipeline_body(ctx, k, b) for k, b in rendered.pipelines.items()}
    existing = pipelines_by_name(api)
    planned: dict[str, tuple[str, str]] = {}
    for key, body in pipelines.items():
        found = [(pid, _pipeline_spec(api, pid)) for pid in existing.get(body["name"], [])]
        planned[key] = _match("pipeline", body, found, rendered, adopt)
        if planned[key][1]:
            ctx.pipeline_ids[key] = planned[key][1]
    jobs = {k: job_body(ctx, k, b) for k, b in rendered.jobs.items()}
    planned_jobs: dict[str, tuple[str, str]] = {}
    for key, body in jobs.items():
        found = [
            (str(j["job_id"]), j.get("settings") or {})
            for j in jobs_all(api, body["name"])
            if (j.get("settings") or {}).get("name") == body["name"]
        ]
        planned_jobs[key] = _match("job", body, found, rendered, adopt)
    needed = volumes(ctx, rendered)
    report.actions += [Action("ensure", "volume", v) for v in needed]
    folder = ctx.variables.get("packages_volume_path")
    report.actions += [Action("upload", "file", f"{folder}/{w}") for w in rendered.wheels]
    report.actions += [Action("upload", "file", f"{ctx.file_path}/src/{f}") for f in rendered.files]
    for key, (verb, ident) in planned.items():
        report.actions.append(Action(verb, "pipeline", pipelines[key]["name"], ident))
    for key, (verb, ident) in planned_jobs.items():
        report.actions.append(Action(verb, "job", jobs[key]["name"], ident))
    doomed: list[Action] = []
    if prune:
        keep = {b["name"] for b in (*pipelines.values(), *jobs.values())}
        doomed = _owned(api, rendered, keep, existing)
        report.actions += doomed
    if dry_run:
        for a in report.actions:
            echo(str(a) if a.verb == "unchanged" else f"would {a}")
        return report
    upload(api, ctx, rendered, needed, echo)
    for key, (verb, ident) in planned.items():
        ctx.pipeline_ids[key] = _apply_pipeline(api, verb, ident, pipelines[key])
        api.did(f"{verb} pipeline {pipelines[key]['name']} ({ctx.pipeline_ids[key]})", echo)
    for key, (verb, ident) in planned_jobs.items():
        body = job_body(ctx, key, rendered.jobs[key])  # pipeline ids are known now
        ident = _apply_job(api, verb, ident, body)
        api.did(f"{verb} job {body['name']} ({ident})", echo)
    _delete(api, doomed, echo)
    return report


def _apply_pipeline(api: Api, verb: str, ident: str, body: dict[str, Any]) -> str:
    name = body["name"]
    if verb == "create":
        created = api.call(f"create pipeline {name}", "POST", "/api/2.0/pipelines", body=body)
        return str(answer_field(created, "pipeline_id", str, f"creating pipeline {name}"))
    if verb == "update":
        path = f"/api/2.0/pipelines/{ident}"
        api.call(f"update pipeline {name} ({ident})", "PUT", path, body={**body, "id": ident})
    return ident


def _apply_job(api: Api, verb: str, ident: str, body: dict[str, Any]) -> str:
    name = body["name"]
    if verb == "create":
        created = api.call(f"create job {name}", "POST", "/api/2.2/jobs/create", body=body)
        return str(answer_field(created, "job_id", int, f"creating job {name}"))
    if verb == "update":
        settings = {"job_id": int(ident), "new_settings": body}
        api.call(f"reset job {name} ({ident})", "POST", "/api/2.2/jobs/reset", body=settings)
    return ident


def _delete(api: Api, doomed: list[Action], echo: Callable[[str], None]) -> None:
    """Delete in order (jobs first); the first refusal stops it, naming what was done."""
    for a in doomed:
        if a.kind == "job":
            body = {"job_id": int(a.ident)}
            api.call(f"delete job {a.name} ({a.ident})", "POST", "/api/2.2/jobs/delete", body=body)
        else:
            path = f"/api/2.0/pipelines/{a.ident}"
            api.call(f"delete pipeline {a.name} ({a.ident})", "DELETE", path)
        api.did(str(a), echo)


def undeploy(
    client: WorkspaceClient,
    rendered: Rendered,
    target: str | None = None,
    overrides: Mapping[str, str] | None = None,
    echo: Callable[[str], None] = lambda _: None,
) -> DeployReport:
    """Delete every job and pipeline this plan created (the tag says which), jobs first."""
    report = DeployReport()
    api = Api(client, report.done)
    _context(api, rendered, target, overrides, None)
    report.actions = _owned(api, rendered, set(), pipelines_by_name(api))
    _delete(api, report.actions, echo)
    return report
