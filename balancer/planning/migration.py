"""`balancer deploy` as a migration, planned without I/O.

    plan_migration(desired, observed, options) -> Migration: ordered steps

`desired` is the render resolved for one target: its pipelines, each with the tables it
defines (full names resolved), and its jobs. `observed` is the workspace as the reader found
it: the pipelines and jobs that matter with their tags, who owns each table of the schemas
involved (Unity Catalog's `pipeline_id` of a table), what is missing (schemas, volumes) and
which files differ. From those the planner decides, by rule:

- Which objects are this deployment's: the plan's deployment id (`ID_TAG`) and this target
  (`TARGET_TAG`) both match. A same-named object of another plan, target or person is
  refused (exit 2) unless `adopt`; objects an older version deployed carry no target tag and
  count as this target's when their name has this target's prefix.
- Which tables change pipeline. A table is owned by one pipeline; a pipeline update that
  defines a table another pipeline owns fails. A wanted table that another pipeline of this
  deployment owns is handed over; one that a pipeline outside it owns is refused, naming
  both, before anything is written.
- What prune deletes: only this deployment's objects in this target that the render no
  longer has; jobs before pipelines; a pipeline only after its tables were handed over, and
  always keeping its tables (cascade=false).

The steps, in order:
 1. missing schemas and volumes; wheels and files that differ;
 2. pipelines in no hand-over: create or update;
 3. the hand-over: pause the jobs of the pipelines involved (none of them may run while a
    definition and an owner disagree), delete the jobs of pruned sources, stop the sources,
    create new destinations, update the kept sources (without their leaving tables), one
    hand-over per pair of pipelines (`ALTER STREAMING TABLE ... SET TBLPROPERTIES
    ('pipelines.pipelineId' = ...)`), update the existing destinations, delete pruned
    sources, restart what was running;
 4. jobs: create or update (a job paused for the hand-over, by this run or an interrupted
    one, gets its schedule back; otherwise a job's pause status is the operator's: it is set
    when the job is created and never changed by an update);
 5. prune: the remaining jobs, then their pipelines.
The runbook of a rebalance is a view of the same steps (`runbook.runbook`).
"""

from __future__ import annotations

from balancer.deployment import TableRef
from balancer.errors import InputError
from balancer.planning.ownership import by_name, is_ours, recorded, twin
from balancer.planning.steps import (
    Desired,
    Found,
    Migration,
    MigrationOptions,
    Observed,
    Step,
    StepKind,
    WantedJob,
    WantedPipeline,
)

__all__ = [
    "Desired",
    "Found",
    "Migration",
    "MigrationOptions",
    "Observed",
    "Step",
    "StepKind",
    "WantedJob",
    "WantedPipeline",
    "is_ours",
    "plan_migration",
]


def plan_migration(
    desired: Desired, observed: Observed, options: MigrationOptions | None = None
) -> Migration:
    """The ordered steps from `observed` to `desired` (see the module docstring)."""
    return _Planner(desired, observed, options or MigrationOptions()).migration()


class _Planner:
    """One planning: the matching of wanted and found objects, then one method per phase."""

    def __init__(self, desired: Desired, observed: Observed, options: MigrationOptions) -> None:
        self.desired, self.observed, self.options = desired, observed, options
        names = by_name(observed.pipelines)
        by_ident = {f.ident: f for f in observed.pipelines}
        self.twins = {
            w.key: twin(
                "pipeline",
                w.name,
                names.get(w.name)
                or recorded(by_ident.get(observed.recorded.get(w.key, "")), desired),
                desired,
                options.adopt,
            )
            for w in desired.pipelines
        }
        job_names = by_name(observed.jobs)
        self.job_twins = {
            j.key: twin("job", j.name, job_names.get(j.name, []), desired, options.adopt)
            for j in desired.jobs
        }
        self.ident_of = {k: f.ident for k, f in self.twins.items() if f is not None}
        self.key_of = {ident: k for k, ident in self.ident_of.items()}
        self.by_id = {f.ident: f for f in observed.pipelines}
        self.doomed = [
            f for f in observed.pipelines if is_ours(f, desired) and f.ident not in self.key_of
        ]
        self.doomed_ids = {f.ident for f in self.doomed}
        self.wanted = {w.key: w for w in desired.pipelines}
        self.handovers = self._handovers()
        self.sources = sorted({s for s, _ in self.handovers})
        self.destinations = sorted({d for _, d in self.handovers})
        self.steps: list[Step] = []
        self.unchanged: list[str] = []
        self.notes: list[str] = []
        self.paused: set[str] = set()
        self.deleted_jobs: set[str] = set()

    def migration(self) -> Migration:
        for m in self.observed.missing:
            kind, _, name = m.partition(" ")
            self.steps.append(Step("ensure_schema" if kind == "schema" else "ensure_volume", name))
        self.steps += [Step("upload", path) for path in self.observed.uploads]
        involved = set(self.destinations) | {
            self.key_of[s] for s in self.sources if s in self.key_of
        }
        for w in self.desired.pipelines:
            if w.key not in involved:
                self._write(w)
        if self.handovers:
            self._hand_over()
        else:
            self._restarts(set())
        self._jobs()
        self._prune()
        return Migration(tuple(self.steps), tuple(self.unchanged), tuple(self.notes))

    def _handovers(self) -> dict[tuple[str, str], list[TableRef]]:
        """(source pipeline id, destination key) -> the tables that change hands; a table
        owned outside this deployment is refused, naming its owner."""
        handovers: dict[tuple[str, str], list[TableRef]] = {}
        conflicts: list[str] = []
        owners = self.observed.owners
        seen: dict[str, str] = {}
        for w in self.desired.pipelines:
            for t in (*w.tables, w.event_log):
                if t.key in seen:
                    raise InputError(
                        f"{t.full_name} is defined twice ({seen[t.key]} and {w.key}): Unity "
                        "Catalog compares names without case, so these are one table.",
                        fix="give the tables distinct destination_table names in tables.csv "
                        "and solve again.",
                    )
                seen[t.key] = w.key
        for w in self.desired.pipelines:
            mine = self.ident_of.get(w.key)
            for t in w.tables:
                for other in self.observed.defined.get(t.key, ()):
                    if other != mine and other not in self.key_of and other not in self.doomed_ids:
                        conflicts.append(
                            f"{t.full_name} is also defined by {self._owner_text(other)}"
                        )
                owner = owners.get(t.key)
                if owner is None or owner == mine:
                    continue
                if owner in self.key_of or owner in self.doomed_ids:
                    handovers.setdefault((owner, w.key), []).append(t)
                else:
                    conflicts.append(f"{t.full_name} is owned by {self._owner_text(owner)}")
            owner = owners.get(w.event_log.key)
            if owner is not None and owner != mine:
                conflicts.append(
                    f"event log {w.event_log.full_name} is owned by {self._owner_text(owner)}"
                )
        orphan_logs = [
            w.event_log.full_name
            for w in self.desired.pipelines
            if owners.get(w.event_log.key) not in (None, self.ident_of.get(w.key))
            and owners.get(w.event_log.key) not in self.by_id
        ]
        if orphan_logs and len(orphan_logs) == len(conflicts):
            raise InputError(
                f"event log(s) {', '.join(orphan_logs[:6])} are left from pipelines deleted "
                "earlier (a prune keeps every table): a new pipeline of the same key cannot "
                "publish its event log there.",
                fix="keep their run history under another name (ALTER TABLE ... RENAME TO "
                "..._old; `balancer history --event-log-table` still reads it) and deploy again.",
            )
        if conflicts:
            conflicts = list(dict.fromkeys(conflicts))
            tables = {
                c.split(" ")[2] if c.startswith("event log ") else c.split(" ", 1)[0]
                for c in conflicts
            }
            raise InputError(
                f"{len(tables)} table(s) this render defines belong to pipelines outside this "
                f"deployment (target '{self.desired.target}'): "
                + "; ".join(conflicts[:8])
                + ("; ..." if len(conflicts) > 8 else "")
                + ". A table is updated by one pipeline only, so these pipelines would fail.",
                fix="deploy this target to a catalog or schema of its own (--var schema=...; "
                "tables with a destination of their own are the same in every target: deploy "
                "such a plan to one target), hand the tables over yourself, or remove them "
                "from the plan.",
            )
        if self.doomed and not self.options.prune:
            gone = ", ".join(f"'{f.name}' ({f.ident})" for f in self.doomed)
            raise InputError(
                f"the render no longer has pipelines of this deployment ({gone}); their tables "
                "are in other pipelines of the render now, and both would define them.",
                fix="pass --prune: tables they own are handed over first, then those pipelines "
                "and their jobs are deleted with cascade=false (their tables are kept).",
            )
        return handovers

    def _owner_text(self, owner: str) -> str:
        f = self.by_id.get(owner)
        if f is None:
            return f"pipeline {owner}, which no longer exists or you cannot see"
        if f.deployment_id == self.desired.deployment_id:
            return f"pipeline '{f.name}' ({owner}) of this plan's target '{f.target or 'unknown'}'"
        return f"pipeline '{f.name}' ({owner}), which this plan did not create"

    def _write(self, w: WantedPipeline) -> None:
        twin = self.twins[w.key]
        if twin is None:
            self.steps.append(Step("create_pipeline", w.key, w.name))
        elif not twin.up_to_date:
            self.steps.append(Step("update_pipeline", w.key, w.name, twin.ident))
        else:
            self.unchanged.append(f"pipeline {w.name}")

    def _hand_over(self) -> None:
        """Pause the jobs involved, stop the sources, write the pipelines around the ALTERs,
        delete pruned sources, restart what ran."""
        sources, steps = self.sources, self.steps
        involved_ids = set(sources) | {
            self.ident_of[d] for d in self.destinations if d in self.ident_of
        }
        for j in self.desired.jobs:
            twin_job = self.job_twins[j.key]
            runs = self.ident_of.get(j.pipeline or "")
            if twin_job is not None and runs in involved_ids and not twin_job.paused:
                steps.append(Step("pause_job", j.key, j.name, twin_job.ident))
                self.paused.add(j.key)
        for f in self.observed.jobs:
            if is_ours(f, self.desired) and f.runs in self.doomed_ids and f.runs in sources:
                steps.append(Step("delete_job", f.ident, f.name, f.ident))
                self.deleted_jobs.add(f.ident)
        steps += [Step("stop_pipeline", s, self.by_id[s].name, s) for s in sources]
        for d in self.destinations:
            if self.twins[d] is None:
                self._write(self.wanted[d])
        kept_sources = {self.key_of[s] for s in sources if s in self.key_of}
        for key in sorted(kept_sources):
            self._write(self.wanted[key])
        for (s, d), tables in sorted(self.handovers.items()):
            steps.append(
                Step(
                    "hand_over",
                    d,
                    self.wanted[d].name,
                    tables=tuple(sorted(tables, key=lambda t: t.key)),
                    source=s,
                    source_name=self.by_id[s].name,
                    destination=d,
                )
            )
        for d in self.destinations:
            if self.twins[d] is not None and d not in kept_sources:
                self._write(self.wanted[d])
        steps += [
            Step("delete_pipeline", s, self.by_id[s].name, s)
            for s in sources
            if s in self.doomed_ids
        ]
        self._restarts(set(sources))

    def _restarts(self, stopping: set[str]) -> None:
        """Start again what this run stops while it was running (a running destination is
        never stopped), and what an earlier, interrupted run stopped and still owes a start."""
        owed = {
            f.ident
            for f in self.observed.pipelines
            if f.ident in self.key_of
            and ((f.ident in stopping and f.running) or f.ident in self.observed.restart)
        }
        self.steps += [
            Step("start_pipeline", self.key_of[f.ident], f.name, f.ident)
            for f in self.observed.pipelines
            if f.ident in owed
        ]

    def _jobs(self) -> None:
        for j in self.desired.jobs:
            twin_job = self.job_twins[j.key]
            if twin_job is None:
                self.steps.append(Step("create_job", j.key, j.name))
            elif (
                not twin_job.up_to_date
                or j.key in self.paused
                or twin_job.ident in self.observed.resume
            ):
                resume = j.key in self.paused or twin_job.ident in self.observed.resume
                self.steps.append(Step("update_job", j.key, j.name, twin_job.ident, resume=resume))
            else:
                self.unchanged.append(f"job {j.name}")

    def _prune(self) -> None:
        kept_jobs = {f.ident for f in self.job_twins.values() if f is not None}
        doomed_jobs = [
            f
            for f in self.observed.jobs
            if is_ours(f, self.desired)
            and f.ident not in kept_jobs
            and f.ident not in self.deleted_jobs
        ]
        if not self.options.prune:
            if self.doomed or doomed_jobs:
                self.notes.append(
                    f"{len(self.doomed)} pipeline(s) and {len(doomed_jobs)} job(s) of this "
                    "deployment are no longer in the render and were left as they are "
                    "(--prune deletes them, keeping their tables)."
                )
            return
        self.steps += [Step("delete_job", f.ident, f.name, f.ident) for f in doomed_jobs]
        self.steps += [
            Step("delete_pipeline", f.ident, f.name, f.ident)
            for f in self.doomed
            if f.ident not in self.sources
        ]
        wanted_keys = {t.key for w in self.desired.pipelines for t in w.tables}
        for f in self.doomed:
            left = sorted(
                self.observed.tables[k].full_name if k in self.observed.tables else k
                for k, owner in self.observed.owners.items()
                if owner == f.ident and k not in wanted_keys
            )
            if left:
                self.notes.append(
                    f"pipeline '{f.name}' is deleted with cascade=false: its tables "
                    f"{', '.join(left[:6])}{' ...' if len(left) > 6 else ''} stay in Unity "
                    "Catalog, and no pipeline updates them any more."
                )
