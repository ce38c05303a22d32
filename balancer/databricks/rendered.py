"""A render folder as `balancer deploy` reads it, and its `${...}` references resolved for
one target and one user.

What the folder holds is described by `deploy/manifest.json` (`balancer.deployment`):
deploy reads the bodies and files it names, nothing found by globbing or by searching text.

Targets mean what they mean to `databricks bundle deploy`: the target's variables override
the defaults, `--var` overrides both; a `development` target prefixes every name with
`[dev <user>] `, marks pipelines as development and pauses every schedule. A variable's value
may refer to other values (`${workspace.current_user.short_name}`): the dev target's schema
is `<schema>_dev_<user>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from balancer.deployment import (
    BUNDLE_SCHEMA,
    ID_TAG,
    MANIFEST_PATH,
    TARGET_TAG,
    Manifest,
    TableRef,
    digest,
    target_identity,
)
from balancer.errors import InputError, Location
from balancer.io.files import read_bytes
from balancer.io.guard import note_input
from balancer.jsondoc import load_json

__all__ = ["ID_TAG", "Context", "Rendered", "Target", "load_rendered"]

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
    manifest: Manifest
    variables: dict[str, str]
    targets: dict[str, Target]
    default_target: str
    pipelines: dict[str, dict[str, Any]]  # key -> body
    jobs: dict[str, dict[str, Any]]  # key -> body
    files: dict[str, bytes]  # path under src/ -> bytes
    wheels: dict[str, bytes]  # wheel file name -> bytes

    @property
    def deployment_id(self) -> str:
        return self.manifest.deployment_id

    @property
    def bundle(self) -> str:
        return self.manifest.bundle


def _load_file(path: Path, kind: str) -> dict[str, Any]:
    """A YAML or JSON file that must hold a mapping."""
    if kind == "JSON":
        doc = load_json(read_bytes(path, "rendered"), Location(str(path)), what="file") or {}
    else:
        text = read_bytes(path, "rendered").decode("utf-8", errors="replace")
        try:
            if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text)):
                raise InputError(  # render never writes one; expanded, aliases can explode
                    "it uses YAML aliases (*name), which render never writes.",
                    fix="render the folder again from its plan.",
                    where=Location(str(path)),
                )
            doc = yaml.safe_load(text) or {}
        except (ValueError, RecursionError, yaml.YAMLError) as exc:
            raise InputError(
                f"cannot read it as {kind}: {exc}.", where=Location(str(path))
            ) from None
    if not isinstance(doc, dict):
        raise InputError(f"it is not a {kind} mapping.", where=Location(str(path)))
    return doc


_KIND = {
    "list": "a list",
    "str": "text",
    "int": "a number",
    "float": "a number",
    "bool": "true/false",
}


def _mapping(value: Any, what: str, path: str) -> dict[str, Any]:
    """`value` when it is a mapping (None: empty); else the file is not one render wrote."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(
            f"{what} is {_KIND.get(type(value).__name__, 'a value')}, not a mapping: this is not "
            "the databricks.yml render writes.",
            fix="render the folder again from its plan.",
            where=Location(path),
        )
    return value


def _bundle(doc: dict[str, Any], path: str) -> tuple[dict[str, str], dict[str, Target], str]:
    """databricks.yml's variables (their defaults), targets and default target, each part
    checked to be of the shape render writes."""
    variables = {
        str(k): str(_mapping(v, f"variable {k}", path).get("default", ""))
        if isinstance(v, dict) or v is None
        else str(v)
        for k, v in _mapping(doc.get("variables"), "variables", path).items()
    }
    targets: dict[str, Target] = {}
    default = ""
    for name, raw in _mapping(doc.get("targets"), "targets", path).items():
        t = _mapping(raw, f"target {name}", path)
        root_path = _mapping(t.get("workspace"), f"target {name}'s workspace", path).get(
            "root_path"
        )
        overrides = _mapping(t.get("variables"), f"target {name}'s variables", path)
        targets[str(name)] = Target(
            str(name),
            t.get("mode") == "development",
            str(root_path) if root_path is not None else None,
            {str(k): str(v) for k, v in overrides.items()},
        )
        if t.get("default"):
            default = str(name)
    return variables, targets, default


def _read_bytes(path: Path) -> bytes:
    note_input(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"the render lists this file, and it cannot be read: {exc.strerror or exc}.",
            where=Location(str(path)),
            fix="render the folder again from its plan.",
        ) from None


def _check_named_files(root: Path, manifest: Manifest) -> None:
    """Every file deploy reads is one render wrote, inside the folder: the manifest names
    paths of plain names (`Manifest.from_dict`), each with its checksum, none through a link
    out of the folder."""
    named = {
        "databricks.yml",
        *(p.body for p in manifest.pipelines),
        *(j.body for j in manifest.jobs),
        *(
            f"src/{f}"
            for f in {f for p in manifest.pipelines for f in p.files} | set(manifest.files)
        ),
        *(f"wheels/{w}" for w in manifest.wheels),
    }
    recorded = dict(manifest.digests)
    inside = root.resolve()
    for rel in sorted(named | set(recorded)):
        path = root / rel
        if rel not in recorded:
            problem = "the manifest names it without the checksum render records for every file"
        elif path.exists() and not path.resolve().is_relative_to(inside):
            problem = "it leads out of the render folder (a link render never writes)"
        else:
            continue
        raise InputError(
            f"{problem}: deploy sends only what render wrote.",
            where=Location(str(path)),
            fix="render the folder again from its plan.",
        )


def load_rendered(folder: str | Path) -> Rendered:
    """Read databricks.yml, the manifest and what it names (bodies, src/ files, wheels)."""
    root = Path(folder)
    main = root / "databricks.yml"
    if not main.is_file() or not (root / MANIFEST_PATH).is_file():
        raise InputError(
            f"this folder is not a render of lakeflow-balancer (no databricks.yml and "
            f"{MANIFEST_PATH}).",
            where=Location(str(root)),
            fix="render it with `balancer render PLAN -o DIR` (renders made by an older "
            "version need rendering again).",
        )
    manifest = Manifest.from_dict(
        _load_file(root / MANIFEST_PATH, "JSON"), str(root / MANIFEST_PATH)
    )
    _check_named_files(root, manifest)
    for rel, expected in manifest.digests:
        path = root / rel
        if not path.is_file() or digest(_read_bytes(path)) != expected:
            raise InputError(
                "the render was changed after it was written (this file differs from what "
                "render wrote, or is gone): deploy sends only what render wrote, because it plans "
                "each table's hand-over from the render.",
                where=Location(str(path)),
                fix="change the plan or the render options and render again.",
            )
    doc = _load_file(main, "YAML")
    variables, targets, default = _bundle(doc, str(main))
    pipelines = {p.key: _load_file(root / p.body, "JSON") for p in manifest.pipelines}
    jobs = {j.key: _load_file(root / j.body, "JSON") for j in manifest.jobs}
    for key, body in pipelines.items():
        if (body.get("tags") or {}).get(ID_TAG) != manifest.deployment_id:
            raise InputError(
                f"pipeline {key} does not carry the render's {ID_TAG} tag.",
                where=Location(str(root / manifest.pipeline(key).body)),
                fix="render the folder again from its plan.",
            )
    names = sorted({f for p in manifest.pipelines for f in p.files} | set(manifest.files))
    files = {name: _read_bytes(root / "src" / name) for name in names}
    wheels = {name: _read_bytes(root / "wheels" / name) for name in manifest.wheels}
    return Rendered(
        str(root), manifest, variables, targets, default or "dev", pipelines, jobs, files, wheels
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
        self.rendered = rendered
        self.target = target
        self.user = user
        self.short_name = re.sub(r"[^A-Za-z0-9]+", "_", user.split("@")[0]).lower()
        self.values = {
            "bundle.name": rendered.bundle,
            "bundle.target": target.name,
            "workspace.current_user.userName": user,
            "workspace.current_user.short_name": self.short_name,
        }
        raw = {**rendered.variables, **target.variables, **overrides}
        self.variables: dict[str, str] = {}
        for name, value in raw.items():  # a variable may refer to the values above
            self.variables[name] = self._sub(value, f"variable {name}", allow_vars=False)
        root = (
            target.root_path
            or "/Workspace/Users/${workspace.current_user.userName}/.bundle/${bundle.name}/${bundle.target}"
        )
        self.file_path = workspace_path or f"{self.resolve(root, 'the target root_path')}/files"
        self.values["workspace.file_path"] = self.file_path
        self.pipeline_ids: dict[str, str] = {}
        self.identity = target_identity(target.name, target.development, user)
        self.name_prefix = f"[dev {self.short_name}] " if target.development else ""

    def name(self, name: str) -> str:
        return self.name_prefix + name

    def lookup(self, ref: str, allow_vars: bool = True) -> str | None:
        if ref.startswith("var."):
            return self.variables.get(ref[4:]) if allow_vars else None
        m = re.match(r"^resources\.pipelines\.(.+)\.id$", ref)
        if m:
            return self.pipeline_ids.get(m.group(1), f"<id of new pipeline {m.group(1)}>")
        return self.values.get(ref)

    def _sub(self, value: str, where: str, allow_vars: bool = True) -> str:
        def one(m: re.Match[str]) -> str:
            found = self.lookup(m.group(1), allow_vars)
            if found is None:
                raise InputError(
                    f"{where} refers to ${{{m.group(1)}}}, which is not defined.",
                    fix="define the variable in databricks.yml or pass --var NAME=VALUE.",
                )
            return found

        return _REF.sub(one, value)

    def resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, str):
            return self._sub(value, where)
        if isinstance(value, list):
            return [self.resolve(v, where) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v, where) for k, v in value.items()}
        return value

    def own_schema(self, schema: str) -> str:
        """A development target writes a table with a schema of its own to that schema's
        per-user twin (`<schema>_dev_<user>`), as it writes the others to its own schema."""
        return f"{schema}_dev_{self.short_name}" if self.target.development else schema

    def table(self, ref: TableRef, where: str) -> TableRef:
        schema = self._sub(ref.schema, where)
        if ref.schema != BUNDLE_SCHEMA:
            schema = self.own_schema(schema)
        return TableRef(self._sub(ref.catalog, where), schema, self._sub(ref.name, where))

    def tags(self, body: Mapping[str, Any]) -> dict[str, str]:
        tags = {**(body.get("tags") or {}), TARGET_TAG: self.identity}
        if self.target.development:
            tags["dev"] = self.short_name
        return tags

    def pipeline_body(self, key: str) -> dict[str, Any]:
        body = self.rendered.pipelines[key]
        entry = self.rendered.manifest.pipeline(key)
        out: dict[str, Any] = self.resolve(body, entry.body)
        if self.target.development and any(t.schema != BUNDLE_SCHEMA for t in entry.tables):
            objects = (out.get("ingestion_definition") or {}).get("objects")
            if objects is None:
                raise InputError(
                    f"pipeline {key} has tables with a destination schema of their own, and a "
                    "development target cannot move those in workspace-files mode (their "
                    "destinations are in the ingest file).",
                    fix="deploy this plan to one target only, render --mode managed (its dev "
                    "target writes them to <schema>_dev_<user>), or drop the per-table "
                    "destinations.",
                )
            for raw, obj in zip(body["ingestion_definition"]["objects"], objects, strict=True):
                if raw["table"].get("destination_schema") != BUNDLE_SCHEMA:
                    table = obj["table"]
                    table["destination_schema"] = self.own_schema(table["destination_schema"])
        out["name"] = self.name(out["name"])
        if self.target.development:
            out["development"] = True
        out["tags"] = self.tags(out)
        return out

    def job_body(self, key: str) -> dict[str, Any]:
        entry = next(j for j in self.rendered.manifest.jobs if j.key == key)
        out: dict[str, Any] = self.resolve(self.rendered.jobs[key], entry.body)
        out["name"] = self.name(out["name"])
        if self.target.development and "schedule" in out:
            out["schedule"] = {**out["schedule"], "pause_status": "PAUSED"}
        out["tags"] = self.tags(out)
        return out
