"""Read the workspace as it is, for one target of a render: what the migration planner needs.

- The render resolved for the target (`Desired`): pipelines with the tables they define (full
  names), jobs with the pipeline each runs.
- The pipelines that matter, read one by one (the list shows no specs or tags): every pipeline
  whose name contains the plan's name (this deployment's, in any target, and same-named
  strangers) and every pipeline that owns a table the render defines.
- Who owns each table of the schemas the render writes (Unity Catalog's `pipeline_id`).
- Jobs by name (and, for prune, every job, to find this deployment's), with their full
  settings (`jobs/get`: the list leaves tasks out).
- Whether each found object already is as rendered (`specs`), what is missing (schemas of a
  development target, volumes) and which wheels and files differ from what is uploaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from balancer.databricks.answers import library_paths, obj
from balancer.databricks.rendered import Context
from balancer.databricks.specs import job_current, pipeline_current
from balancer.databricks.state import DeploymentState
from balancer.databricks.workspace import (
    Api,
    exists,
    get_pipeline,
    job_settings,
    jobs,
    pipeline_ids_like,
    tables_in,
    volume_file,
    workspace_file,
)
from balancer.deployment import ID_TAG, TARGET_TAG, TableRef, name_key
from balancer.errors import InputError, RemoteError
from balancer.planning.migration import Desired, Found, Observed, WantedJob, WantedPipeline
from balancer.planning.naming import slug

_VOLUME = re.compile(r"^/Volumes/([^/]+)/([^/]+)/([^/]+)(/.*)?$")
ACTIVE = ("DEPLOYING", "STARTING", "RUNNING", "STOPPING", "RECOVERING", "RESETTING")


@dataclass
class Snapshot:
    """What the reader saw, kept for the executor: the wanted bodies, the fetched specs, the
    bytes of every file to upload (workspace or volume path -> bytes)."""

    desired: Desired
    observed: Observed
    pipeline_bodies: dict[str, dict[str, Any]]
    definition_files: dict[str, dict[str, bytes]]  # pipeline key -> path -> bytes
    uploads: dict[str, bytes] = field(default_factory=dict)
    catalog_schema: tuple[str, str] = ("", "")
    run_as: dict[str, str] = field(default_factory=dict)  # pipeline id -> its run-as user
    # pipeline key -> the catalog.schema its deployed twin writes to, where the render moves it
    moved_from: dict[str, str] = field(default_factory=dict)
    # workspace path -> names of pipelines outside this deployment whose library it is
    read_by_others: dict[str, list[str]] = field(default_factory=dict)


def _found(ident: str, name: str, tags: Any, **kw: Any) -> Found:
    tags = obj(tags)
    return Found(ident, name, str(tags.get(ID_TAG) or ""), str(tags.get(TARGET_TAG) or ""), **kw)


def volume_of(path: str, var: str) -> tuple[str, str, str]:
    m = _VOLUME.match(path)
    if not m:
        raise InputError(
            f"variable {var} is '{path}', not a volume path.",
            fix="give /Volumes/<catalog>/<schema>/<volume>[/folder].",
        )
    return m.group(1), m.group(2), m.group(3)


def desired_of(ctx: Context) -> tuple[Desired, dict[str, dict[str, Any]]]:
    """The render resolved for the context's target, and each pipeline's body."""
    manifest = ctx.rendered.manifest
    bodies = {p.key: ctx.pipeline_body(p.key) for p in manifest.pipelines}
    pipelines = tuple(
        WantedPipeline(
            p.key,
            bodies[p.key]["name"],
            tuple(ctx.table(t, p.body) for t in p.tables),
            ctx.table(p.event_log, p.body),
        )
        for p in manifest.pipelines
    )
    job_list = tuple(WantedJob(j.key, ctx.name(j.name), j.pipeline) for j in manifest.jobs)
    return (
        Desired(manifest.deployment_id, ctx.identity, ctx.name_prefix, pipelines, job_list),
        bodies,
    )


def _definition_path(ctx: Context, body: dict[str, Any], name: str) -> str:
    """Where the pipeline reads its file `name` (a library path of its body), by default
    under the target's workspace folder."""
    for path in library_paths(body):
        if path.rsplit("/", 1)[-1] == name:
            return path
    return f"{ctx.file_path}/src/{name}"


def observe(
    api: Api, ctx: Context, every_job: bool, previous: DeploymentState | None = None
) -> Snapshot:
    """The workspace as it is for this render and target; `previous` is the record the last
    deploy of this target left (its ids are read even if a pipeline was renamed since)."""
    desired, bodies = desired_of(ctx)
    manifest = ctx.rendered.manifest
    definition_files = {
        p.key: {_definition_path(ctx, bodies[p.key], f): ctx.rendered.files[f] for f in p.files}
        for p in manifest.pipelines
    }
    schemas = sorted(
        {(t.catalog, t.schema) for w in desired.pipelines for t in (*w.tables, w.event_log)}
    )
    owners, names = _owners(api, schemas)
    views = _views(api, ctx, desired, owners, previous)
    found = _pipelines(api, ctx, desired, views, bodies, definition_files)
    recorded = _renamed(ctx, desired, views, previous)
    found_jobs = _jobs(api, ctx, desired, every_job)
    uploads = _uploads(api, ctx)
    owed = frozenset(previous.restart) & set(views) if previous else frozenset()
    defined: dict[str, tuple[str, ...]] = {}
    for pid, view in sorted(views.items()):
        for ref in _defines(ctx, obj(view.get("spec"))):
            defined[ref.key] = (*defined.get(ref.key, ()), pid)
    observed = Observed(
        tuple(found),
        tuple(found_jobs),
        owners,
        names,
        tuple(_missing(api, ctx, schemas)),
        tuple(uploads),
        owed,
        defined,
        frozenset(previous.paused) if previous else frozenset(),
        recorded,
    )
    where = (ctx.variables.get("catalog", ""), ctx.variables.get("schema", ""))
    run_as = {pid: str(v.get("run_as_user_name") or "") for pid, v in views.items()}
    moved_from = _moved_from(ctx, views, bodies)
    ours = set(ctx.pipeline_ids.values())
    read_by: dict[str, list[str]] = {}
    for pid, view in views.items():
        if pid in ours:
            continue
        spec = obj(view.get("spec"))
        for path in library_paths(spec):
            read_by.setdefault(path, []).append(str(spec.get("name") or pid))
    written = {path for files in definition_files.values() for path in files} | set(uploads)
    return Snapshot(
        desired,
        observed,
        bodies,
        definition_files,
        uploads,
        where,
        run_as,
        moved_from,
        {path: names for path, names in read_by.items() if path in written},
    )


def _views(
    api: Api,
    ctx: Context,
    desired: Desired,
    owners: dict[str, str],
    previous: DeploymentState | None,
) -> dict[str, dict[str, Any]]:
    """Every pipeline that matters, read one by one (the list shows no specs or tags): those
    whose name holds the plan's, those the last deploy recorded, and every owner of a table
    the render wants."""
    manifest = ctx.rendered.manifest
    known = set(previous.pipelines.values()) if previous else set()
    wanted_keys = {t.key for w in desired.pipelines for t in (*w.tables, w.event_log)}
    ids = set(pipeline_ids_like(api, slug(manifest.plan_name))) | known
    ids |= {owners[key] for key in wanted_keys & set(owners)}
    views = {}
    for pid in sorted(ids):
        view = get_pipeline(api, pid)
        if view is not None:
            views[pid] = view
    return views


def _renamed(
    ctx: Context,
    desired: Desired,
    views: dict[str, dict[str, Any]],
    previous: DeploymentState | None,
) -> dict[str, str]:
    """Key -> id of pipelines renamed since the last deploy (found by the recorded id)."""
    seen_names = {str(obj(v.get("spec")).get("name") or "") for v in views.values()}
    recorded: dict[str, str] = {}
    for w in desired.pipelines:
        pid = previous.pipelines.get(w.key, "") if previous else ""
        if pid in views and w.name not in seen_names:
            recorded[w.key] = pid
            ctx.pipeline_ids[w.key] = pid
    return recorded


def _moved_from(
    ctx: Context, views: dict[str, dict[str, Any]], bodies: dict[str, dict[str, Any]]
) -> dict[str, str]:
    """Key -> catalog.schema its deployed pipeline writes to, where the render moves it."""
    moved: dict[str, str] = {}
    for key, pid in ctx.pipeline_ids.items():
        spec = obj(views.get(pid, {}).get("spec"))
        old = (str(spec.get("catalog") or ""), str(spec.get("schema") or ""))
        new = (str(bodies[key].get("catalog") or ""), str(bodies[key].get("schema") or ""))
        if all(old) and name_key(".".join(old)) != name_key(".".join(new)):
            moved[key] = ".".join(old)
    return moved


def _defines(ctx: Context, spec: dict[str, Any]) -> list[TableRef]:
    """The tables a pipeline's current definition names, as far as its spec tells: every
    object of a managed pipeline; for a workspace-files pipeline of this plan (any target),
    the tables of its key in this render, placed by its own configuration."""
    definition = obj(spec.get("ingestion_definition"))
    if definition:
        out = []
        for item in definition.get("objects") or []:
            t = obj(obj(item).get("table"))
            name = t.get("destination_table") or t.get("source_table")
            if t.get("destination_catalog") and t.get("destination_schema") and name:
                out.append(
                    TableRef(str(t["destination_catalog"]), str(t["destination_schema"]), str(name))
                )
        return out
    conf = obj(spec.get("configuration"))
    name = str(spec.get("name") or "")
    key = name.split("] ", 1)[1] if name.startswith("[dev ") and "] " in name else name
    entry = next((p for p in ctx.rendered.manifest.pipelines if p.name == key), None)
    if entry is None or "lakeflow_balancer.catalog" not in conf:
        return []
    values = {
        "${var.catalog}": str(conf.get("lakeflow_balancer.catalog")),
        "${var.schema}": str(conf.get("lakeflow_balancer.schema")),
    }
    return [
        TableRef(values.get(t.catalog, t.catalog), values.get(t.schema, t.schema), t.name)
        for t in entry.tables
    ]


def _owners(api: Api, schemas: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, TableRef]]:
    """Table key -> owning pipeline id, and table key -> its name, for the schemas given."""
    owners: dict[str, str] = {}
    names: dict[str, TableRef] = {}
    for catalog, schema in schemas:
        for t in tables_in(api, catalog, schema):
            ref = TableRef(
                str(t.get("catalog_name") or catalog),
                str(t.get("schema_name") or schema),
                str(t.get("name") or ""),
            )
            names[ref.key] = ref
            if t.get("pipeline_id"):
                owners[ref.key] = str(t["pipeline_id"])
    return owners, names


def _pipelines(
    api: Api,
    ctx: Context,
    desired: Desired,
    views: dict[str, dict[str, Any]],
    bodies: dict[str, dict[str, Any]],
    definition_files: dict[str, dict[str, bytes]],
) -> list[Found]:
    """Each pipeline read, compared with the wanted one of its name (spec and files)."""
    wanted_by_name = {w.name: w for w in desired.pipelines}
    found = []
    for pid, view in sorted(views.items()):
        spec = obj(view.get("spec"))
        name = str(spec.get("name") or view.get("name") or "")
        up_to_date = False
        w = wanted_by_name.get(name)
        if w is not None:
            up_to_date = pipeline_current(spec, bodies[w.key]) and all(
                workspace_file(api, path) == data for path, data in definition_files[w.key].items()
            )
            ctx.pipeline_ids[w.key] = pid
        running = str(view.get("state") or "IDLE") in ACTIVE
        found.append(
            _found(pid, name, spec.get("tags") or {}, up_to_date=up_to_date, running=running)
        )
    return found


def _jobs(api: Api, ctx: Context, desired: Desired, every_job: bool) -> list[Found]:
    """The jobs of the wanted names (and, with `every_job`, every job of this deployment),
    read in full: the list leaves tasks out. Call after `_pipelines` (job bodies name the
    pipeline ids)."""
    listed = jobs(api) if every_job else [j for w in desired.jobs for j in jobs(api, w.name)]
    bodies = {w.key: ctx.job_body(w.key) for w in desired.jobs}
    wanted = {w.name: w for w in desired.jobs}
    found = []
    for j in {str(j["job_id"]): j for j in listed}.values():
        listed_settings = j.get("settings")
        if not isinstance(listed_settings, dict):
            raise RemoteError(f"the answer to list jobs has no valid settings: {j!r:.200}.")
        name = str(listed_settings.get("name") or "")
        tags = obj(listed_settings.get("tags"))
        w = wanted.get(name)
        if w is None and tags.get(ID_TAG) != desired.deployment_id:
            continue
        settings = job_settings(api, str(j["job_id"]))
        tasks = settings.get("tasks") if isinstance(settings.get("tasks"), list) else []
        task = obj(obj(tasks[0] if tasks else None).get("pipeline_task"))
        found.append(
            _found(
                str(j["job_id"]),
                name,
                settings.get("tags") or tags,
                up_to_date=w is not None and job_current(settings, bodies[w.key]),
                paused=obj(settings.get("schedule")).get("pause_status") == "PAUSED",
                runs=str(task.get("pipeline_id") or ""),
            )
        )
    return found


def _schema_exists(api: Api, catalog: str, schema: str) -> bool:
    path = f"/api/2.1/unity-catalog/schemas/{catalog}.{schema}"
    return exists(api, f"schema {catalog}.{schema}", path)


def _missing(api: Api, ctx: Context, schemas: list[tuple[str, str]]) -> list[str]:
    """Schemas (created only for a development target; elsewhere a missing one is an error)
    and volumes to create, in the order to create them."""
    missing: list[str] = []

    def need_schema(catalog: str, schema: str, why: str, fix: str) -> None:
        if f"schema {catalog}.{schema}" in missing or _schema_exists(api, catalog, schema):
            return
        if not ctx.target.development:
            raise InputError(f"schema {catalog}.{schema}, {why}, does not exist.", fix=fix)
        missing.append(f"schema {catalog}.{schema}")

    for catalog, schema in schemas:
        need_schema(
            catalog,
            schema,
            f"where target '{ctx.target.name}' writes its tables",
            "create it, or pass --var catalog=... --var schema=... naming one that exists (only "
            "a development target gets its schema created).",
        )
    for var in ctx.rendered.manifest.volume_variables:
        catalog, schema, volume = volume_of(ctx.variables.get(var, ""), var)
        full = f"{catalog}.{schema}.{volume}"
        if f"volume {full}" in missing:
            continue
        need_schema(
            catalog,
            schema,
            f"the schema of variable {var}",
            f"create it, or pass --var {var}=/Volumes/<catalog>/<schema>/<volume>/...",
        )
        new_schema = f"schema {catalog}.{schema}" in missing
        if new_schema or not exists(
            api, f"volume {full}", f"/api/2.1/unity-catalog/volumes/{full}"
        ):
            missing.append(f"volume {full}")
    return missing


def _uploads(api: Api, ctx: Context) -> dict[str, bytes]:
    """Wheels and files (other than pipeline definitions) whose uploaded copy differs."""
    uploads: dict[str, bytes] = {}
    folder = ctx.variables.get("packages_volume_path", "").rstrip("/")
    for name, data in ctx.rendered.wheels.items():
        path = f"{folder}/{name}"
        if volume_file(api, path) != data:
            uploads[path] = data
    for name in ctx.rendered.manifest.files:
        path = f"{ctx.file_path}/src/{name}"
        data = ctx.rendered.files[name]
        if workspace_file(api, path) != data:
            uploads[path] = data
    return uploads
