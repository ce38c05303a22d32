"""`balancer deploy FOLDER`: a rendered folder to a workspace, through databricks-sdk.

What it deploys is the render's `deploy/` bodies (the same in both modes): managed or
workspace-files pipelines, their scheduled jobs, the rebalancing job; plus the wheels (to
the volume in `packages_volume_path`, created when missing) and the files under `src/` (to
the workspace folder, `${workspace.file_path}`). Every call is a raw REST call through the
SDK's client and authentication: the SDK's typed models cannot express COMMUNITY managed
pipelines.

Targets mean what they mean to `databricks bundle deploy`: the target's variables
override the defaults, `--var` overrides both; a `development` target prefixes every name
with `[dev <user>] `, marks pipelines as development and pauses every schedule.

Ownership: every object carries the tag `lakeflow_balancer_id` = the plan's deployment id.
A pipeline or job is found by exact name; one that exists without that tag is not ours and
is refused (exit 2) unless `adopt`; prune deletes only what carries the tag and is no longer
wanted, jobs before pipelines, and stops at the first refusal. `dry_run` reads the
workspace and says create / update / unchanged / delete for each object, changing nothing.
A failure part-way raises RemoteError (exit 4) naming the refused call and what was done.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import yaml

from balancer.databricks.remote import refused
from balancer.errors import InputError, Location, RemoteError

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

ID_TAG = "lakeflow_balancer_id"
_REF = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")
_VOLUME = re.compile(r"^/Volumes/([^/]+)/([^/]+)/([^/]+)(/.*)?$")


@dataclass(frozen=True)
class Target:
    name: str
    development: bool
    root_path: str | None
    variables: dict[str, str]


@dataclass(frozen=True)
class Rendered:
    """A render folder as `balancer deploy` reads it; `${...}` references still unresolved."""

    folder: str
    bundle: str
    deployment_id: str
    variables: dict[str, str]
    targets: dict[str, Target]
    default_target: str
    pipelines: dict[str, dict[str, Any]]
    jobs: dict[str, dict[str, Any]]
    files: dict[str, bytes]  # path under src/ -> bytes
    wheels: dict[str, bytes]  # wheel file name -> bytes


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


def _load(path: Path, kind: str) -> dict[str, Any]:
    """A YAML or JSON file that must hold a mapping."""
    try:
        text = path.read_text(encoding="utf-8")
        doc = (yaml.safe_load(text) if kind == "YAML" else json.loads(text)) or {}
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read it as {kind}: {exc}.", where=Location(str(path))) from None
    if not isinstance(doc, dict):
        raise InputError(f"it is not a {kind} mapping.", where=Location(str(path)))
    return doc


def load_rendered(folder: str | Path) -> Rendered:
    """Read databricks.yml, deploy/*.json, src/ and wheels/ of a render folder."""
    root = Path(folder)
    main = root / "databricks.yml"
    if not main.is_file() or not (root / "deploy" / "pipelines").is_dir():
        raise InputError(
            "this folder is not a render of lakeflow-balancer (no databricks.yml and "
            "deploy/pipelines/).",
            where=Location(str(root)),
            fix="render it with `balancer render PLAN -o DIR` (renders older than managed mode "
            "need rendering again).",
        )
    doc = _load(main, "YAML")
    variables = {
        str(k): str((v or {}).get("default", "")) if isinstance(v, dict) else str(v)
        for k, v in (doc.get("variables") or {}).items()
    }
    targets: dict[str, Target] = {}
    default = ""
    for name, t in (doc.get("targets") or {}).items():
        t = t or {}
        targets[str(name)] = Target(
            str(name),
            t.get("mode") == "development",
            (t.get("workspace") or {}).get("root_path"),
            {str(k): str(v) for k, v in (t.get("variables") or {}).items()},
        )
        if t.get("default"):
            default = str(name)
    pipelines = {
        p.stem: _load(p, "JSON") for p in sorted((root / "deploy" / "pipelines").glob("*.json"))
    }
    jobs = {p.stem: _load(p, "JSON") for p in sorted((root / "deploy" / "jobs").glob("*.json"))}
    ids = {str((body.get("tags") or {}).get(ID_TAG, "")) for body in pipelines.values()}
    if len(ids) != 1 or "" in ids:
        raise InputError(
            f"the pipelines of this render do not share one {ID_TAG} tag.",
            where=Location(str(root / "deploy" / "pipelines")),
            fix="render the folder again from its plan.",
        )
    src = root / "src"
    files = (
        {
            p.relative_to(src).as_posix(): p.read_bytes()
            for p in sorted(src.rglob("*"))
            if p.is_file()
        }
        if src.is_dir()
        else {}
    )
    wheels = {p.name: p.read_bytes() for p in sorted((root / "wheels").glob("*.whl"))}
    bundle = str((doc.get("bundle") or {}).get("name") or root.name)
    return Rendered(
        str(root),
        bundle,
        ids.pop(),
        variables,
        targets,
        default or "dev",
        pipelines,
        jobs,
        files,
        wheels,
    )


class _Context:
    """Resolves `${...}` references for one target and user."""

    def __init__(
        self,
        rendered: Rendered,
        target: Target,
        overrides: Mapping[str, str],
        user: str,
        workspace_path: str | None,
    ) -> None:
        self.target = target
        self.variables = {**rendered.variables, **target.variables, **overrides}
        self.short_name = re.sub(r"[^A-Za-z0-9]+", "_", user.split("@")[0]).lower()
        self.values = {
            "bundle.name": rendered.bundle,
            "bundle.target": target.name,
            "workspace.current_user.userName": user,
            "workspace.current_user.short_name": self.short_name,
        }
        root = (
            target.root_path
            or "/Workspace/Users/${workspace.current_user.userName}/.bundle/${bundle.name}/${bundle.target}"
        )
        self.file_path = workspace_path or f"{self.resolve(root, 'the target root_path')}/files"
        self.values["workspace.file_path"] = self.file_path
        self.pipeline_ids: dict[str, str] = {}

    def name(self, name: str) -> str:
        return f"[dev {self.short_name}] {name}" if self.target.development else name

    def lookup(self, ref: str) -> str | None:
        if ref.startswith("var."):
            return self.variables.get(ref[4:])
        m = re.match(r"^resources\.pipelines\.(.+)\.id$", ref)
        if m:
            return self.pipeline_ids.get(m.group(1), f"<id of new pipeline {m.group(1)}>")
        return self.values.get(ref)

    def resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, str):

            def one(m: re.Match[str]) -> str:
                found = self.lookup(m.group(1))
                if found is None:
                    raise InputError(
                        f"{where} refers to ${{{m.group(1)}}}, which is not defined.",
                        fix="define the variable in databricks.yml or pass --var NAME=VALUE.",
                    )
                return found

            return _REF.sub(one, value)
        if isinstance(value, list):
            return [self.resolve(v, where) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v, where) for k, v in value.items()}
        return value


def _pipeline_body(ctx: _Context, key: str, body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = ctx.resolve(body, f"deploy/pipelines/{key}.json")
    out["name"] = ctx.name(out["name"])
    if ctx.target.development:
        out["development"] = True
        out["tags"] = {**out.get("tags", {}), "dev": ctx.short_name}
    return out


def _job_body(ctx: _Context, key: str, body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = ctx.resolve(body, f"deploy/jobs/{key}.json")
    out["name"] = ctx.name(out["name"])
    if ctx.target.development:
        if "schedule" in out:
            out["schedule"] = {**out["schedule"], "pause_status": "PAUSED"}
        out["tags"] = {**out.get("tags", {}), "dev": ctx.short_name}
    return out


class _Api:
    """Raw REST calls with the SDK's client; every refusal becomes a RemoteError."""

    def __init__(self, client: WorkspaceClient, report: DeployReport) -> None:
        self.client = client
        self.report = report

    def call(self, what: str, method: str, path: str, **kw: Any) -> Any:
        with refused(what, self.report.done):
            return self.client.api_client.do(method, path, **kw)

    def did(self, text: str, echo: Callable[[str], None]) -> None:
        self.report.done.append(text)
        echo(text)


def workspace_client() -> WorkspaceClient:
    """The SDK's client with its own authentication (profile or environment), with time
    limits so an unreachable host fails within about two minutes instead of hanging."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.config import Config

    return WorkspaceClient(config=Config(http_timeout_seconds=30, retry_timeout_seconds=90))


def _field(response: Any, key: str, kind: type, what: str) -> Any:
    value = response.get(key) if isinstance(response, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool) or value in ("", 0):
        raise RemoteError(f"the answer to {what} has no valid {key}: {response!r}.")
    return value


def _same(existing: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return all(existing.get(k) == v for k, v in wanted.items())


def _pipelines_by_name(api: _Api) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    token: str | None = None
    while True:
        query: dict[str, Any] = {"max_results": 100}
        if token:
            query["page_token"] = token
        page = api.call("list pipelines", "GET", "/api/2.0/pipelines", query=query)
        for status in (page or {}).get("statuses") or []:
            if isinstance(status, dict) and status.get("pipeline_id"):
                out.setdefault(str(status.get("name", "")), []).append(str(status["pipeline_id"]))
        token = (page or {}).get("next_page_token")
        if not token:
            return out


def _jobs_all(api: _Api, name: str | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        query: dict[str, Any] = {"limit": 100}
        if name is not None:
            query["name"] = name
        if token:
            query["page_token"] = token
        page = api.call("list jobs", "GET", "/api/2.2/jobs/list", query=query) or {}
        out.extend(j for j in page.get("jobs") or [] if isinstance(j, dict) and j.get("job_id"))
        token = page.get("next_page_token")
        if not token or not page.get("has_more", True):
            return out


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
    return ("unchanged" if _same(settings, body) else "update"), ident


def _pipeline_spec(api: _Api, pid: str) -> dict[str, Any]:
    got = api.call(f"read pipeline {pid}", "GET", f"/api/2.0/pipelines/{pid}") or {}
    spec = got.get("spec") if isinstance(got, dict) else None
    return spec if isinstance(spec, dict) else {}


def _owned(
    api: _Api, rendered: Rendered, keep: set[str], pipelines_by_name: dict[str, list[str]]
) -> list[Action]:
    """Delete actions for every job and pipeline this plan created whose name is not kept:
    jobs first (a job must not outlive its pipeline)."""
    out = []
    for j in _jobs_all(api):
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
    api: _Api,
    rendered: Rendered,
    target: str | None,
    overrides: Mapping[str, str] | None,
    workspace_path: str | None,
) -> _Context:
    name = target or rendered.default_target
    if name not in rendered.targets:
        raise InputError(
            f"target '{name}' is not defined in databricks.yml "
            f"(targets: {', '.join(sorted(rendered.targets)) or 'none'}).",
            fix="pass --target with one of those.",
        )
    me = api.call("read the current user", "GET", "/api/2.0/preview/scim/v2/Me")
    user = str(_field(me, "userName", str, "the current user"))
    return _Context(rendered, rendered.targets[name], overrides or {}, user, workspace_path)


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
    api = _Api(client, report)
    ctx = _context(api, rendered, target, overrides, workspace_path)
    pipelines = {k: _pipeline_body(ctx, k, b) for k, b in rendered.pipelines.items()}
    existing = _pipelines_by_name(api)
    planned: dict[str, tuple[str, str]] = {}
    for key, body in pipelines.items():
        found = [(pid, _pipeline_spec(api, pid)) for pid in existing.get(body["name"], [])]
        planned[key] = _match("pipeline", body, found, rendered, adopt)
        if planned[key][1]:
            ctx.pipeline_ids[key] = planned[key][1]
    jobs = {k: _job_body(ctx, k, b) for k, b in rendered.jobs.items()}
    planned_jobs: dict[str, tuple[str, str]] = {}
    for key, body in jobs.items():
        found = [
            (str(j["job_id"]), j.get("settings") or {})
            for j in _jobs_all(api, body["name"])
            if (j.get("settings") or {}).get("name") == body["name"]
        ]
        planned_jobs[key] = _match("job", body, found, rendered, adopt)
    volumes = _volumes(ctx, rendered)
    report.actions += [Action("ensure", "volume", v) for v in volumes]
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
    _upload(api, ctx, rendered, volumes, echo)
    for key, (verb, ident) in planned.items():
        ctx.pipeline_ids[key] = _apply_pipeline(api, verb, ident, pipelines[key])
        api.did(f"{verb} pipeline {pipelines[key]['name']} ({ctx.pipeline_ids[key]})", echo)
    for key, (verb, ident) in planned_jobs.items():
        body = _job_body(ctx, key, rendered.jobs[key])  # pipeline ids are known now
        ident = _apply_job(api, verb, ident, body)
        api.did(f"{verb} job {body['name']} ({ident})", echo)
    _delete(api, doomed, echo)
    return report


def _apply_pipeline(api: _Api, verb: str, ident: str, body: dict[str, Any]) -> str:
    name = body["name"]
    if verb == "create":
        created = api.call(f"create pipeline {name}", "POST", "/api/2.0/pipelines", body=body)
        return str(_field(created, "pipeline_id", str, f"creating pipeline {name}"))
    if verb == "update":
        path = f"/api/2.0/pipelines/{ident}"
        api.call(f"update pipeline {name} ({ident})", "PUT", path, body={**body, "id": ident})
    return ident


def _apply_job(api: _Api, verb: str, ident: str, body: dict[str, Any]) -> str:
    name = body["name"]
    if verb == "create":
        created = api.call(f"create job {name}", "POST", "/api/2.2/jobs/create", body=body)
        return str(_field(created, "job_id", int, f"creating job {name}"))
    if verb == "update":
        settings = {"job_id": int(ident), "new_settings": body}
        api.call(f"reset job {name} ({ident})", "POST", "/api/2.2/jobs/reset", body=settings)
    return ident


def _delete(api: _Api, doomed: list[Action], echo: Callable[[str], None]) -> None:
    """Delete in order (jobs first); the first refusal stops it, naming what was done."""
    for a in doomed:
        if a.kind == "job":
            body = {"job_id": int(a.ident)}
            api.call(f"delete job {a.name} ({a.ident})", "POST", "/api/2.2/jobs/delete", body=body)
        else:
            path = f"/api/2.0/pipelines/{a.ident}"
            api.call(f"delete pipeline {a.name} ({a.ident})", "DELETE", path)
        api.did(str(a), echo)


def _volumes(ctx: _Context, rendered: Rendered) -> list[str]:
    """catalog.schema.volume of each volume the deployment writes to or the jobs write to."""
    paths = []
    if rendered.wheels:
        paths.append(("packages_volume_path", ctx.variables.get("packages_volume_path", "")))
    if "proposal_volume_path" in ctx.variables and any(
        "${var.proposal_volume_path}" in json.dumps(b) for b in rendered.jobs.values()
    ):
        paths.append(("proposal_volume_path", ctx.variables["proposal_volume_path"]))
    out = []
    for var, path in paths:
        m = _VOLUME.match(path)
        if not m:
            raise InputError(
                f"variable {var} is '{path}', not a volume path.",
                fix="give /Volumes/<catalog>/<schema>/<volume>[/folder].",
            )
        full = f"{m.group(1)}.{m.group(2)}.{m.group(3)}"
        if full not in out:
            out.append(full)
    return out


def _upload(
    api: _Api, ctx: _Context, rendered: Rendered, volumes: list[str], echo: Callable[[str], None]
) -> None:
    for full in volumes:
        catalog, schema, volume = full.split(".")
        from databricks.sdk.errors import NotFound

        try:
            api.client.api_client.do("GET", f"/api/2.1/unity-catalog/volumes/{full}")
        except NotFound:
            api.call(
                f"create volume {full}",
                "POST",
                "/api/2.1/unity-catalog/volumes",
                body={
                    "catalog_name": catalog,
                    "schema_name": schema,
                    "name": volume,
                    "volume_type": "MANAGED",
                },
            )
            api.did(f"create volume {full}", echo)
    folder = ctx.variables.get("packages_volume_path", "").rstrip("/")
    if rendered.wheels:
        api.call(f"create folder {folder}", "PUT", f"/api/2.0/fs/directories{quote(folder)}")
    for name, data in rendered.wheels.items():
        path = f"{folder}/{name}"
        api.call(
            f"upload {path}",
            "PUT",
            f"/api/2.0/fs/files{quote(path)}",
            query={"overwrite": "true"},
            headers={"Content-Type": "application/octet-stream"},
            data=data,
        )
        api.did(f"upload {path}", echo)
    if not rendered.files:
        return
    folders = sorted({str(Path(f"{ctx.file_path}/src/{f}").parent) for f in rendered.files})
    for f in folders:
        api.call(f"create folder {f}", "POST", "/api/2.0/workspace/mkdirs", body={"path": f})
    for rel, data in rendered.files.items():
        path = f"{ctx.file_path}/src/{rel}"
        api.call(
            f"upload {path}",
            "POST",
            "/api/2.0/workspace/import",
            body={
                "path": path,
                "content": base64.b64encode(data).decode("ascii"),
                "format": "AUTO",
                "overwrite": True,
            },
        )
        api.did(f"upload {path}", echo)


def undeploy(
    client: WorkspaceClient,
    rendered: Rendered,
    target: str | None = None,
    overrides: Mapping[str, str] | None = None,
    echo: Callable[[str], None] = lambda _: None,
) -> DeployReport:
    """Delete every job and pipeline this plan created (the tag says which), jobs first."""
    report = DeployReport()
    api = _Api(client, report)
    _context(api, rendered, target, overrides, None)
    report.actions = _owned(api, rendered, set(), _pipelines_by_name(api))
    _delete(api, report.actions, echo)
    return report
