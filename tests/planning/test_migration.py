"""The deploy migration planner: table-driven cases, and a property test that replays every
plan on a model of the workspace (solver-free, like the plan checker) and checks that no
table is lost, none is dropped, and no pipeline that can run defines a table it does not own."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.deployment import TableRef
from balancer.errors import InputError
from balancer.planning.migration import (
    Desired,
    Found,
    MigrationOptions,
    Observed,
    Step,
    WantedJob,
    WantedPipeline,
    plan_migration,
)

DEP = "dep1"
TARGET = "prod"


def ref(name: str) -> TableRef:
    return TableRef("c", "s", name)


def desired(layout: dict[str, list[str]]) -> Desired:
    return Desired(
        DEP,
        TARGET,
        "",
        tuple(
            WantedPipeline(k, k, tuple(ref(t) for t in ts), ref(f"{k}_event_log"))
            for k, ts in layout.items()
        ),
        tuple(WantedJob(f"{k}_job", f"{k} job", k) for k in layout),
    )


def deployed(
    layout: dict[str, list[str]], wanted: dict[str, list[str]], ran: bool = True
) -> Observed:
    """`layout` deployed in this target (ids id-<key>), each pipeline run once when `ran`;
    `up_to_date` where `wanted` gives the key the same tables."""
    pipelines = tuple(
        Found(f"id-{k}", k, DEP, TARGET, up_to_date=wanted.get(k) == ts) for k, ts in layout.items()
    )
    jobs = tuple(
        Found(f"job-{k}", f"{k} job", DEP, TARGET, up_to_date=True, runs=f"id-{k}") for k in layout
    )
    owners = (
        {ref(t).key: f"id-{k}" for k, ts in layout.items() for t in [*ts, f"{k}_event_log"]}
        if ran
        else {}
    )
    return Observed(pipelines, jobs, owners, {})


def kinds(steps: tuple[Step, ...]) -> list[str]:
    return [s.kind for s in steps]


def test_a_first_deploy_creates_pipelines_then_jobs() -> None:
    m = plan_migration(desired({"a": ["t1"], "b": ["t2"]}), Observed())
    assert kinds(m.steps) == ["create_pipeline"] * 2 + ["create_job"] * 2


def test_an_unchanged_deployment_has_no_steps() -> None:
    layout = {"a": ["t1"], "b": ["t2"]}
    m = plan_migration(desired(layout), deployed(layout, layout))
    assert m.steps == () and len(m.unchanged) == 4


def test_a_move_between_kept_pipelines_is_a_hand_over_in_order() -> None:
    before, after = {"a": ["t1", "t2"], "b": ["t3"]}, {"a": ["t1"], "b": ["t2", "t3"]}
    m = plan_migration(desired(after), deployed(before, after))
    assert kinds(m.steps) == [
        "pause_job",
        "pause_job",
        "stop_pipeline",
        "update_pipeline",
        "hand_over",
        "update_pipeline",
        "update_job",
        "update_job",
    ]
    (hand,) = m.of("hand_over")
    assert hand.source == "id-a" and hand.destination == "b" and hand.tables == (ref("t2"),)
    updates = [s.subject for s in m.of("update_pipeline")]
    assert updates == ["a", "b"]  # the source before the ALTER, the destination after


def test_a_running_source_is_restarted_and_a_running_destination_left_running() -> None:
    from dataclasses import replace

    before, after = {"a": ["t1", "t2"], "b": ["t3"]}, {"a": ["t1"], "b": ["t2", "t3"]}
    observed = deployed(before, after)
    observed = replace(
        observed, pipelines=tuple(replace(f, running=True) for f in observed.pipelines)
    )
    m = plan_migration(desired(after), observed)
    assert [(s.kind, s.ident) for s in m.of("stop_pipeline", "start_pipeline")] == [
        ("stop_pipeline", "id-a"),
        ("start_pipeline", "id-a"),
    ]


def test_pipelines_that_never_ran_own_nothing_so_nothing_is_handed_over() -> None:
    before, after = {"a": ["t1", "t2"], "b": ["t3"]}, {"a": ["t1"], "b": ["t2", "t3"]}
    m = plan_migration(desired(after), deployed(before, after, ran=False))
    assert kinds(m.steps) == ["update_pipeline", "update_pipeline"]


def test_moving_out_of_a_pipeline_the_render_dropped_needs_prune() -> None:
    before, after = {"a": ["t1"], "b": ["t2"]}, {"a": ["t1", "t2"]}
    with pytest.raises(InputError, match="pass --prune"):
        plan_migration(desired(after), deployed(before, after))
    m = plan_migration(desired(after), deployed(before, after), MigrationOptions(prune=True))
    order = kinds(m.steps)
    assert order.index("delete_job") < order.index("stop_pipeline") < order.index("hand_over")
    assert order.index("hand_over") < order.index("delete_pipeline")
    assert [s.ident for s in m.of("delete_pipeline")] == ["id-b"]


@pytest.mark.parametrize(
    ("owner", "words"),
    [
        (Found("x1", "theirs", "other-plan", TARGET), "which this plan did not create"),
        (Found("x1", "[dev me] a", DEP, "dev.me"), "of this plan's target 'dev.me'"),
        (None, "no longer exists"),
    ],
)
def test_a_table_owned_outside_the_deployment_is_refused_naming_the_owner(
    owner: Found | None, words: str
) -> None:
    observed = Observed(
        pipelines=(owner,) if owner else (), owners={ref("t1").key: "x1"}, tables={}
    )
    with pytest.raises(InputError, match=words) as info:
        plan_migration(desired({"a": ["t1"]}), observed)
    assert "c.s.t1" in str(info.value)


def test_prune_touches_only_this_target_and_deletes_jobs_first() -> None:
    other = Found("id-dev", "[dev me] a", DEP, "dev.me")
    mine = deployed({"a": ["t1"], "old": ["t9"]}, {"a": ["t1"]}, ran=False)
    observed = Observed(
        (*mine.pipelines, other),
        (*mine.jobs, Found("job-dev", "[dev me] a job", DEP, "dev.me", runs="id-dev")),
    )
    m = plan_migration(desired({"a": ["t1"]}), observed, MigrationOptions(prune=True))
    assert [(s.kind, s.ident) for s in m.steps] == [
        ("delete_job", "job-old"),
        ("delete_pipeline", "id-old"),
    ]


def test_objects_of_an_older_version_count_by_their_name_prefix() -> None:
    legacy_dev = Found("id-1", "[dev me] a", DEP, "")
    legacy_prod = Found("id-2", "a", DEP, "")
    dev = Desired(DEP, "dev.me", "[dev me] ", desired({}).pipelines, ())
    observed = Observed((legacy_dev, legacy_prod))
    m = plan_migration(dev, observed, MigrationOptions(prune=True))
    assert [s.ident for s in m.steps] == ["id-1"]  # the prod one is not dev's to delete


@pytest.mark.parametrize(
    ("found", "adopt", "words"),
    [
        (Found("x", "a", "", ""), False, "was not created by this plan"),
        (Found("x", "a", DEP, "staging"), False, "belongs to target 'staging'"),
        (Found("x", "a", "", ""), True, None),
    ],
)
def test_same_named_strangers_are_refused_or_adopted(
    found: Found, adopt: bool, words: str | None
) -> None:
    run = lambda: plan_migration(  # noqa: E731
        desired({"a": ["t1"]}), Observed((found,)), MigrationOptions(adopt=adopt)
    )
    if words is None:
        assert next(s.kind for s in run().steps) == "update_pipeline"
    else:
        with pytest.raises(InputError, match=words):
            run()


# --- every migration, replayed --------------------------------------------------------


@dataclass
class Model:
    """The workspace as the migration sees it: definitions, owners, jobs, stopped pipelines."""

    defines: dict[str, set[str]]  # pipeline id -> table keys its definition names
    owners: dict[str, str]
    jobs: dict[str, tuple[str, bool]]  # job id -> (pipeline id, paused)
    running: set[str] = field(default_factory=set)  # pipelines with an active update
    ids: dict[str, str] = field(default_factory=dict)  # key -> id
    restart: set[str] = field(default_factory=set)  # stopped by a run that owes a start
    resume: set[str] = field(default_factory=set)  # jobs paused by a run that owes them

    def check_runnable(self) -> None:
        """A pipeline whose job can trigger it defines only tables it owns (or no one does)."""
        for pid, paused in self.jobs.values():
            if not paused and pid in self.defines:
                for t in self.defines[pid]:
                    assert self.owners.get(t, pid) == pid, f"{pid} can run and {t} is not its"

    def observed(self, want: Desired) -> Observed:
        """What a re-run would read: the model as a workspace."""
        tables = {w.key: {t.key for t in (*w.tables, w.event_log)} for w in want.pipelines}
        key_of = {pid: key for key, pid in self.ids.items()}
        pipelines = tuple(
            Found(
                pid,
                key_of[pid],
                DEP,
                TARGET,
                up_to_date=tables.get(key_of[pid]) == d,
                running=pid in self.running,
            )
            for pid, d in sorted(self.defines.items())
        )
        jobs = tuple(  # a job's pause status is not the render's: paused or not, it is current
            Found(jid, f"{key_of[pid]} job", DEP, TARGET, up_to_date=True, paused=paused, runs=pid)
            for jid, (pid, paused) in sorted(self.jobs.items())
        )
        return Observed(
            pipelines,
            jobs,
            dict(self.owners),
            {},
            restart=frozenset(self.restart),
            resume=frozenset(self.resume),
        )


def replay(model: Model, steps: tuple[Step, ...], want: Desired, upto: int | None = None) -> None:
    """Run `steps` (the first `upto` of them) on the model, as the executor does."""
    tables = {w.key: {t.key for t in (*w.tables, w.event_log)} for w in want.pipelines}
    job_of = {j.key: j.pipeline for j in want.jobs}
    restarting = {s.ident for s in steps if s.kind == "start_pipeline"}
    for step in steps[:upto]:
        if step.kind == "create_pipeline":
            model.ids[step.subject] = f"new-{step.subject}"
            model.defines[f"new-{step.subject}"] = tables[step.subject]
        elif step.kind == "update_pipeline":
            model.defines[step.ident] = tables[step.subject]
        elif step.kind == "pause_job":
            jid = f"job-{job_of[step.subject]}"
            model.jobs[jid] = (model.jobs[jid][0], True)
            model.resume.add(jid)
        elif step.kind == "stop_pipeline":
            if step.ident in model.running and step.ident in restarting:
                model.restart.add(step.ident)
            model.running.discard(step.ident)
        elif step.kind == "start_pipeline":
            model.running.add(step.ident)
            model.restart.discard(step.ident)
        elif step.kind == "hand_over":
            dest = model.ids[step.destination]
            assert step.source not in model.running, "ALTER while its owner runs"
            kept = step.source in {model.ids.get(w.key) for w in want.pipelines}
            can_run = any(pid == step.source for pid, _ in model.jobs.values())
            for t in step.tables:
                assert model.owners[t.key] == step.source
                if kept or can_run:  # a pruned source without a job never runs again
                    assert t.key not in model.defines[step.source], "source still defines it"
                model.owners[t.key] = dest
        elif step.kind == "delete_job":
            del model.jobs[step.ident]
        elif step.kind == "delete_pipeline":
            assert all(pid != step.ident for pid, _ in model.jobs.values()), "job outlives it"
            del model.defines[step.ident]
            model.running.discard(step.ident)
            model.ids = {k: v for k, v in model.ids.items() if v != step.ident}
        elif step.kind == "create_job":
            key = job_of[step.subject]
            model.jobs[f"job-{key}"] = (model.ids[str(key)], False)
        elif step.kind == "update_job":
            key = job_of[step.subject]
            paused = model.jobs[step.ident][1] and not step.resume  # its pause kept, or given back
            model.jobs[step.ident] = (model.ids[str(key)], paused)
            model.resume.discard(step.ident)
        model.check_runnable()


layouts = st.dictionaries(
    st.sampled_from([f"t{i}" for i in range(10)]), st.sampled_from(["a", "b", "c", "d"]), min_size=1
)


def grouped(assign: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for t, k in sorted(assign.items()):
        out.setdefault(k, []).append(t)
    return out


@settings(max_examples=300, deadline=None)
@given(
    layouts,
    st.dictionaries(st.sampled_from([f"t{i}" for i in range(10)]), st.sampled_from("abcd")),
    st.booleans(),
    st.booleans(),
    st.sets(st.sampled_from("abcd")),
    st.integers(0, 60),
)
def test_every_migration_loses_no_table_and_never_runs_a_pipeline_on_a_table_it_lacks(
    before_assign: dict[str, str],
    moved: dict[str, str],
    ran: bool,
    prune: bool,
    running: set[str],
    stop_after: int,
) -> None:
    """Any re-layout of the same tables (keys kept, added or dropped), from pipelines that ran
    or not, some running; the plan replayed on a model of the workspace; and again after an
    interruption at any step, re-read and re-planned: every wanted table ends up defined by
    and owned by its pipeline, nothing is dropped, pruned pipelines go, no pipeline that its
    job can start defines a table it does not own at any moment, no ALTER while its source
    runs, and every pipeline stopped while running is started again."""
    after_assign = {t: moved.get(t, k) for t, k in before_assign.items()}
    before, after = grouped(before_assign), grouped(after_assign)
    want = desired(after)
    model = Model(
        defines={
            f"id-{k}": {ref(t).key for t in [*ts, f"{k}_event_log"]} for k, ts in before.items()
        },
        owners=dict(deployed(before, after, ran).owners),
        jobs={f"job-{k}": (f"id-{k}", False) for k in before},
        running={f"id-{k}" for k in before if k in running},
        ids={k: f"id-{k}" for k in before},
    )
    first_owners = dict(model.owners)
    was_running = set(model.running)
    try:
        m = plan_migration(want, model.observed(want), MigrationOptions(prune=prune))
    except InputError as exc:
        assert not prune and "pass --prune" in str(exc)
        return
    replay(model, m.steps, want, upto=stop_after)  # interrupted here ...
    again = plan_migration(want, model.observed(want), MigrationOptions(prune=prune))
    replay(model, again.steps, want)  # ... and run again to the end
    for w in want.pipelines:  # every wanted table is defined by its pipeline and owned by it
        pid = model.ids[w.key]
        assert {t.key for t in w.tables} <= model.defines[pid]
        for t in w.tables:
            assert model.owners.get(t.key, pid) == pid
    assert set(model.owners) >= set(first_owners)  # nothing dropped
    assert set(model.defines) == {model.ids[k] for k in after}  # pruned ones are gone
    assert {pid for pid, paused in model.jobs.values() if not paused} >= {
        model.ids[k] for k in after
    }
    kept_running = {pid for pid in was_running if pid in model.defines}
    assert kept_running <= model.running and not model.restart and not model.resume
    final = plan_migration(want, model.observed(want), MigrationOptions(prune=prune))
    assert final.steps == ()  # converged: a third run has nothing to do
