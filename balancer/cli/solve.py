"""`balancer solve`: balance the tables and write plan.json."""

from __future__ import annotations

import dataclasses
import re
import time
from typing import Any

import click

from balancer.analysis.defaults import default_schedules, default_schedules_line
from balancer.analysis.plan_table import print_plan
from balancer.cli.common import (
    COUNT,
    TABLE_CAP,
    NullStatus,
    console,
    emit_json,
    handle_errors,
    json_option,
    parse_pipelines,
    schedule_overrides,
    tables_beside_history,
    time_limit_option,
)
from balancer.cli.planning_options import planning_options, settings_from
from balancer.engine.reporter import Reporter
from balancer.errors import InputError, SolverError
from balancer.model import Catalog, History, Plan, Settings
from balancer.names import folder_key
from balancer.terminal import clean, is_quiet


class _CliReporter(Reporter):
    def __init__(self, status: Any) -> None:
        self.status = status

    def k_done(self, k: int, makespan: int, lower_bound: int) -> None:
        if self.status is not None:
            self.status.update(
                f"solving: K={k} done (makespan load {makespan}, bound {lower_bound})"
            )

    def stage_done(self, stage: str, pool: str, status: str) -> None:
        if self.status is not None:
            self.status.update(f"solving: {stage} stage of {pool.split('@')[0]}: {status}")


@click.command()
@click.option(
    "--tables",
    "tables_path",
    type=click.Path(dir_okay=False),
    help="tables.csv (default: tables.csv beside --history); its weight column is a table's "
    "cost in seconds a run, used for tables the history has no runs of.",
)
@click.option(
    "--history",
    "history_path",
    type=click.Path(dir_okay=False),
    help="runs.csv or Parquet run history.",
)
@click.option(
    "--pipelines",
    default="3..8",
    show_default=True,
    help="How many pipelines: K, or a range MIN..MAX from which the objective picks.",
)
@planning_options
@click.option(
    "--max-tables-per-pipeline",
    type=TABLE_CAP,
    default=Settings.max_tables_per_pipeline,
    show_default=True,
    help="At most this many tables in one pipeline (1 to 1000, the platform's limit).",
)
@click.option(
    "--allow-mixed-schedules",
    is_flag=True,
    help="Let one pipeline hold tables of several schedules (it runs on the most common).",
)
@time_limit_option(Settings.time_limit_s, "Solver budget")
@click.option(
    "--name",
    default=None,
    help="Prefix of pipeline keys (default: the tables file's name, or its folder's for tables.csv).",
)
@click.option(
    "--schedule-snapshot",
    default=None,
    help="Cron for snapshot tables without their own schedule (default daily).",
)
@click.option(
    "--schedule-append",
    default=None,
    help="Cron for append tables without their own schedule (default every 15 min); "
    "their costs scale with the interval.",
)
@click.option(
    "--schedule-cdc",
    default=None,
    help="Cron for cdc tables without their own schedule (default every 5 min); their costs "
    "scale with the interval.",
)
@click.option(
    "--output",
    "-o",
    default="plan.json",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the plan.",
)
@click.option(
    "--current",
    "current_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="The plan in use: its pipeline keys are kept and the moves from it are reported "
    "(to move as few tables as possible, use `balancer rebalance`).",
)
@click.option(
    "--max-moves",
    type=COUNT,
    default=None,
    help="With --current: keep its pipelines and move at most this many tables, getting as "
    "close to the best plan as that allows (the rebalance model).",
)
@json_option("the plan's figures (those of the table)")
@handle_errors
def solve(
    tables_path: str | None,
    history_path: str | None,
    pipelines: str,
    max_tables_per_pipeline: int,
    allow_mixed_schedules: bool,
    time_limit_s: float,
    name: str | None,
    schedule_snapshot: str | None,
    schedule_append: str | None,
    schedule_cdc: str | None,
    output: str,
    current_path: str | None,
    max_moves: int | None,
    as_json: bool,
    **planning: Any,
) -> None:
    """Balance the tables and write plan.json."""
    from balancer.io.atomic import check_file, write_file
    from balancer.io.planio import dumps
    from balancer.planning.planner import make_plan

    err, out = console(None, stderr=True), console(stderr=as_json)
    if tables_path is None:
        tables_path = tables_beside_history(history_path)
        err.print(f"using {tables_path} (beside --history)")
    overrides = schedule_overrides(schedule_snapshot, schedule_append, schedule_cdc)
    lo, hi, explicit = parse_pipelines(pipelines)
    settings = settings_from(
        planning,
        history_path,
        pipelines_min=lo,
        pipelines_max=hi,
        max_tables_per_pipeline=max_tables_per_pipeline,
        allow_mixed_schedules=allow_mixed_schedules,
        time_limit_s=time_limit_s,
        name=_plan_name(name, tables_path),
    )
    catalog, history, current, recorded = _inputs(
        tables_path, overrides, history_path, current_path
    )
    check_file(output)  # not an input, a link or a device: said before solving
    if max_moves is not None and current is None:
        raise InputError("--max-moves limits the moves from a plan in use: give --current too.")
    started = time.perf_counter()
    with (
        err.status("solving...", spinner="dots")
        if err.is_terminal and not is_quiet()
        else NullStatus() as status
    ):
        try:
            plan = make_plan(
                catalog,
                history,
                settings,
                _CliReporter(status),
                explicit,
                current,
                recorded_schedules=recorded,
                clock=time.monotonic,
            )
            if max_moves is not None and current is not None and len(plan.moves) > max_moves:
                from balancer.planning.rebalance import limit_moves

                # the settings as planned (concurrency calibrated from the history)
                plan = limit_moves(current, catalog, history, plan.settings, max_moves).plan
        except SolverError as exc:
            if exc.best_plan is not None:
                write_file(output, dumps(exc.best_plan))
                err.print(f"best plan found written to {output}")
            raise
    wall = time.perf_counter() - started
    write_file(output, dumps(plan))
    _report(plan, current, current_path, err, out)
    out.print(f"solved in {wall:.2f} s; plan written to {output}")
    if as_json:
        from balancer.cli.jsonout import solve_document

        emit_json(solve_document(plan, output))


def _report(plan: Plan, current: Plan | None, current_path: str | None, err: Any, out: Any) -> None:
    """Warnings, the plan's table and figures, and the moves from the plan in use."""
    for w in plan.warnings:
        err.print(clean(f"warning: {w}", one_line=True), style="yellow", highlight=False)
    print_plan(plan, out)
    defaults = default_schedules_line(default_schedules(plan))
    if defaults:
        err.print(clean(f"note: {defaults}", one_line=True), style="yellow", highlight=False)
    if current is not None:
        out.print(
            f"{len(plan.moves)} of {len(current.pipeline_of())} tables move from the plan in "
            f"use ({current_path}); to move as few as possible, use --max-moves or `balancer "
            f"rebalance --plan {current_path} --history ...`",
            highlight=False,
        )


def _inputs(
    tables_path: str, overrides: dict[str, str], history_path: str | None, current_path: str | None
) -> tuple[Catalog, History | None, Plan | None, dict[str, str]]:
    """tables.csv, the run history and the plan in use, read and checked, and the schedule
    each table had before the --schedule-* options changed it."""
    from balancer.io import read_history, read_tables
    from balancer.io.plan_check import read_plan

    catalog = read_tables(tables_path, overrides)
    if overrides:  # a --schedule-* option chose the schedule of its type's tables
        chosen = [
            dataclasses.replace(t, schedule_is_default=False)
            if t.ingestion_type in overrides
            else t
            for t in catalog.tables
        ]
        catalog = dataclasses.replace(catalog, tables=tuple(chosen))
    recorded: dict[str, str] = {}
    if overrides:
        before = read_tables(tables_path).by_name()
        recorded = {t.source_table: before[t.source_table].schedule for t in catalog.tables}
    history = read_history(history_path) if history_path else None
    current = read_plan(current_path) if current_path else None
    return catalog, history, current, recorded


NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,39}$")


def _plan_name(name: str | None, tables_path: str) -> str:
    """--name, checked (it starts every pipeline key), or the tables folder's name made one."""
    if name is not None:
        if not NAME.fullmatch(name):
            raise InputError(
                f"--name {name!r} cannot start pipeline keys: use up to 40 letters, digits, "
                "'_' and '-'.",
                fix="pass e.g. --name osipi.",
            )
        return name
    return folder_key(tables_path)
