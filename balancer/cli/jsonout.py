"""The JSON documents of `--json` (solve, whatif, rebalance, deploy): one object per run on
stdout, for scripts and CI. The schema is in README ("Output for scripts"); every document
has `schema_version` (SCHEMA_VERSION: raised when a field changes meaning or goes, not when
one is added) and `command`. Figures are the printed table's, in seconds and counts rather
than durations: each comes from `balancer.plan_metrics`, as the table's and plan.json's do.
Pure: the commands print what these return.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from balancer.analysis.defaults import default_schedules
from balancer.costs import assumed_tables, status_text
from balancer.model import Plan
from balancer.plan_metrics import PlanMetrics, plan_metrics

if TYPE_CHECKING:
    from balancer.databricks.deploy import DeployReport
    from balancer.planning.rebalance import Proposal

SCHEMA_VERSION = 1


def plan_figures(plan: Plan, metrics: PlanMetrics | None = None) -> dict[str, Any]:
    """A plan's totals and one entry per pipeline: the figures of its printed table."""
    m = metrics or plan_metrics(plan)
    defaults = default_schedules(plan)
    return {
        "pipelines_count": len(plan.pipelines),
        "tables_count": sum(len(p.tables) for p in plan.pipelines),
        "status": plan.status,
        "status_text": status_text(plan.status, plan.estimates),
        "assumed_cost_tables": list(assumed_tables(plan.estimates)),
        "makespan_s": plan.makespan_s,
        "lower_bound_s": plan.lower_bound_s,
        "gap": round(plan.gap, 6),
        "runs_per_day": m.runs_per_day,
        "compute_s_per_day": m.compute_s_per_day,
        "cost_per_day": m.cost_per_day,
        "worst_data_age_s": m.worst_age_intraday_s,
        "batch_window_s": m.batch_window_s,
        "pipelines_over_schedule": list(m.misfits),
        "pipelines": [
            {
                "key": pm.key,
                "schedule": pm.schedule,
                "start_offset_min": p.start_offset_min,
                "tables": len(p.tables),
                "p50_runtime_s": pm.p50_runtime_s,
                "p90_runtime_s": pm.p90_runtime_s,
                "allowed_p90_runtime_s": pm.cap_s,
                "utilisation": pm.utilisation,
                "runs_per_day": pm.runs_per_day,
                "skips_runs": pm.skips,
                "compute_s_per_day": pm.compute_s_per_day,
                "worst_data_age_s": pm.worst_age_s,
                "cost_per_day": pm.cost_per_day,
                "default_schedule": pm.key in defaults.pipelines,
            }
            for pm, p in zip(m.pipelines, plan.pipelines, strict=True)
        ],
        "default_schedules": {
            "tables": [
                {"ingestion_type": i, "schedule": c, "tables": n} for i, c, n in defaults.tables
            ],
            "pipelines": list(defaults.pipelines),
            "runs_per_day": defaults.runs_per_day,
            "compute_s_per_day": defaults.compute_s_per_day,
        },
        "warnings": list(plan.warnings),
    }


def solve_document(plan: Plan, plan_file: str) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "solve",
        "plan_file": plan_file,
        "moves": [{"table": t, "from": a, "to": b} for t, a, b in plan.moves],
    } | plan_figures(plan)


def rebalance_document(
    proposal: Proposal, output_dir: str, exit_code: int, applied: bool
) -> dict[str, Any]:
    import dataclasses

    before = dataclasses.replace(proposal.plan, pipelines=proposal.current_pipelines)
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "rebalance",
        "action_needed": proposal.acted,
        "exit_code": exit_code,
        "reason": proposal.reason,
        "status": proposal.status,
        "makespan_before_s": proposal.current_makespan_s,
        "makespan_after_s": proposal.new_makespan_s,
        "best_makespan_s": proposal.best_makespan_s,
        "moves": [
            {"table": m.table, "from": m.source, "to": m.destination, "cost_s": m.cost_s}
            for m in proposal.moves
        ],
        "fresh_solve_moves": proposal.fresh_moves,
        "output_dir": output_dir,
        "applied": applied,
        "before": plan_figures(before),
        "after": plan_figures(proposal.plan),
    }


def whatif_document(
    plans: Mapping[str, Plan], refused: Mapping[str, str], reference: str
) -> dict[str, Any]:
    """Every plan of a what-if (the first is what solve answers) and the ones that do not fit."""
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "whatif",
        "reference": reference,
        "plans": [{"name": name} | plan_figures(plan) for name, plan in plans.items()],
        "refused": [{"name": name, "reason": why} for name, why in refused.items()],
    }


def pipeline_url(host: str, pipeline_id: str) -> str:
    """The workspace page of a pipeline."""
    return f"{host.rstrip('/')}/pipelines/{pipeline_id}"


def deploy_document(
    report: DeployReport, target: str, dry_run: bool, urls: Mapping[str, str], done: Sequence[str]
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "deploy",
        "target": target,
        "dry_run": dry_run,
        "where": report.where,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "deleted": report.deleted,
        "handed_over": report.handed_over,
        "steps": list(done),
        "pipelines": [
            {"key": key, "id": pid, "url": urls.get(key)}
            for key, pid in sorted(report.pipeline_ids.items())
        ],
    }
