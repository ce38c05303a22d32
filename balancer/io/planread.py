"""plan.json read field by field: each section (settings, summary, solver, pipelines,
estimates, moves, tables) with the type and range of every field, so a hand edit is refused
with the file and the field's path instead of reaching the code as a wrong value."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, cast

from balancer.errors import InputError
from balancer.io.fields import Fields
from balancer.limits import setting_problem
from balancer.model import (
    INGESTION_TYPES,
    MAX_RUN_S,
    CostEstimate,
    CostSource,
    KResult,
    PipelinePlan,
    Plan,
    PlanStatus,
    Settings,
    SolveStatus,
    Table,
)
from balancer.schedules import CronError, min_interval_seconds, shift_cron
from balancer.table_options import SCD_TYPES

COST_SOURCES = ("history", "weight", "similar", "fallback")
PLAN_STATUSES = ("OPTIMAL", "FEASIBLE")
SOLVE_STATUSES = ("OPTIMAL", "FEASIBLE", "INFEASIBLE")


def read_settings(doc: Fields) -> Settings:
    """`settings`: each field checked by its own declaration (`Settings`' bounds); a field
    left out takes its default (plans of older versions lack newer settings)."""
    names = [f.name for f in fields(Settings)]
    doc.only(*names)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name not in doc.value:
            continue
        value = doc.value[f.name]
        problem = setting_problem(f.metadata["bound"], value)
        if problem:
            doc.refuse(f.name, f"is wrong: {problem}")
        integral = f.metadata["bound"].integer and value is not None
        values[f.name] = int(value) if integral else value
    try:
        return Settings(**values)
    except InputError as exc:  # a rule between two settings (pipelines_min <= pipelines_max)
        doc.refuse("pipelines_max", f"is wrong: {exc.problem.rstrip('.')}")


def read_pipeline(doc: Fields) -> PipelinePlan:
    doc.only(*(f.name for f in fields(PipelinePlan)), "schedule_fit")
    return PipelinePlan(
        key=doc.text("key"),
        name=doc.text("name"),
        group=doc.text("group"),
        schedule=doc.schedule("schedule"),
        tables=doc.texts("tables"),
        load_s=doc.integer("load_s"),
        runtime_s=doc.integer("runtime_s"),
        pin=doc.optional_text("pin"),
        p90_runtime_s=doc.integer("p90_runtime_s", 0),
        start_offset_min=_start_offset(doc),
    )


def _start_offset(doc: Fields) -> int:
    """`start_offset_min`: before the schedule's next trigger, and one a job can express."""
    offset = doc.integer("start_offset_min", 0, high=7 * 1440)
    schedule = doc.schedule("schedule")
    if offset * 60 >= min_interval_seconds(schedule):
        doc.refuse(
            "start_offset_min", f"is {offset}: the pipeline would start after its next trigger"
        )
    try:
        shift_cron(schedule, offset)
    except CronError as exc:
        doc.refuse("start_offset_min", f"is {offset}: {exc}")
    return offset


def read_estimate(doc: Fields) -> CostEstimate:
    doc.only(*(f.name for f in fields(CostEstimate)))
    return CostEstimate(
        table=doc.text("table"),
        seconds=doc.number("seconds"),
        p50=doc.number("p50"),
        p90=doc.number("p90"),
        source=cast(CostSource, doc.text("source", choices=COST_SOURCES)),
        runs_used=doc.integer("runs_used", 0),
        growth_per_day=doc.number("growth_per_day", 0.0, low=-1.0, high=1e300),
        note=doc.text("note", ""),
        fixed_s=doc.number("fixed_s", 0.0),
        per_min_s=doc.number("per_min_s", 0.0),
        interval_s=doc.number("interval_s", 0.0),
        history_interval_s=doc.number("history_interval_s", 0.0),
    )


def read_k_result(doc: Fields) -> KResult:
    doc.only(*(f.name for f in fields(KResult)))
    return KResult(
        k=doc.integer("k", low=1),
        makespan_s=doc.integer("makespan_s"),
        lower_bound_s=doc.integer("lower_bound_s"),
        status=cast(SolveStatus, doc.text("status", choices=SOLVE_STATUSES)),
        compute_s_per_day=doc.integer("compute_s_per_day", 0),
        batch_window_s=doc.integer("batch_window_s", 0),
    )


def read_move(doc: Fields) -> tuple[str, str, str]:
    doc.only("table", "from", "to")
    return doc.text("table"), doc.text("from"), doc.text("to")


def read_table(doc: Fields) -> Table:
    """One of the plan's tables (what render and rebalance use instead of tables.csv)."""
    name = doc.text("source_table")
    if not name.strip():
        doc.refuse("source_table", "is empty")
    return Table(
        source_table=name,
        destination_table=doc.text("destination_table", "") or name,
        category=doc.text("category", ""),
        ingestion_type=doc.text("ingestion_type", "unknown", (*INGESTION_TYPES, "unknown")),
        schedule=doc.schedule("schedule") if "schedule" in doc.value else "0 0 * * *",
        weight=doc.optional_number("weight", high=MAX_RUN_S),
        primary_keys=doc.texts("primary_keys", ()),
        cursor_field=doc.text("cursor_field", ""),
        table_configuration=doc.text_pairs("table_configuration"),
        scd_type=doc.text("scd_type", "", ("", *SCD_TYPES)),
        sequence_by=doc.texts("sequence_by", ()),
        cluster_by=doc.texts("cluster_by", ()),
        pin=doc.optional_text("pin"),
        together=doc.optional_text("together"),
        apart=doc.texts("apart", ()),
        extra=doc.text_pairs("extra"),
        schedule_is_default=doc.get("schedule_is_default", False) is True,  # older plans: chosen
    )


def read_status(doc: Fields) -> PlanStatus:
    return cast(PlanStatus, doc.text("status", choices=PLAN_STATUSES))


def check_estimates(plan: Plan, doc: Fields) -> None:
    """Every table a pipeline holds has one estimate (costs, metrics and moves read them)."""
    seen: set[str] = set()
    for k, e in enumerate(plan.estimates):
        if e.table in seen:
            doc.refuse(f"estimates[{k}].table", f"repeats the estimate of {e.table[:80]!r}")
        seen.add(e.table)
    for p in plan.pipelines:
        missing = next((t for t in p.tables if t not in seen), None)
        if missing is not None:
            doc.refuse("estimates", f"has no estimate of {missing[:80]!r} (in pipeline {p.key})")
