"""`balancer rebalance`: the fewest moves back to balance, as a proposal."""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from balancer.cli.common import (
    COUNT,
    EXIT_ACTION_NEEDED,
    Finite,
    SettingValue,
    console,
    emit_json,
    handle_errors,
    json_object,
    json_option,
    time_limit_option,
    with_options,
)
from balancer.cli.deployed import DEPLOYMENT_OPTIONS, deployed
from balancer.errors import InputError
from balancer.model import Plan
from balancer.planning.rebalance import RebalanceOptions
from balancer.units import format_duration

if TYPE_CHECKING:
    from balancer.planning.rebalance import Proposal


@click.command()
@click.option(
    "--plan", "plan_path", required=True, type=click.Path(dir_okay=False), help="The plan in use."
)
@click.option("--history", "history_path", type=click.Path(dir_okay=False), help="New run history.")
@click.option(
    "--output-dir",
    "-o",
    default="rebalance-proposal",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where the proposal goes (plan, diff, runbook, SQL).",
)
@click.option(
    "--detect-threshold",
    type=Finite(0, 10),
    default=RebalanceOptions.detect_threshold,
    show_default=True,
    help="Act only when the makespan is this much above the best achievable.",
)
@click.option(
    "--target",
    type=Finite(0, 10),
    default=RebalanceOptions.target,
    show_default=True,
    help="Then get within this of the best, with the fewest moves.",
)
@click.option("--max-moves", type=COUNT, default=None, help="At most this many table moves.")
@click.option(
    "--max-moves-per-pipeline",
    type=COUNT,
    default=None,
    help="At most this many moves in or out of a pipeline.",
)
@click.option("--freeze", multiple=True, help="A pipeline key to leave untouched (repeatable).")
@click.option(
    "--max-concurrent-pipelines",
    type=SettingValue("max_concurrent_pipelines"),
    default=None,
    help="Pipelines of one schedule running at once, their starts staggered (default: the "
    "plan's; 0: no cap).",
)
@with_options(DEPLOYMENT_OPTIONS)
@click.option(
    "--pipeline-ids-json",
    default=None,
    help="JSON object of pipeline key -> pipeline id, for the SQL (--deployment knows them).",
)
@click.option(
    "--catalog", default=None, help="Catalog of tables without their own (--deployment knows it)."
)
@click.option(
    "--schema", default=None, help="Schema of tables without their own (--deployment knows it)."
)
@time_limit_option(
    RebalanceOptions.time_limit_s,
    "Budget of the fresh solve and of the moves model (each; also their wall time)",
)
@click.option(
    "--apply", is_flag=True, help="Also replace --plan with the new plan (default: proposal only)."
)
@click.option(
    "--exit-code",
    is_flag=True,
    help=f"Exit {EXIT_ACTION_NEEDED} when action is needed (moves proposed), 0 when the plan "
    "is fine (errors stay 2, 3, 4): for CI and schedulers.",
)
@json_option("the proposal (before and after figures, moves, exit status)")
@handle_errors
def rebalance(
    plan_path: str,
    history_path: str | None,
    output_dir: str,
    detect_threshold: float,
    target: float,
    max_moves: int | None,
    max_moves_per_pipeline: int | None,
    freeze: tuple[str, ...],
    max_concurrent_pipelines: int | None,
    deployment: str | None,
    deployment_target: str | None,
    pipeline_ids_json: str | None,
    catalog: str | None,
    schema: str | None,
    time_limit_s: float,
    apply: bool,
    exit_code: bool,
    as_json: bool,
) -> None:
    """Propose moving the fewest tables to get back to a balanced plan (dry run by default)."""

    from balancer.io import read_history
    from balancer.io.atomic import check_file, check_folder, write_file, write_tree
    from balancer.io.plan_check import read_plan
    from balancer.io.planio import dumps
    from balancer.planning.rebalance import proposal_files, summary_text
    from balancer.planning.rebalance import rebalance as propose

    current = read_plan(plan_path)
    history = read_history(history_path) if history_path else None
    ids, where, command = _located(
        current, plan_path, deployment, deployment_target, pipeline_ids_json, catalog, schema
    )
    check_folder(output_dir)  # the plan is never inside what this replaces (said before solving)
    if apply:
        check_file(plan_path, replaces_input=True)  # a plan.json that is a link is not written
    options = RebalanceOptions(
        detect_threshold=detect_threshold,
        target=target,
        max_moves=max_moves,
        max_moves_per_pipeline=max_moves_per_pipeline,
        freeze=tuple(freeze),
        time_limit_s=time_limit_s,
    )
    settings = current.settings
    if max_concurrent_pipelines is not None:
        settings = dataclasses.replace(settings, max_concurrent_pipelines=max_concurrent_pipelines)
    proposal = propose(current, history, options, settings, clock=time.monotonic)
    files: dict[str, str | bytes] = dict(proposal_files(proposal, current, where, ids, command))
    summary = summary_text(proposal)
    if proposal.acted:
        files["before_after.png"] = _chart(proposal)
    write_tree(output_dir, files)
    if apply and proposal.acted:
        write_file(plan_path, dumps(proposal.plan), replaces_input=True)  # what --apply means
    _print_proposal(proposal, summary, where is None, output_dir, plan_path, apply, as_json)
    status = EXIT_ACTION_NEEDED if exit_code and proposal.acted else 0
    if as_json:
        from balancer.cli.jsonout import rebalance_document

        emit_json(rebalance_document(proposal, output_dir, status, apply and proposal.acted))
    if status:
        click.get_current_context().exit(status)


def _print_proposal(
    proposal: Proposal,
    summary: str,
    no_location: bool,
    output_dir: str,
    plan_path: str,
    apply: bool,
    as_json: bool,
) -> None:
    """The proposal for people: its table, summary, why compute changes, the moves (stderr
    with --json)."""
    out = console(stderr=as_json)
    if proposal.acted:
        from balancer.analysis.plan_table import print_plan

        print_plan(proposal.plan, out)
    out.print(summary, highlight=False)
    from balancer.costs import assumed_costs_warning

    assumed = assumed_costs_warning(proposal.plan.estimates)
    if assumed:
        out.print(f"warning: {assumed}", style="yellow", highlight=False)
    change = _compute_change(proposal)
    if change:
        out.print(change, highlight=False)
    for m in proposal.moves[:50]:
        out.print(
            f"  {m.table}: {m.source} -> {m.destination} ({format_duration(m.cost_s)})",
            highlight=False,
        )
    if no_location and proposal.moves:
        out.print(
            "runbook.md and moves.sql not written: where the deployed tables live is not known "
            "(pass --deployment DIR, the render folder you deployed, or --catalog and --schema).",
            highlight=False,
        )
    out.print(
        f"proposal written to {output_dir}"
        + (
            " and applied to " + plan_path
            if apply and proposal.acted
            else " (nothing to apply: the plan is unchanged)"
            if apply
            else " (dry run: the plan is unchanged)"
        ),
        highlight=False,
    )


def _compute_change(proposal: Proposal) -> str:
    """Why compute a day differs before and after (skipped runs, start-ups)."""
    from balancer.analysis.compute_change import compute_change_line
    from balancer.plan_metrics import plan_metrics

    before = dataclasses.replace(proposal.plan, pipelines=proposal.current_pipelines)
    return compute_change_line(
        plan_metrics(before), plan_metrics(proposal.plan), proposal.plan.settings.overhead_s
    )


def _located(
    current: Plan,
    plan_path: str,
    deployment: str | None,
    deployment_target: str | None,
    pipeline_ids_json: str | None,
    catalog: str | None,
    schema: str | None,
) -> tuple[dict[str, str], tuple[str, str] | None, str]:
    """Pipeline ids, the catalog and schema of the tables, and the deploy command, from
    --deployment (the record deploy keeps) and the explicit options (which win)."""
    from balancer.planning.rebalance import DEPLOY_COMMAND

    found = deployed(deployment, deployment_target, current)
    ids = dict(found.pipeline_ids) if found else {}
    ids.update(_pipeline_ids(pipeline_ids_json, {p.key for p in current.pipelines}))
    if (catalog is None) != (schema is None):
        raise InputError("give --catalog and --schema together.", fix="pass both, or --deployment.")
    where = (catalog, schema) if catalog and schema else None
    if where is None and found is not None:
        where = (found.catalog, found.schema)
    command = DEPLOY_COMMAND
    if found is not None:
        command = (
            f"balancer render {plan_path} -o {found.folder} <the options you rendered it with> "
            f"&& balancer deploy {found.folder} --target {found.target} --warehouse-id ID"
        )
    return ids, where, command


def _chart(proposal: Proposal) -> bytes:
    import tempfile

    from balancer.analysis.charts import before_after

    before = dataclasses.replace(
        proposal.plan, pipelines=proposal.current_pipelines, makespan_s=proposal.current_makespan_s
    )
    with tempfile.TemporaryDirectory() as tmp:
        png = before_after(before, proposal.plan, Path(tmp) / "chart.png", ("current", "proposed"))
        return png.read_bytes()


PIPELINE_ID = re.compile(r"^[0-9a-fA-F][0-9a-fA-F-]{7,63}$")


def _pipeline_ids(text: str | None, keys: set[str]) -> dict[str, str]:
    """--pipeline-ids-json: plan keys to pipeline ids (UUIDs: they go into SQL and shell lines)."""
    ids = json_object(text, "--pipeline-ids-json", allow_file=True)
    for key, pid in sorted(ids.items()):
        if key not in keys:
            raise InputError(
                f"--pipeline-ids-json names '{key}', which is not a pipeline of the plan.",
                fix=f"use the plan's keys: {', '.join(sorted(keys)[:6])}.",
            )
        if not PIPELINE_ID.fullmatch(pid):
            raise InputError(
                f"--pipeline-ids-json gives '{key}' the id {pid!r}, which is not a pipeline id.",
                fix="copy the id (a UUID) from `databricks pipelines list-pipelines`.",
            )
    return ids
