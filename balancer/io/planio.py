"""plan.json, format 1: to text and back. Same plan, same bytes.

Wall-clock solve time is deliberately not stored (it would break byte-identical plans);
`solver.deterministic_time_s` is CP-SAT's deterministic work measure instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from balancer.errors import InputError, Location
from balancer.io.atomic import write_file
from balancer.io.guard import note_input
from balancer.model import (
    CostEstimate,
    KResult,
    PipelinePlan,
    Plan,
    Settings,
    Table,
    deployment_id,
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
            dataclasses.asdict(p)
            | {"schedule_fit": _fit_dict(per_pipeline[p.key]), "tables": list(p.tables)}
            for p in plan.pipelines
        ],
        "estimates": [dataclasses.asdict(e) for e in plan.estimates],
        "moves": [{"table": t, "from": a, "to": b} for t, a, b in plan.moves],
        "tables": [_table_to_dict(t) for t in plan.tables],
        "tables_digest": tables_digest(plan.tables),
        "warnings": list(plan.warnings),
    }


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
    }


def _table_from_dict(d: dict[str, Any]) -> Table:
    return Table(
        source_table=d["source_table"],
        destination_table=d.get("destination_table") or d["source_table"],
        category=d.get("category", ""),
        ingestion_type=d.get("ingestion_type", "unknown"),
        schedule=d.get("schedule", "0 0 * * *"),
        weight=d.get("weight"),
        primary_keys=tuple(d.get("primary_keys", ())),
        cursor_field=d.get("cursor_field", ""),
        table_configuration=tuple(d.get("table_configuration", {}).items()),
        scd_type=d.get("scd_type", ""),
        sequence_by=tuple(d.get("sequence_by", ())),
        cluster_by=tuple(d.get("cluster_by", ())),
        pin=d.get("pin"),
        together=d.get("together"),
        apart=tuple(d.get("apart", ())),
        extra=tuple(d.get("extra", {}).items()),
    )


def dumps(plan: Plan) -> str:
    return json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n"


def plan_from_dict(data: dict[str, Any], path: str = "") -> Plan:
    where = Location(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise InputError(
            f"not a plan of format {FORMAT} (format is {found!r}).",
            fix="produce it with `balancer solve`.",
            where=where,
        )
    try:
        plan = _plan(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"the plan is missing or has a malformed field: {exc}.",
            fix="regenerate it with `balancer solve`.",
            where=where,
        ) from exc
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


def _plan(data: dict[str, Any]) -> Plan:
    settings = Settings(**data["settings"])
    pipelines = tuple(
        PipelinePlan(
            **({k: v for k, v in p.items() if k != "schedule_fit"} | {"tables": tuple(p["tables"])})
        )
        for p in data["pipelines"]
    )
    estimates = tuple(CostEstimate(**e) for e in data["estimates"])
    summary, solver = data["summary"], data["solver"]
    return Plan(
        settings=settings,
        pipelines=pipelines,
        estimates=estimates,
        makespan_s=summary["makespan_s"],
        lower_bound_s=summary["lower_bound_s"],
        spread_s=summary["spread_s"],
        category_splits=summary["category_splits"],
        status=solver["status"],
        deterministic_time=solver["deterministic_time_s"],
        k_results=tuple(KResult(**k) for k in solver.get("k_sweep", [])),
        inputs=tuple(data.get("inputs", {}).items()),
        warnings=tuple(data.get("warnings", [])),
        moves=tuple((m["table"], m["from"], m["to"]) for m in data.get("moves", [])),
        tool=data.get("tool", ""),
        tables=tuple(_table_from_dict(t) for t in data.get("tables", [])),
        deployment_id=str(
            data.get("deployment_id")
            or deployment_id(settings.name, str(data.get("inputs", {}).get("tables", "")))
        ),
    )


def tables_digest(tables: Sequence[Table]) -> str:
    """A checksum of the tables a plan embeds: what render and rebalance use instead of
    tables.csv. A plan whose tables were edited after `solve` no longer matches it."""
    text = json.dumps([_table_to_dict(t) for t in tables], sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$")


def plan_problem(plan: Plan) -> str | None:
    """What makes a plan (a file anyone can edit) unusable, or None: keys that could not name
    a pipeline or a file, names with control characters, pipelines or tables twice, tables
    in no pipeline or in none of the plan's tables."""
    keys = [p.key for p in plan.pipelines]
    for key in keys:
        if not isinstance(key, str) or not KEY.fullmatch(key):
            return (
                f"pipeline key {key!r} is not a name of letters, digits, '_' and '-' "
                "(at most 100, not starting with '-')"
            )
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        return f"pipeline key {twice[0]!r} is used by two pipelines"
    for p in plan.pipelines:
        if not isinstance(p.name, str) or not p.name.isprintable() or len(p.name) > 200:
            return f"pipeline {p.key}'s name {p.name!r} holds control characters or is too long"
        if not all(isinstance(t, str) for t in p.tables):
            return f"pipeline {p.key} lists something that is not a table name"
    for t in plan.tables:
        for name in (t.source_table, t.destination_table):
            if not isinstance(name, str) or not name.isprintable():
                return f"table name {name!r} holds control characters"
    names = [t.source_table for t in plan.tables]
    if len(set(names)) != len(names):
        return f"table {sorted({n for n in names if names.count(n) > 1})[0]!r} is listed twice"
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


def read_plan(path: str | Path) -> Plan:
    p = Path(path)
    note_input(p)
    try:
        data = json.loads(p.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise InputError("plan file not found.", where=Location(str(p))) from None
    except IsADirectoryError:
        raise InputError("the plan path is a folder, not a file.", where=Location(str(p))) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the plan is not UTF-8 text (byte {exc.start}).",
            fix="write plan.json as UTF-8, or regenerate it with `balancer solve`.",
            where=Location(str(p)),
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"the plan is not valid JSON: {exc.msg}.", where=Location(str(p), exc.lineno)
        ) from None
    return plan_from_dict(data, str(p))


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write plan.json atomically."""
    write_file(path, dumps(plan))
