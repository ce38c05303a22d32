"""`balancer solve`: balance the tables and write plan.json."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, cast

import click

from balancer.cli.common import (
    SEED,
    TABLE_CAP,
    Finite,
    NullStatus,
    console,
    handle_errors,
    parse_pipelines,
    schedule_overrides,
    tables_beside_history,
    time_limit_option,
)
from balancer.engine.reporter import Reporter
from balancer.errors import InputError, SolverError
from balancer.model import (
    DEFAULT_MAX_TABLES,
    GROUP_BY_MODES,
    Catalog,
    GroupBy,
    History,
    Plan,
    Settings,
)
from balancer.units import format_duration


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


def print_plan(plan: Plan, out: Any) -> None:
    from rich.table import Table as RichTable

    table = RichTable(title=f"{len(plan.pipelines)} pipelines", title_justify="left")
    table.add_column("pipeline", no_wrap=True)
    table.add_column("group", no_wrap=True)
    table.add_column("schedule", no_wrap=True)
    table.add_column("tables", justify="right")
    table.add_column("runtime", justify="right", no_wrap=True)
    table.add_column("of makespan", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for p in plan.pipelines:
        share = p.runtime_s / plan.makespan_s if plan.makespan_s else 0.0
        table.add_row(
            p.key,
            p.group,
            p.schedule,
            str(len(p.tables)),
            format_duration(p.runtime_s),
            f"{share * 100:.1f}%",
            "█" * round(share * 12),
        )
    out.print(table)
    sources: dict[str, int] = {}
    for e in plan.estimates:
        sources[e.source] = sources.get(e.source, 0) + 1
    out.print(
        f"makespan {format_duration(plan.makespan_s)} ({plan.makespan_s} s)   lower bound {plan.lower_bound_s} s   "
        f"gap {plan.gap * 100:.2f}%   spread {plan.spread_s} s   category splits {plan.category_splits}   "
        f"status {plan.status}"
    )
    out.print("costs from " + ", ".join(f"{v} {k}" for k, v in sorted(sources.items())))
    if len(plan.k_results) > 1:
        out.print(
            "by pipeline count: "
            + "  ".join(
                f"K={k.k}: {format_duration(k.makespan_s)}"
                if k.status != "INFEASIBLE"
                else f"K={k.k}: -"
                for k in plan.k_results
            )
        )


def warm_up_solver() -> None:
    """Import OR-Tools (0.5 s, most of it pandas) in the background while inputs are read."""
    import importlib
    import threading

    def load() -> None:
        try:
            importlib.import_module("ortools.sat.python.cp_model")
        except Exception:  # the solver will import it again and report any real problem
            return

    threading.Thread(target=load, daemon=True).start()


@click.command()
@click.option(
    "--tables",
    "tables_path",
    type=click.Path(dir_okay=False),
    help="tables.csv (default: tables.csv beside --history).",
)
@click.option(
    "--history",
    "history_path",
    type=click.Path(dir_okay=False),
    help="runs.csv or Parquet run history.",
)
@click.option("--pipelines", default="3..8", show_default=True, help="K, or a range MIN..MAX.")
@click.option(
    "--group-by", type=click.Choice(GROUP_BY_MODES), default="ingestion_type", show_default=True
)
@click.option(
    "--max-tables-per-pipeline",
    type=TABLE_CAP,
    default=DEFAULT_MAX_TABLES,
    show_default=True,
    help="At most this many tables in one pipeline (1 to 1000, the platform's limit).",
)
@click.option(
    "--allow-mixed-schedules",
    is_flag=True,
    help="Let one pipeline hold tables of several schedules.",
)
@click.option(
    "--sla-headroom",
    type=Finite(0, 100, open_low=True),
    default=None,
    help="Runtime must stay within schedule interval x this (e.g. 0.8).",
)
@click.option(
    "--overhead",
    "overhead_s",
    type=click.IntRange(0, 86_400),
    default=60,
    show_default=True,
    help="Pipeline start-up seconds.",
)
@click.option(
    "--concurrency",
    default="1",
    show_default=True,
    help="Flows run at once, or 'auto' (from history).",
)
@click.option(
    "--k-tolerance",
    type=Finite(0, 10),
    default=0.05,
    show_default=True,
    help="With a range, the smallest K within this of the best makespan.",
)
@time_limit_option(10.0, "Solver budget")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Solver random seed.")
@click.option(
    "--name", default=None, help="Prefix of pipeline keys (default: the tables file's folder)."
)
@click.option("--schedule-snapshot", default=None, help="Default cron for snapshot tables.")
@click.option("--schedule-append", default=None, help="Default cron for append tables.")
@click.option(
    "--schedule-cdc", default=None, help="Default cron for cdc and cdc_with_deletes tables."
)
@click.option(
    "--output", "-o", default="plan.json", show_default=True, type=click.Path(dir_okay=False)
)
@click.option(
    "--current",
    "current_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="The plan in use: its pipeline keys are kept.",
)
@click.option("--quiet", "-q", is_flag=True)
@handle_errors
def solve(
    tables_path: str | None,
    history_path: str | None,
    pipelines: str,
    group_by: str,
    max_tables_per_pipeline: int,
    allow_mixed_schedules: bool,
    sla_headroom: float | None,
    overhead_s: int,
    concurrency: str,
    k_tolerance: float,
    time_limit_s: float,
    seed: int,
    name: str | None,
    schedule_snapshot: str | None,
    schedule_append: str | None,
    schedule_cdc: str | None,
    output: str,
    current_path: str | None,
    quiet: bool,
) -> None:
    """Balance the tables and write plan.json."""
    warm_up_solver()
    from rich.console import Console

    from balancer.io.atomic import write_file
    from balancer.io.planio import dumps
    from balancer.planning.planner import make_plan

    err = Console(stderr=True)
    out = console()
    if tables_path is None:
        tables_path = tables_beside_history(history_path)
        if not quiet:
            err.print(f"using {tables_path} (beside --history)")
    overrides = schedule_overrides(schedule_snapshot, schedule_append, schedule_cdc)
    lo, hi, explicit = parse_pipelines(pipelines)
    flows, calibrate = _concurrency(concurrency, history_path)
    name = _plan_name(name, tables_path)
    settings = Settings(
        pipelines_min=lo,
        pipelines_max=hi,
        group_by=cast(GroupBy, group_by),
        max_tables_per_pipeline=max_tables_per_pipeline,
        allow_mixed_schedules=allow_mixed_schedules,
        sla_headroom=sla_headroom,
        time_limit_s=time_limit_s,
        k_tolerance=k_tolerance,
        overhead_s=overhead_s,
        concurrency=flows,
        concurrency_calibrated=calibrate,
        seed=seed,
        name=name,
    )
    catalog, history, current = _inputs(tables_path, overrides, history_path, current_path)
    started = time.perf_counter()
    with (
        err.status("solving...", spinner="dots")
        if err.is_terminal and not quiet
        else NullStatus() as status
    ):
        try:
            plan = make_plan(catalog, history, settings, _CliReporter(status), explicit, current)
        except SolverError as exc:
            if exc.best_plan is not None:
                write_file(output, dumps(exc.best_plan))
                err.print(f"best plan found written to {output}")
            raise
    wall = time.perf_counter() - started
    write_file(output, dumps(plan))
    if not quiet:
        for w in plan.warnings:
            err.print(f"[yellow]warning:[/yellow] {w}", highlight=False)
        print_plan(plan, out)
        out.print(f"solved in {wall:.2f} s; plan written to {output}")


def _concurrency(text: str, history_path: str | None) -> tuple[int, bool]:
    """--concurrency as (flows at once, calibrate from history)."""
    value = str(text).strip().lower()
    if value == "auto":
        if not history_path:
            raise InputError("--concurrency auto needs --history to calibrate from.")
        return 1, True
    if not (value.isdigit() and int(value) >= 1):
        raise InputError(f"--concurrency '{text}' must be a whole number >= 1 or 'auto'.")
    return int(value), False


def _inputs(
    tables_path: str, overrides: dict[str, str], history_path: str | None, current_path: str | None
) -> tuple[Catalog, History | None, Plan | None]:
    """tables.csv, the run history and the plan in use, read and checked."""
    from balancer.io import read_history, read_tables
    from balancer.io.planio import read_plan

    catalog = read_tables(tables_path, overrides)
    history = read_history(history_path) if history_path else None
    current = read_plan(current_path) if current_path else None
    return catalog, history, current


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
    folder = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(tables_path).resolve().parent.name)
    return folder.strip("_-")[:40] or "lakeflow"
