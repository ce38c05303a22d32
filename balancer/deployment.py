"""What a render deploys, described once: `render` writes it (`deploy/manifest.json`),
`balancer deploy` reads it, and the tags that say who owns a workspace object are defined here.

A deployment's identity is the plan's deployment id (`ID_TAG`, stable while the plan's name
and tables stay the same) together with the target it was deployed to (`TARGET_TAG`: the
target's name, and in development mode the user's name too, as `dev.someone@example.com`). Every
pipeline and job `balancer deploy` creates carries both, so one target never updates or
prunes what another target (or another developer) deployed.

The manifest names, per pipeline, the tables it defines and its event-log table, with the
bundle's `${var.catalog}` / `${var.schema}` where a table has no destination of its own:
`balancer deploy` resolves them per target and checks, before it writes anything, who owns
each of those tables in Unity Catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from balancer.errors import InputError, Location
from balancer.model import Table
from balancer.names import plain_name_problem, relative_path_problem, shown, uc_key

ID_TAG = "lakeflow_balancer_id"  # the plan's deployment id
NAME_TAG = "lakeflow_balancer"  # the plan's name (for people; never used to decide)
TARGET_TAG = "lakeflow_balancer_target"  # the target (and the user, in development mode)
MANIFEST_PATH = "deploy/manifest.json"
FORMAT = 1

JobRole = Literal["schedule", "rebalance"]


def plan_tags(plan_name: str, deployment_id: str) -> dict[str, str]:
    """The tags render puts on every pipeline and job of a plan."""
    return {NAME_TAG: plan_name, ID_TAG: deployment_id}


def target_identity(target: str, development: bool, user: str) -> str:
    """The `TARGET_TAG` value: `prod`, or `dev.someone@example.com` for a development target
    (the whole user name: two people may share the part before the @)."""
    return f"{target}.{user}" if development else target


name_key = uc_key  # how Unity Catalog compares a name (`balancer.names`)


@dataclass(frozen=True)
class TableRef:
    """A table by catalog, schema and name (the first two may be `${var...}` references)."""

    catalog: str
    schema: str
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.name}"

    @property
    def key(self) -> str:
        return ".".join(name_key(p) for p in (self.catalog, self.schema, self.name))


BUNDLE_CATALOG = "${var.catalog}"
BUNDLE_SCHEMA = "${var.schema}"


def table_ref(t: Table, catalog: str = BUNDLE_CATALOG, schema: str = BUNDLE_SCHEMA) -> TableRef:
    """Where a table lands: its own destination catalog and schema (discovery CSVs carry
    them) or the given ones, and its destination name or its source name."""
    extra = dict(t.extra)
    return TableRef(
        extra.get("destination_catalog") or catalog,
        extra.get("destination_schema") or schema,
        t.destination_table or t.source_table,
    )


def event_log_name(pipeline_key: str) -> str:
    """The event-log table every rendered pipeline publishes, beside its tables."""
    return f"{pipeline_key}_event_log"


@dataclass(frozen=True)
class PipelineEntry:
    """One pipeline of the render: its body file, the tables it defines, its event log, and
    (workspace-files mode) the files under `src/` its definition reads."""

    key: str
    name: str
    body: str
    tables: tuple[TableRef, ...]
    event_log: TableRef
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobEntry:
    """One job of the render; `pipeline` is the key of the pipeline its task runs."""

    key: str
    name: str
    body: str
    role: JobRole
    pipeline: str | None = None


@dataclass(frozen=True)
class Manifest:
    """Everything `balancer deploy` needs to know about a render besides the bodies."""

    deployment_id: str
    plan_name: str
    bundle: str
    mode: str
    pipelines: tuple[PipelineEntry, ...]
    jobs: tuple[JobEntry, ...] = ()
    volume_variables: tuple[str, ...] = ()  # variables naming volume folders deploy writes
    wheels: tuple[str, ...] = ()  # file names under wheels/
    files: tuple[str, ...] = ()  # paths under src/ that no pipeline definition reads
    moves: tuple[tuple[str, str, str], ...] = ()  # (table, from key, to key) of the plan
    # sha256 of every other file the render wrote: deploy sends only what render wrote
    digests: tuple[tuple[str, str], ...] = ()
    # what the pipelines on schedules nobody chose start a day: (runs, compute seconds)
    default_schedules: tuple[float, float] = (0.0, 0.0)
    format: int = FORMAT

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "deployment_id": self.deployment_id,
            "plan_name": self.plan_name,
            "bundle": self.bundle,
            "mode": self.mode,
            "pipelines": [
                {
                    "key": p.key,
                    "name": p.name,
                    "body": p.body,
                    "tables": [_table_dict(t) for t in p.tables],
                    "event_log": _table_dict(p.event_log),
                    "files": list(p.files),
                }
                for p in self.pipelines
            ],
            "jobs": [
                {"key": j.key, "name": j.name, "body": j.body, "role": j.role}
                | ({"pipeline": j.pipeline} if j.pipeline else {})
                for j in self.jobs
            ],
            "volume_variables": list(self.volume_variables),
            "wheels": list(self.wheels),
            "files": list(self.files),
            "moves": [{"table": t, "from": a, "to": b} for t, a, b in self.moves],
            "digests": dict(self.digests),
        } | (
            {
                "default_schedules": {
                    "runs_per_day": self.default_schedules[0],
                    "compute_s_per_day": self.default_schedules[1],
                }
            }
            if any(self.default_schedules)
            else {}
        )

    @staticmethod
    def from_dict(doc: Any, where: str) -> Manifest:
        """The manifest in `doc`; an InputError naming `where` when it is not one."""
        manifest = Manifest._parse(doc, where)
        problem = manifest.path_problem()
        if problem:
            raise InputError(
                f"the manifest names {problem}: deploy reads and uploads only files inside the "
                "render and its bundle folder.",
                where=Location(where),
                fix="render the folder again from its plan.",
            )
        return manifest

    def path_problem(self) -> str | None:
        """What names a path outside the render or its workspace folder (`balancer.names`:
        plain names), or None."""
        checks: list[tuple[str, str, str | None]] = [
            ("the bundle", self.bundle, plain_name_problem(self.bundle)),
            ("the plan", self.plan_name, plain_name_problem(self.plan_name, dots=False)),
        ]
        for p in self.pipelines:
            checks += [("pipeline", p.key, plain_name_problem(p.key, dots=False))]
            checks += [("file", f, relative_path_problem(f)) for f in (p.body, *p.files)]
        for j in self.jobs:
            checks += [("job", j.key, plain_name_problem(j.key, dots=False))]
            checks += [("file", j.body, relative_path_problem(j.body))]
        checks += [("file", f, relative_path_problem(f)) for f in self.files]
        checks += [("file", f, relative_path_problem(f)) for f, _ in self.digests]
        checks += [("wheel", w, plain_name_problem(w)) for w in self.wheels]
        checks += [
            ("variable", v, plain_name_problem(v, dots=False)) for v in self.volume_variables
        ]
        return next(
            (f"{what} {shown(name)}, which {why}" for what, name, why in checks if why), None
        )

    @staticmethod
    def _parse(doc: Any, where: str) -> Manifest:
        try:
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ValueError(f"format {doc.get('format') if isinstance(doc, dict) else '?'}")
            return Manifest(
                deployment_id=_text(doc["deployment_id"]),
                plan_name=_text(doc["plan_name"]),
                bundle=_text(doc["bundle"]),
                mode=_text(doc["mode"]),
                pipelines=tuple(
                    PipelineEntry(
                        key=_text(p["key"]),
                        name=_text(p["name"]),
                        body=_text(p["body"]),
                        tables=tuple(_table(t) for t in p["tables"]),
                        event_log=_table(p["event_log"]),
                        files=tuple(_text(f) for f in p.get("files", [])),
                    )
                    for p in doc["pipelines"]
                ),
                jobs=tuple(
                    JobEntry(
                        key=_text(j["key"]),
                        name=_text(j["name"]),
                        body=_text(j["body"]),
                        role="rebalance" if j["role"] == "rebalance" else "schedule",
                        pipeline=_text(j["pipeline"]) if j.get("pipeline") else None,
                    )
                    for j in doc.get("jobs", [])
                ),
                volume_variables=tuple(_text(v) for v in doc.get("volume_variables", [])),
                wheels=tuple(_text(w) for w in doc.get("wheels", [])),
                files=tuple(_text(f) for f in doc.get("files", [])),
                moves=tuple(
                    (_text(m["table"]), _text(m["from"]), _text(m["to"]))
                    for m in doc.get("moves", [])
                ),
                digests=tuple(
                    (_text(k), _text(v)) for k, v in sorted(dict(doc.get("digests", {})).items())
                ),
                default_schedules=_defaults(doc.get("default_schedules")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                f"it is not a deployment manifest of this version ({exc}).",
                where=Location(where),
                fix="render the folder again from its plan with this version.",
            ) from None

    def pipeline(self, key: str) -> PipelineEntry:
        return next(p for p in self.pipelines if p.key == key)


def digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _table_dict(t: TableRef) -> dict[str, str]:
    return {"catalog": t.catalog, "schema": t.schema, "name": t.name}


def _table(doc: Any) -> TableRef:
    return TableRef(_text(doc["catalog"]), _text(doc["schema"]), _text(doc["name"]))


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{value!r} is not a name")
    return value


def _defaults(doc: Any) -> tuple[float, float]:
    """The manifest's `default_schedules` figures (absent: none)."""
    if doc is None:
        return (0.0, 0.0)
    runs, compute = doc["runs_per_day"], doc["compute_s_per_day"]
    for value in (runs, compute):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e9:
            raise ValueError(f"default_schedules holds {value!r}, not a figure")
    return (float(runs), float(compute))


def deployment_id(name: str, tables_digest: str) -> str:
    """The identity `balancer deploy` tags its objects with: stable while the plan's name and
    tables stay the same (re-solving with new history keeps it; `solve --current` and
    `rebalance` carry it over), different for another project that happens to share a name."""
    import hashlib

    return hashlib.sha256(f"{name}\n{tables_digest}".encode()).hexdigest()[:16]
