"""`balancer deploy BUNDLE_DIR`: the rendered bundle to a workspace with databricks-sdk.

Uploads the ingest files (overwrite), creates or updates each pipeline found by exact name
(list filters are LIKE patterns, so names are compared exactly afterwards), creates or
resets each job, and with `prune` deletes the pipelines and jobs this bundle made earlier
(tagged `lakeflow_balancer_bundle`) that it no longer has. Running it twice creates nothing
new. The client is passed in (the real `WorkspaceClient`; tests point it at a local
server); `dry_run` only lists the calls.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from balancer.errors import InputError, Location, RemoteError

BUNDLE_TAG = "lakeflow_balancer_bundle"
_VAR = re.compile(r"\$\{var\.([A-Za-z0-9_]+)\}")
_PIPELINE_REF = re.compile(r"^\$\{resources\.pipelines\.([A-Za-z0-9_-]+)\.id\}$")


@dataclass(frozen=True)
class Bundle:
    name: str
    pipelines: dict[str, dict[str, Any]]
    jobs: dict[str, dict[str, Any]]
    files: dict[str, str]  # ingest file name -> text


@dataclass
class DeployReport:
    calls: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    deleted: int = 0


def _resolve(value: Any, variables: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _VAR.sub(lambda m: variables.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_resolve(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, variables) for k, v in value.items()}
    return value


def load_bundle(folder: str | Path, overrides: Mapping[str, str] | None = None) -> Bundle:
    """Read databricks.yml, its resources and the ingest files; resolve ${var.*}."""
    root = Path(folder)
    main = root / "databricks.yml"
    if not main.is_file():
        raise InputError(
            "no databricks.yml in the bundle folder.",
            where=Location(str(root)),
            fix="render it with `balancer render PLAN --output-dir DIR`.",
        )
    try:
        doc = yaml.safe_load(main.read_text(encoding="utf-8")) or {}
        variables = {
            k: str((v or {}).get("default", "")) for k, v in (doc.get("variables") or {}).items()
        }
        variables.update(overrides or {})
        pipelines: dict[str, dict[str, Any]] = {}
        jobs: dict[str, dict[str, Any]] = {}
        for path in sorted((root / "resources").glob("*.yml")):
            res = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("resources") or {}
            pipelines.update(_resolve(res.get("pipelines") or {}, variables))
            jobs.update(_resolve(res.get("jobs") or {}, variables))
    except yaml.YAMLError as exc:
        raise InputError(
            f"the bundle is not valid YAML: {exc}.", where=Location(str(root))
        ) from None
    files = {
        p.name: p.read_text(encoding="utf-8") for p in sorted((root / "src").glob("ingest_*.py"))
    }
    return Bundle(str(doc.get("bundle", {}).get("name", root.name)), pipelines, jobs, files)


def _pipeline_args(spec: dict[str, Any], workspace_path: str, bundle: str) -> dict[str, Any]:
    from databricks.sdk.service.pipelines import EventLogSpec, FileLibrary, PipelineLibrary

    libraries = []
    for lib in spec.get("libraries", []):
        path = lib["file"]["path"]
        if not path.startswith("/"):
            path = f"{workspace_path.rstrip('/')}/{Path(path).name}"
        libraries.append(PipelineLibrary(file=FileLibrary(path=path)))
    log = spec.get("event_log")
    return {
        "name": spec["name"],
        "catalog": spec.get("catalog"),
        "schema": spec.get("schema"),
        "serverless": spec.get("serverless", True),
        "channel": spec.get("channel", "PREVIEW"),
        "continuous": spec.get("continuous", False),
        "libraries": libraries,
        "event_log": EventLogSpec(**log) if log else None,
        "tags": {**(spec.get("tags") or {}), BUNDLE_TAG: bundle},
    }


def _job_settings(spec: dict[str, Any], pipeline_ids: Mapping[str, str], bundle: str) -> Any:
    from databricks.sdk.service.jobs import (
        CronSchedule,
        JobSettings,
        PauseStatus,
        PipelineTask,
        Task,
    )

    tasks = []
    for t in spec.get("tasks", []):
        ref = t["pipeline_task"]["pipeline_id"]
        m = _PIPELINE_REF.match(ref)
        pipeline_id = pipeline_ids[m.group(1)] if m else ref
        tasks.append(
            Task(task_key=t["task_key"], pipeline_task=PipelineTask(pipeline_id=pipeline_id))
        )
    sched = spec.get("schedule")
    schedule = (
        CronSchedule(
            quartz_cron_expression=sched["quartz_cron_expression"],
            timezone_id=sched["timezone_id"],
            pause_status=PauseStatus(sched.get("pause_status", "UNPAUSED")),
        )
        if sched
        else None
    )
    return JobSettings(
        name=spec["name"],
        tasks=tasks,
        schedule=schedule,
        max_concurrent_runs=spec.get("max_concurrent_runs"),
        tags={**(spec.get("tags") or {}), BUNDLE_TAG: bundle},
    )


def deploy(
    client: Any,
    bundle: Bundle,
    workspace_path: str,
    prune: bool = False,
    dry_run: bool = False,
    echo: Callable[[str], None] = lambda _: None,
) -> DeployReport:
    """Make the workspace match the bundle. Raises RemoteError listing what was done."""
    from databricks.sdk.errors.base import DatabricksError
    from databricks.sdk.service.workspace import ImportFormat, Language

    report = DeployReport()

    def call(text: str, fn: Callable[[], Any]) -> Any:
        if dry_run:
            report.calls.append(text)
            echo(f"would {text}")
            return None
        try:
            result = fn()
        except DatabricksError as exc:
            done = "; ".join(report.calls) or "nothing"
            raise RemoteError(
                f"Databricks refused to {text}: {type(exc).__name__}: {exc}. Done before the failure: {done}.",
                done=tuple(report.calls),
            ) from exc
        report.calls.append(text)
        echo(text)
        return result

    call(f"create folder {workspace_path}", lambda: client.workspace.mkdirs(workspace_path))
    for name, text in bundle.files.items():
        path = f"{workspace_path.rstrip('/')}/{name}"
        content = base64.b64encode(text.encode("utf-8")).decode("ascii")
        call(
            f"upload {path}",
            lambda path=path, content=content: client.workspace.import_(
                path,
                content=content,
                format=ImportFormat.SOURCE,
                language=Language.PYTHON,
                overwrite=True,
            ),
        )
    existing = {} if dry_run else _existing_pipelines(client, bundle)
    ids: dict[str, str] = {}
    for key, spec in sorted(bundle.pipelines.items()):
        args = _pipeline_args(spec, workspace_path, bundle.name)
        if spec["name"] in existing:
            pid = existing[spec["name"]]
            call(
                f"update pipeline {spec['name']} ({pid})",
                lambda pid=pid, args=args: client.pipelines.update(pid, **args),
            )
            report.updated += 1
        else:
            created = call(
                f"create pipeline {spec['name']}", lambda args=args: client.pipelines.create(**args)
            )
            pid = created.pipeline_id if created is not None else f"<new {key}>"
            report.created += 1
        ids[key] = pid
    jobs = {} if dry_run else _existing_jobs(client, bundle)
    for _key, spec in sorted(bundle.jobs.items()):
        settings = _job_settings(spec, ids, bundle.name)
        if spec["name"] in jobs:
            jid = jobs[spec["name"]]
            call(
                f"reset job {spec['name']} ({jid})",
                lambda jid=jid, s=settings: client.jobs.reset(jid, s),
            )
            report.updated += 1
        else:
            call(
                f"create job {spec['name']}",
                lambda s=settings: client.jobs.create(
                    **{
                        k: getattr(s, k)
                        for k in ("name", "tasks", "schedule", "max_concurrent_runs", "tags")
                    }
                ),
            )
            report.created += 1
    if prune and not dry_run:
        keep_p = {s["name"] for s in bundle.pipelines.values()}
        for name, pid in sorted(_ours(client, bundle, "pipelines").items()):
            if name not in keep_p:
                call(
                    f"delete pipeline {name} ({pid})", lambda pid=pid: client.pipelines.delete(pid)
                )
                report.deleted += 1
        keep_j = {s["name"] for s in bundle.jobs.values()}
        for name, jid in sorted(_ours(client, bundle, "jobs").items()):
            if name not in keep_j:
                call(f"delete job {name} ({jid})", lambda jid=jid: client.jobs.delete(jid))
                report.deleted += 1
    return report


def _guarded(fn: Callable[[], Any], what: str) -> Any:
    from databricks.sdk.errors.base import DatabricksError

    try:
        return fn()
    except DatabricksError as exc:
        raise RemoteError(f"Databricks refused to {what}: {type(exc).__name__}: {exc}.") from exc


def _existing_pipelines(client: Any, bundle: Bundle) -> dict[str, str]:
    """Pipelines whose name equals one of the bundle's, compared exactly."""
    out: dict[str, str] = {}
    for spec in bundle.pipelines.values():
        name = spec["name"]
        pattern = name.replace("'", "''")
        found = _guarded(
            lambda p=pattern: list(client.pipelines.list_pipelines(filter=f"name LIKE '{p}'")),
            f"list pipelines named {name}",
        )
        exact = sorted(p.pipeline_id for p in found if p.name == name)
        if len(exact) > 1:
            raise RemoteError(
                f"{len(exact)} pipelines are named {name} ({', '.join(exact)}); deploy will not guess."
            )
        if exact:
            out[name] = exact[0]
    return out


def _existing_jobs(client: Any, bundle: Bundle) -> dict[str, int]:
    out: dict[str, int] = {}
    for spec in bundle.jobs.values():
        name = spec["name"]
        found = _guarded(lambda n=name: list(client.jobs.list(name=n)), f"list jobs named {name}")
        exact = sorted(
            j.job_id for j in found if j.settings is not None and j.settings.name == name
        )
        if len(exact) > 1:
            raise RemoteError(f"{len(exact)} jobs are named {name}; deploy will not guess.")
        if exact:
            out[name] = exact[0]
    return out


def _ours(client: Any, bundle: Bundle, kind: str) -> dict[str, Any]:
    """Pipelines or jobs tagged as made by this bundle."""
    out: dict[str, Any] = {}
    if kind == "pipelines":
        for p in _guarded(lambda: list(client.pipelines.list_pipelines()), "list pipelines"):
            got = _guarded(
                lambda pid=p.pipeline_id: client.pipelines.get(pid),
                f"read pipeline {p.pipeline_id}",
            )
            tags = (got.spec.tags if got.spec is not None else None) or {}
            if tags.get(BUNDLE_TAG) == bundle.name:
                out[p.name] = p.pipeline_id
    else:
        for j in _guarded(lambda: list(client.jobs.list()), "list jobs"):
            tags = (j.settings.tags if j.settings is not None else None) or {}
            if tags.get(BUNDLE_TAG) == bundle.name and j.settings is not None:
                out[j.settings.name] = j.job_id
    return out
