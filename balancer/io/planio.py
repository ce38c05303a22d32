"""plan.json, format 1: to text and back. Same plan, same bytes.

Wall-clock solve time is deliberately not stored (it would break byte-identical plans);
`solver.deterministic_time_s` is CP-SAT's deterministic work measure instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from balancer.deployment import deployment_id
from balancer.errors import InputError, Location
from balancer.io.atomic import write_file
from balancer.io.fields import Fields
from balancer.io.files import read_bytes
from balancer.io.planread import (
    check_estimates,
    read_estimate,
    read_k_result,
    read_move,
    read_pipeline,
    read_settings,
    read_status,
    read_table,
)
from balancer.jsondoc import load_json
from balancer.model import (
    PipelinePlan,
    Plan,
    Table,
)
from balancer.names import (
    collision_text,
    plain_name_problem,
    shown,
    table_collision,
    table_name_problem,
    uc_key,
)
from balancer.plan_metrics import PipelineMetrics, plan_metrics

FORMAT = 1


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    metrics = plan_metrics(plan)
    per_pipeline = {m.key: m for m in metrics.pipelines}
    return {
        "format": plan.format,
        "tool": plan.tool,
        "deployment_id": plan.deployment_id,
        "settings": dataclasses.asdict(plan.settings),
        "inputs": dict(plan.inputs),
        "summary": {
            "pipelines": len(plan.pipelines),
            "tables": sum(len(p.tables) for p in plan.pipelines),
            "makespan_s": plan.makespan_s,
            "lower_bound_s": plan.lower_bound_s,
            "gap": round(plan.gap, 6),
            "spread_s": plan.spread_s,
            "category_splits": plan.category_splits,
            "runs_per_day": metrics.runs_per_day,
            "compute_hours_per_day": round(metrics.compute_s_per_day / 3600, 3),
            "cost_per_day": metrics.cost_per_day,
            "worst_data_age_s": metrics.worst_age_s,
            "worst_data_age_by_schedule_s": dict(metrics.worst_age_by_schedule),
            "batch_window_s": metrics.batch_window_s,
            "pipelines_over_schedule": list(metrics.misfits),
        },
        "solver": {
            "status": plan.status,
            "deterministic_time_s": plan.deterministic_time,
            "k_sweep": [dataclasses.asdict(k) for k in plan.k_results],
        },
        "pipelines": [
            _pipeline_dict(p) | {"schedule_fit": _fit_dict(per_pipeline[p.key])}
            for p in plan.pipelines
        ],
        "estimates": [dataclasses.asdict(e) for e in plan.estimates],
        "moves": [{"table": t, "from": a, "to": b} for t, a, b in plan.moves],
        "tables": [_table_to_dict(t) for t in plan.tables],
        "tables_digest": tables_digest(plan.tables),
        "warnings": list(plan.warnings),
    }


def _pipeline_dict(p: PipelinePlan) -> dict[str, Any]:
    """A pipeline's fields; its start offset only when staggered (older plans read the same)."""
    out = dataclasses.asdict(p) | {"tables": list(p.tables)}
    if not p.start_offset_min:
        del out["start_offset_min"]
    return out


def _fit_dict(m: PipelineMetrics) -> dict[str, Any]:
    return {
        "interval_s": m.interval_s,
        "runs_per_day": m.runs_per_day,
        "p50_runtime_s": m.p50_runtime_s,
        "p90_runtime_s": m.p90_runtime_s,
        "allowed_p90_runtime_s": m.cap_s,
        "utilisation": m.utilisation,
        "skips_runs": m.skips,
        "worst_data_age_s": m.worst_age_s,
        "compute_hours_per_day": round(m.compute_s_per_day / 3600, 3),
        "cost_per_day": m.cost_per_day,
    }


def _table_to_dict(t: Table) -> dict[str, Any]:
    return {
        "source_table": t.source_table,
        "destination_table": t.destination_table,
        "category": t.category,
        "ingestion_type": t.ingestion_type,
        "schedule": t.schedule,
        "weight": t.weight,
        "primary_keys": list(t.primary_keys),
        "cursor_field": t.cursor_field,
        "table_configuration": dict(t.table_configuration),
        "scd_type": t.scd_type,
        "sequence_by": list(t.sequence_by),
        "cluster_by": list(t.cluster_by),
        "pin": t.pin,
        "together": t.together,
        "apart": list(t.apart),
        "extra": dict(t.extra),
    } | ({"schedule_is_default": True} if t.schedule_is_default else {})  # nobody chose it


def dumps(plan: Plan) -> str:
    return json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n"


def plan_from_dict(data: Any, path: str = "") -> Plan:
    """A plan from its JSON document, every field read with its type and range (a hand edit
    is refused naming the file and the field), then checked as a whole (`plan_problem`)."""
    where = Location(path)
    if not isinstance(data, dict):
        raise InputError(
            f"not a plan: the file holds a JSON {type(data).__name__.replace('dict', 'object')}"
            ", not the object `balancer solve` writes.",
            fix="give the plan.json that `balancer solve` wrote.",
            where=where,
        )
    found = data.get("format")
    if type(found) is not int or found != FORMAT:
        raise InputError(
            f"not a plan of format {FORMAT} (format is {found!r}).",
            fix="produce it with `balancer solve`.",
            where=where,
        )
    doc = Fields(data, path, "", "regenerate it with `balancer solve`.")
    plan = _plan(doc)
    check_estimates(plan, doc)
    recorded = data.get("tables_digest")
    if recorded is not None and recorded != tables_digest(plan.tables):
        raise InputError(
            "the plan's tables were edited after it was solved (their checksum differs).",
            fix="edit tables.csv and solve again; plan.json is the solver's output.",
            where=where,
        )
    problem = plan_problem(plan)
    if problem:
        raise InputError(
            f"the plan cannot be used: {problem}.",
            fix="regenerate it with `balancer solve` (edit tables.csv, not plan.json).",
            where=where,
        )
    return plan


def _plan(doc: Fields) -> Plan:
    settings = read_settings(doc.object("settings"))
    summary, solver = doc.object("summary"), doc.object("solver")
    inputs = doc.text_pairs("inputs")
    return Plan(
        settings=settings,
        pipelines=tuple(read_pipeline(p) for p in doc.objects("pipelines")),
        estimates=tuple(read_estimate(e) for e in doc.objects("estimates")),
        makespan_s=summary.integer("makespan_s"),
        lower_bound_s=summary.integer("lower_bound_s"),
        spread_s=summary.integer("spread_s"),
        category_splits=summary.integer("category_splits"),
        status=read_status(solver),
        deterministic_time=solver.number("deterministic_time_s"),
        k_results=tuple(read_k_result(k) for k in solver.objects("k_sweep", [])),
        inputs=inputs,
        warnings=doc.texts("warnings", ()),
        moves=tuple(read_move(m) for m in doc.objects("moves", [])),
        tool=doc.text("tool", ""),
        tables=tuple(read_table(t) for t in doc.objects("tables", [])),
        deployment_id=doc.text("deployment_id", "")
        or deployment_id(settings.name, str(dict(inputs).get("tables", ""))),
    )


def tables_digest(tables: Sequence[Table]) -> str:
    """A checksum of the tables a plan embeds: what render and rebalance use instead of
    tables.csv. A plan whose tables were edited after `solve` no longer matches it."""
    text = json.dumps([_table_to_dict(t) for t in tables], sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_problem(plan: Plan) -> str | None:
    """What makes a plan (a file anyone can edit) unusable, or None: a name or key that could
    not name a bundle, a pipeline or a file (`balancer.names`: plain names), table names the
    connector or Unity Catalog cannot hold or cannot tell apart, pipelines or tables twice,
    tables in no pipeline or in none of the plan's tables."""
    problem = plain_name_problem(plan.settings.name, dots=False)
    if problem:
        return (
            f"the plan's name (settings.name) {shown(str(plan.settings.name))} {problem} "
            "(it names the bundle, its workspace folder and the rebalancing job)"
        )
    keys = [p.key for p in plan.pipelines]
    for key in keys:
        problem = plain_name_problem(key, dots=False)
        if problem:
            return f"pipeline key {shown(str(key))} {problem} (it names files and bundle keys)"
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        return f"pipeline key {twice[0]!r} is used by two pipelines"
    names = [uc_key(p.name) for p in plan.pipelines if isinstance(p.name, str)]
    same = sorted({n for n in names if names.count(n) > 1})
    if same:  # deploy finds a pipeline by its name: two of one name would be one
        return f"two pipelines are named {shown(same[0])} (deploy finds pipelines by name)"
    for p in plan.pipelines:
        if not isinstance(p.name, str) or not p.name.isprintable() or len(p.name) > 200:
            return f"pipeline {p.key}'s name {p.name!r} holds control characters or is too long"
        if "${" in p.name:
            return (
                f"pipeline {p.key}'s name {shown(p.name)} holds '${{', which a bundle reads as "
                "a reference"
            )
        if not all(isinstance(t, str) for t in p.tables):
            return f"pipeline {p.key} lists something that is not a table name"
    for t in plan.tables:
        named = table_name_problem(t)
        if named:
            return named.problem.rstrip(".")
    names = [t.source_table for t in plan.tables]
    if len(set(names)) != len(names):
        return f"table {sorted({n for n in names if names.count(n) > 1})[0]!r} is listed twice"
    pair = table_collision(plan.tables, lambda t, column: Location(column=column))
    if pair:
        return collision_text(pair).rstrip(".")
    placed = [t for p in plan.pipelines for t in p.tables]
    if len(set(placed)) != len(placed):
        return (
            f"table {sorted({t for t in placed if placed.count(t) > 1})[0]!r} is in two pipelines"
        )
    if plan.tables:
        unknown = sorted(set(placed) - set(names))
        if unknown:
            return f"pipelines hold {unknown[0]!r}, which is not among the plan's tables"
        missing = sorted(set(names) - set(placed))
        if missing:
            return f"table {missing[0]!r} is in no pipeline"
    return None


def parse_plan_file(path: str | Path) -> Plan:
    """plan.json, read through the one reader of files and of JSON (bounded size and depth)
    and field by field; not yet checked against its rules: commands read plans with
    `balancer.io.plan_check.read_plan`, which does both."""
    data = read_bytes(path, "plan")
    return plan_from_dict(load_json(data, Location(str(path)), what="plan"), str(path))


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write plan.json atomically."""
    write_file(path, dumps(plan))
