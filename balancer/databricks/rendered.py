"""A render folder as `balancer deploy` reads it, and its `${...}` references resolved for
one target and one user.

Targets mean what they mean to `databricks bundle deploy`: the target's variables override
the defaults, `--var` overrides both; a `development` target prefixes every name with
`[dev <user>] `, marks pipelines as development and pauses every schedule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from balancer.errors import InputError, Location

ID_TAG = "lakeflow_balancer_id"  # what deploy owns: the plan's deployment id
_REF = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")


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


def _load_file(path: Path, kind: str) -> dict[str, Any]:
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
    doc = _load_file(main, "YAML")
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
        p.stem: _load_file(p, "JSON")
        for p in sorted((root / "deploy" / "pipelines").glob("*.json"))
    }
    jobs = {
        p.stem: _load_file(p, "JSON") for p in sorted((root / "deploy" / "jobs").glob("*.json"))
    }
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


class Context:
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


def pipeline_body(ctx: Context, key: str, body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = ctx.resolve(body, f"deploy/pipelines/{key}.json")
    out["name"] = ctx.name(out["name"])
    if ctx.target.development:
        out["development"] = True
        out["tags"] = {**out.get("tags", {}), "dev": ctx.short_name}
    return out


def job_body(ctx: Context, key: str, body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = ctx.resolve(body, f"deploy/jobs/{key}.json")
    out["name"] = ctx.name(out["name"])
    if ctx.target.development:
        if "schedule" in out:
            out["schedule"] = {**out["schedule"], "pause_status": "PAUSED"}
        out["tags"] = {**out.get("tags", {}), "dev": ctx.short_name}
    return out
