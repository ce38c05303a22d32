"""A rebalance proposal: what it found, what it says (its summary) and the files it is
written as (plan.json, diff.md, and with the tables' location the runbook and moves.sql).
Pure."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from balancer.model import PipelinePlan, Plan
from balancer.plan_metrics import plan_metrics
from balancer.planning.runbook import Move
from balancer.units import format_duration


@dataclass(frozen=True)
class Proposal:
    """What rebalancing found. `plan` is the new plan when `acted`, else the re-costed current."""

    acted: bool
    reason: str
    current_makespan_s: int
    best_makespan_s: int
    new_makespan_s: int
    plan: Plan
    moves: tuple[Move, ...]
    fresh_moves: int
    status: str
    current_pipelines: tuple[PipelinePlan, ...] = ()  # the plan in use, re-costed (its starts)


def summary_text(proposal: Proposal) -> str:
    before = plan_metrics(dataclasses.replace(proposal.plan, pipelines=proposal.current_pipelines))
    after = plan_metrics(proposal.plan)
    return (
        f"{proposal.reason}.\n\nmakespan before {format_duration(proposal.current_makespan_s)}, "
        f"after {format_duration(proposal.new_makespan_s)}, best achievable "
        f"{format_duration(proposal.best_makespan_s)}; "
        f"{len(proposal.moves)} move(s) ({proposal.status}); a fresh solve would move "
        f"{proposal.fresh_moves}.\n"
        f"compute a day before {format_duration(before.compute_s_per_day)}, after "
        f"{format_duration(after.compute_s_per_day)}; pipelines over their schedule before: "
        f"{', '.join(before.misfits) or 'none'}, after: {', '.join(after.misfits) or 'none'}."
        + _start_changes(proposal)
    )


def _start_changes(proposal: Proposal) -> str:
    """The start offsets the proposal changes (staggering follows the new costs and cap)."""
    before = {p.key: p.start_offset_min for p in proposal.current_pipelines}
    changed = [
        f"{p.key} +{before[p.key]} -> +{p.start_offset_min} min"
        for p in proposal.plan.pipelines
        if p.key in before and before[p.key] != p.start_offset_min
    ]
    if not changed:
        return ""
    return (
        f"\nstart offsets change (--max-concurrent-pipelines "
        f"{proposal.plan.settings.max_concurrent_pipelines}; render and deploy to apply): "
        + ", ".join(changed)
        + "."
    )


DEPLOY_COMMAND = (
    "balancer render plan.json -o DIR <the options you rendered it with> && "
    "balancer deploy DIR --warehouse-id ID"
)


def proposal_files(
    proposal: Proposal,
    current: Plan,
    where: tuple[str, str] | None,
    ids: Mapping[str, str],
    deploy_command: str = DEPLOY_COMMAND,
) -> dict[str, str]:
    """plan.json, diff.md, runbook.md and moves.sql of a proposal (pure). `where` is the
    catalog and schema of the deployed tables (those without their own): without it there is
    no runbook and no SQL (they would have to guess where the tables are)."""
    from balancer.io.planio import dumps
    from balancer.planning.runbook import migration_of, runbook, sql_script
    from balancer.quoting import md_code

    catalog, schema = where or ("", "")
    diff = ["| table | from | to | its runtime |", "|---|---|---|---|"]
    diff += [
        f"| {md_code(m.table)} | {m.source} | {m.destination} | {format_duration(m.cost_s)} |"
        for m in proposal.moves
    ]
    summary = summary_text(proposal)
    files = {
        "plan.json": dumps(proposal.plan),
        "diff.md": "# Rebalance proposal\n\n" + summary + "\n\n" + "\n".join(diff) + "\n",
    }
    if where is None:
        return files
    migration = migration_of(current, proposal.plan, catalog, schema, ids)
    files["runbook.md"] = runbook(migration, ids, deploy_command)
    files["moves.sql"] = sql_script(migration, ids)
    return files
