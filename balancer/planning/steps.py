"""The types of a deploy migration: what the render wants (`Desired`), what the workspace
holds (`Observed`), and the ordered `Step`s between them (`Migration`). Pure data; the rules
are in `planning.migration`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from balancer.deployment import TableRef

StepKind = Literal[
    "ensure_schema",
    "ensure_volume",
    "upload",
    "create_pipeline",
    "update_pipeline",
    "pause_job",
    "stop_pipeline",
    "hand_over",
    "delete_job",
    "delete_pipeline",
    "start_pipeline",
    "create_job",
    "update_job",
]


@dataclass(frozen=True)
class WantedPipeline:
    key: str
    name: str  # as deployed (with the development prefix)
    tables: tuple[TableRef, ...]
    event_log: TableRef


@dataclass(frozen=True)
class WantedJob:
    key: str
    name: str
    pipeline: str | None = None  # key of the pipeline its task runs


@dataclass(frozen=True)
class Desired:
    """The render resolved for one target."""

    deployment_id: str
    target: str  # the TARGET_TAG value
    name_prefix: str  # "[dev someone] " in development mode, else ""
    pipelines: tuple[WantedPipeline, ...]
    jobs: tuple[WantedJob, ...] = ()


@dataclass(frozen=True)
class Found:
    """A pipeline or job in the workspace. `up_to_date` compares it with the wanted object of
    the same name; `running` (pipelines) an update is active; `paused` (jobs) its schedule is
    paused; `runs` (jobs) the id of the pipeline its task runs."""

    ident: str
    name: str
    deployment_id: str = ""
    target: str = ""
    up_to_date: bool = False
    running: bool = False
    paused: bool = False
    runs: str = ""


@dataclass(frozen=True)
class Observed:
    pipelines: tuple[Found, ...] = ()
    jobs: tuple[Found, ...] = ()
    owners: Mapping[str, str] = field(default_factory=dict)  # TableRef.key -> pipeline id
    tables: Mapping[str, TableRef] = field(default_factory=dict)  # TableRef.key -> its name
    missing: tuple[str, ...] = ()  # "schema c.s" or "volume c.s.v"
    uploads: tuple[str, ...] = ()  # workspace or volume paths whose content differs
    restart: frozenset[str] = frozenset()  # pipelines an earlier run stopped and owes a start
    # TableRef.key -> ids of pipelines whose current definition names the table (read from
    # their specs: a table two pipelines define is owned by whichever runs first)
    defined: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    resume: frozenset[str] = frozenset()  # jobs an earlier run paused for a hand-over
    recorded: Mapping[str, str] = field(default_factory=dict)  # key -> id the last deploy made


@dataclass(frozen=True)
class MigrationOptions:
    prune: bool = False
    adopt: bool = False


@dataclass(frozen=True)
class Step:
    """One change. `subject` is a pipeline or job key, a path, or a schema or volume name;
    `ident` the workspace id when the object exists; for a hand-over `source` is the id of
    the pipeline that owns `tables` now and `destination` the key of the one that takes them."""

    kind: StepKind
    subject: str
    name: str = ""
    ident: str = ""
    tables: tuple[TableRef, ...] = ()
    source: str = ""
    source_name: str = ""
    destination: str = ""
    resume: bool = False  # update_job: give back the schedule a hand-over paused

    @property
    def key(self) -> str:
        """Stable across re-runs: what a journal records as done."""
        if self.kind == "hand_over":
            return f"hand_over:{self.source}->{self.destination}"
        return f"{self.kind}:{self.subject}"

    def describe(self, ids: Mapping[str, str] | None = None) -> str:
        ident = self.ident or (ids or {}).get(self.subject, "")
        at = f" ({ident})" if ident else ""
        if self.kind == "ensure_schema":
            return f"create schema {self.subject}"
        if self.kind == "ensure_volume":
            return f"create volume {self.subject}"
        if self.kind == "upload":
            return f"upload {self.subject}"
        if self.kind == "hand_over":
            return (
                f"hand over {len(self.tables)} table(s) from pipeline {self.source_name} "
                f"({self.source}) to {self.name}"
                + (f" ({(ids or {})[self.destination]})" if self.destination in (ids or {}) else "")
                + ": "
                + ", ".join(t.full_name for t in self.tables)
            )
        words = {
            "create_pipeline": "create pipeline",
            "update_pipeline": "update pipeline",
            "pause_job": "pause the schedule of job",
            "stop_pipeline": "stop pipeline",
            "delete_job": "delete job",
            "delete_pipeline": "delete pipeline",
            "start_pipeline": "restart pipeline",
            "create_job": "create job",
            "update_job": "update job",
        }
        tail = {
            "stop_pipeline": " and wait until it is idle",
            "delete_pipeline": ", keeping its tables (cascade=false)",
            "pause_job": " while its pipeline's tables change hands",
        }.get(self.kind, "")
        return f"{words[self.kind]} {self.name}{at}{tail}"


@dataclass(frozen=True)
class Migration:
    steps: tuple[Step, ...]
    unchanged: tuple[str, ...] = ()  # "pipeline NAME" / "job NAME" already as rendered
    notes: tuple[str, ...] = ()  # what is left alone, and why

    def of(self, *kinds: StepKind) -> list[Step]:
        return [s for s in self.steps if s.kind in kinds]
