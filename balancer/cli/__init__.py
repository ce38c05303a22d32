"""The `balancer` command. Maps the error hierarchy to exit codes: input 2, solver 3.

Only this module (and the readers it calls) touches files, the terminal and the clock.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import time
from pathlib import Path
from typing import Any

import click

from balancer.engine.reporter import Reporter
from balancer.errors import BalancerError, InputError, Location, SolverError
from balancer.io.csvout import csv_text
from balancer.model import DEFAULT_MAX_TABLES, GROUP_BY_MODES, Plan, Settings
from render.options import MODES

_RANGE = re.compile(r"^\s*(\d+)\s*(?:\.\.\s*(\d+))?\s*$")


def parse_pipelines(text: str) -> tuple[int, int, bool]:
    """'5' -> (5, 5, explicit); '3..8' -> (3, 8, not explicit)."""
    m = _RANGE.match(text)
    if not m:
        raise InputError(
            f"--pipelines '{text}' is neither a number nor a range MIN..MAX.",
            fix="write e.g. --pipelines 5 or --pipelines 3..8.",
        )
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) else lo
    if lo < 1 or hi < lo:
        raise InputError(
            f"--pipelines '{text}' is not a valid count or range.",
            fix="use a number >= 1, or MIN..MAX with MIN <= MAX.",
        )
    return lo, hi, m.group(2) is None


def _fmt(seconds: float) -> str:
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


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
            _fmt(p.runtime_s),
            f"{share * 100:.1f}%",
            "█" * round(share * 12),
        )
    out.print(table)
    sources: dict[str, int] = {}
    for e in plan.estimates:
        sources[e.source] = sources.get(e.source, 0) + 1
    out.print(
        f"makespan {_fmt(plan.makespan_s)} ({plan.makespan_s} s)   lower bound {plan.lower_bound_s} s   "
        f"gap {plan.gap * 100:.2f}%   spread {plan.spread_s} s   category splits {plan.category_splits}   "
        f"status {plan.status}"
    )
    out.print("costs from " + ", ".join(f"{v} {k}" for k, v in sorted(sources.items())))
    if len(plan.k_results) > 1:
        out.print(
            "by pipeline count: "
            + "  ".join(
                f"K={k.k}: {_fmt(k.makespan_s)}" if k.status != "INFEASIBLE" else f"K={k.k}: -"
                for k in plan.k_results
            )
        )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lakeflow-balancer")
def main() -> None:
    """Split a Lakeflow connector's tables over balanced pipelines."""


@main.command()
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
@click.option("--max-tables-per-pipeline", type=int, default=DEFAULT_MAX_TABLES, show_default=True)
@click.option(
    "--allow-mixed-schedules",
    is_flag=True,
    help="Let one pipeline hold tables of several schedules.",
)
@click.option(
    "--sla-headroom",
    type=float,
    default=None,
    help="Runtime must stay within schedule interval x this (e.g. 0.8).",
)
@click.option(
    "--overhead",
    "overhead_s",
    type=int,
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
    type=float,
    default=0.05,
    show_default=True,
    help="With a range, the smallest K within this of the best makespan.",
)
@click.option(
    "--time-limit",
    "time_limit_s",
    type=float,
    default=10.0,
    show_default=True,
    help="Solver budget (deterministic seconds).",
)
@click.option("--seed", type=int, default=0, show_default=True)
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
def solve(**kw: Any) -> None:
    """Balance the tables and write plan.json."""
    _run(_solve, kw)


def _warm_up_solver() -> None:
    """Import OR-Tools (0.5 s, most of it pandas) in the background while inputs are read."""
    import importlib
    import threading

    def load() -> None:
        try:
            importlib.import_module("ortools.sat.python.cp_model")
        except Exception:  # the solver will import it again and report any real problem
            return

    threading.Thread(target=load, daemon=True).start()


def _tables_beside_history(kw: dict[str, Any]) -> str:
    """tables.csv in the folder of --history, for commands given no --tables."""
    if kw["history_path"] is None:
        raise InputError(
            "give --tables (and optionally --history).",
            fix="e.g. --tables examples/osipi/tables.csv --history examples/osipi/runs.csv",
        )
    return str(Path(kw["history_path"]).with_name("tables.csv"))


def _solve(kw: dict[str, Any]) -> None:
    _warm_up_solver()
    from rich.console import Console

    from balancer.io import read_history, read_tables
    from balancer.io.atomic import write_file
    from balancer.io.planio import dumps
    from balancer.planning.planner import make_plan
    from balancer.schedules import cron_problem

    err = Console(stderr=True)
    out = Console(width=None if sys.stdout.isatty() else 140)
    tables_path = kw["tables_path"]
    if tables_path is None:
        tables_path = _tables_beside_history(kw)
        if not kw["quiet"]:
            err.print(f"using {tables_path} (beside --history)")
    overrides = {}
    for itype, opt in (
        ("snapshot", "schedule_snapshot"),
        ("append", "schedule_append"),
        ("cdc", "schedule_cdc"),
        ("cdc_with_deletes", "schedule_cdc"),
    ):
        if kw[opt]:
            problem = cron_problem(kw[opt])
            if problem:
                raise InputError(problem, where=Location(column=f"--{opt.replace('_', '-')}"))
            overrides[itype] = " ".join(kw[opt].split())
    lo, hi, explicit = parse_pipelines(kw["pipelines"])
    concurrency_text = str(kw["concurrency"]).strip().lower()
    calibrate = concurrency_text == "auto"
    if not calibrate and not (concurrency_text.isdigit() and int(concurrency_text) >= 1):
        raise InputError(
            f"--concurrency '{kw['concurrency']}' must be a whole number >= 1 or 'auto'."
        )
    if calibrate and not kw["history_path"]:
        raise InputError("--concurrency auto needs --history to calibrate from.")
    if kw["sla_headroom"] is not None and kw["sla_headroom"] <= 0:
        raise InputError("--sla-headroom must be > 0.")
    if kw["time_limit_s"] <= 0:
        raise InputError("--time-limit must be > 0.")
    name = kw["name"] or Path(tables_path).resolve().parent.name or "lakeflow"
    settings = Settings(
        pipelines_min=lo,
        pipelines_max=hi,
        group_by=kw["group_by"],
        max_tables_per_pipeline=kw["max_tables_per_pipeline"],
        allow_mixed_schedules=kw["allow_mixed_schedules"],
        sla_headroom=kw["sla_headroom"],
        time_limit_s=kw["time_limit_s"],
        k_tolerance=kw["k_tolerance"],
        overhead_s=kw["overhead_s"],
        concurrency=1 if calibrate else int(concurrency_text),
        concurrency_calibrated=calibrate,
        seed=kw["seed"],
        name=name,
    )
    catalog = read_tables(tables_path, overrides)
    history = read_history(kw["history_path"]) if kw["history_path"] else None
    current = None
    if kw["current_path"]:
        from balancer.io.planio import read_plan

        current = read_plan(kw["current_path"])
    started = time.perf_counter()
    with (
        err.status("solving...", spinner="dots")
        if err.is_terminal and not kw["quiet"]
        else _null() as status
    ):
        try:
            plan = make_plan(
                catalog,
                history,
                settings,
                _CliReporter(status),
                k_explicit=explicit,
                current=current,
            )
        except SolverError as exc:
            if exc.best_plan is not None:
                write_file(kw["output"], dumps(exc.best_plan))
                err.print(f"best plan found written to {kw['output']}")
            raise
    wall = time.perf_counter() - started
    write_file(kw["output"], dumps(plan))
    if not kw["quiet"]:
        for w in plan.warnings:
            err.print(f"[yellow]warning:[/yellow] {w}", highlight=False)
        print_plan(plan, out)
        out.print(f"solved in {wall:.2f} s; plan written to {kw['output']}")


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@main.command("synth-history")
@click.option("--tables", "tables_path", required=True, type=click.Path(dir_okay=False))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False))
@click.option("--days", type=int, default=30, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--max-runs-per-table", type=int, default=360, show_default=True)
@click.option(
    "--drift",
    type=float,
    default=0.0,
    show_default=True,
    help="Scale each table's cost by a lognormal factor with this sigma (a drifted history).",
)
@click.option("--drift-seed", type=int, default=1, show_default=True)
def synth_history(**kw: Any) -> None:
    """Write a SYNTHETIC runs.csv for a tables.csv (for examples and tests)."""
    _run(_synth, kw)


def _synth(kw: dict[str, Any]) -> None:
    from balancer.history.synthetic import HEADER, generate_runs
    from balancer.io import read_tables
    from balancer.io.atomic import write_file

    catalog = read_tables(kw["tables_path"])
    connector = Path(kw["tables_path"]).resolve().parent.name
    runs = generate_runs(
        catalog.tables,
        kw["days"],
        kw["seed"],
        kw["max_runs_per_table"],
        connector,
        kw["drift"],
        kw["drift_seed"],
    )
    write_file(kw["output"], csv_text(HEADER, runs))


@main.command()
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False))
@click.option(
    "--output-dir",
    "-o",
    required=True,
    type=click.Path(file_okay=False),
    help="New or empty folder, or an earlier render (replaced; files you added are kept).",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="managed",
    show_default=True,
    help="managed: managed ingestion pipelines (connector wheels from a volume); workspace: "
    "ingest files, connector from --connector-root or wheels.",
)
@click.option(
    "--connector-src",
    default=None,
    type=click.Path(file_okay=False),
    help="Checkout of the community connectors repository: build the framework and "
    "connector wheels from it.",
)
@click.option(
    "--connector-wheel",
    "connector_wheels",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A built wheel: give the framework wheel and the connector wheel (twice).",
)
@click.option(
    "--dependency",
    "dependencies",
    multiple=True,
    help="Extra pip requirement of every pipeline, e.g. a wheel already on a volume.",
)
@click.option(
    "--connector-root",
    default=None,
    help="Workspace mode: workspace path of the connectors repository (a Git folder); "
    "pipelines import the connector from its src/.",
)
@click.option(
    "--packages-volume-path",
    default=None,
    help="Volume folder for the wheels (default /Volumes/<catalog>/<schema>/community_connector/packages).",
)
@click.option(
    "--source-name", default=None, help="Connector source name (default: the plan's name)."
)
@click.option(
    "--connection-name",
    default=None,
    help="Unity Catalog connection (default: <source>_connection).",
)
@click.option("--catalog", default="main", show_default=True, help="Destination catalog.")
@click.option("--schema", default="default", show_default=True, help="Destination schema.")
@click.option(
    "--ingest-files-path",
    default=None,
    help="Workspace folder the ingest files are uploaded to (default: src/ beside the bundle).",
)
@click.option(
    "--emit-jobs/--no-emit-jobs",
    default=True,
    show_default=True,
    help="One scheduled job per pipeline.",
)
@click.option("--pause-jobs", is_flag=True, help="Render the job schedules paused.")
@click.option("--bundle-suffix", default="", help="Appended to the bundle name.")
@click.option(
    "--common-table-config-json", default="{}", help="Options for every table (a table's own win)."
)
@click.option(
    "--legacy-layout", is_flag=True, help="The older entry file layout (pipeline/, libs/)."
)
@click.option(
    "--timezone", default="UTC", show_default=True, help="Java timezone id of the job schedules."
)
@click.option("--rebalance-job", is_flag=True, help="Add the scheduled (paused) rebalancing job.")
@click.option(
    "--rebalance-schedule",
    default="0 6 * * 1",
    show_default=True,
    help="Cron of the rebalancing job.",
)
def render(**kw: Any) -> None:
    """Write the deployable folder for a plan: pipeline bodies, bundle, ingest files, wheels."""
    _run(_render, kw)


def _render(kw: dict[str, Any]) -> None:
    from balancer.databricks.packages import balancer_wheel, connector_wheels, given_wheels
    from balancer.io.atomic import write_tree
    from balancer.io.planio import read_plan
    from render import RenderOptions, render_files
    from render.quartz import CronError

    plan_file = Path(kw["plan_path"]).resolve()
    out = Path(kw["output_dir"]).resolve()
    if out == plan_file or out in plan_file.parents:
        raise InputError(
            "the plan lies inside the output folder, which the render replaces.",
            fix="write the render to another folder.",
            where=Location(kw["plan_path"]),
        )
    plan = read_plan(kw["plan_path"])
    if not plan.tables:
        raise InputError(
            "the plan holds no table details (made by an older version).",
            fix="solve again to refresh it.",
            where=Location(kw["plan_path"]),
        )
    from balancer.table_options import options_from_json

    controls, common = options_from_json(
        kw["common_table_config_json"], Location(column="--common-table-config-json")
    )
    source = kw["source_name"] or plan.settings.name
    if kw["connector_src"] and kw["connector_wheels"]:
        raise InputError("give --connector-src or --connector-wheel, not both.")
    wheels: tuple[Any, ...] = ()
    if kw["connector_src"]:
        wheels = connector_wheels(kw["connector_src"], source)
    elif kw["connector_wheels"]:
        wheels = given_wheels(tuple(kw["connector_wheels"]), source)
    if kw["rebalance_job"]:
        wheels += (balancer_wheel(),)
    options = RenderOptions(
        source_name=source,
        connection_name=kw["connection_name"] or f"{source}_connection",
        catalog=kw["catalog"],
        schema=kw["schema"],
        mode=kw["mode"],
        connector_root=kw["connector_root"],
        wheels=wheels,
        dependencies=tuple(kw["dependencies"]),
        packages_volume_path=kw["packages_volume_path"],
        ingest_files_path=kw["ingest_files_path"],
        emit_jobs=kw["emit_jobs"],
        pause_jobs=kw["pause_jobs"],
        bundle_suffix=kw["bundle_suffix"],
        common_table_config=common,
        common_controls=controls,
        legacy_layout=kw["legacy_layout"],
        timezone=kw["timezone"],
        rebalance_job=kw["rebalance_job"],
        rebalance_schedule=kw["rebalance_schedule"],
    )
    try:
        files = render_files(plan, options)
    except CronError as exc:
        raise InputError(
            str(exc) + ".",
            fix="give the table a schedule that restricts one day field.",
            where=Location(kw["plan_path"]),
        ) from None
    write_tree(kw["output_dir"], files)
    click.echo(f"wrote {len(files)} files ({kw['mode']} mode) to {kw['output_dir']}")


@main.command()
@click.argument("connector")
@click.option(
    "--output", "-o", default="tables.csv", show_default=True, type=click.Path(dir_okay=False)
)
@click.option(
    "--category-prefix-map-json", default=None, help="JSON object of prefix -> category, or a file."
)
@click.option(
    "--init-options-json", default=None, help="JSON object passed to the connector (local runs)."
)
@click.option(
    "--best-effort", is_flag=True, help="Label tables whose metadata fails 'unknown' and go on."
)
@click.option("--schedule-snapshot", default=None, help="Cron written for snapshot tables.")
@click.option("--schedule-append", default=None, help="Cron written for append tables.")
@click.option(
    "--schedule-cdc", default=None, help="Cron written for cdc and cdc_with_deletes tables."
)
def discover(**kw: Any) -> None:
    """Write tables.csv from a community connector (a .py path or a module name)."""
    _run(_discover, kw)


def _json_object(text: str | None, flag: str, allow_file: bool = False) -> dict[str, str]:
    import json

    if not text:
        return {}
    source = text
    if allow_file and not text.lstrip().startswith("{") and Path(text).is_file():
        source = Path(text).read_text(encoding="utf-8")
    try:
        value = json.loads(source)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{flag} is not valid JSON: {exc.msg} at character {exc.pos}.",
            fix='write a JSON object such as {"key": "value"}.',
        ) from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InputError(f"{flag} must be a JSON object of strings.")
    return {str(k): v for k, v in value.items()}


def _discover(kw: dict[str, Any]) -> None:

    from balancer.io.discovery import discover, write_tables_csv
    from balancer.schedules import cron_problem

    schedules: dict[str, str] = {}
    for itypes, opt in (
        (("snapshot",), "schedule_snapshot"),
        (("append",), "schedule_append"),
        (("cdc", "cdc_with_deletes"), "schedule_cdc"),
    ):
        if kw[opt]:
            problem = cron_problem(kw[opt])
            if problem:
                raise InputError(problem, where=Location(column=f"--{opt.replace('_', '-')}"))
            for itype in itypes:
                schedules[itype] = " ".join(kw[opt].split())
    tables, warnings = discover(
        kw["connector"],
        _json_object(kw["init_options_json"], "--init-options-json"),
        _json_object(kw["category_prefix_map_json"], "--category-prefix-map-json", allow_file=True),
        kw["best_effort"],
    )
    write_tables_csv(kw["output"], tables, schedules)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(f"wrote {len(tables)} tables to {kw['output']}")


@main.command()
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
    type=float,
    default=0.10,
    show_default=True,
    help="Act only when the makespan is this much above the best achievable.",
)
@click.option(
    "--target",
    type=float,
    default=0.02,
    show_default=True,
    help="Then get within this of the best, with the fewest moves.",
)
@click.option("--max-moves", type=int, default=None, help="At most this many table moves.")
@click.option(
    "--max-moves-per-pipeline",
    type=int,
    default=None,
    help="At most this many moves in or out of a pipeline.",
)
@click.option("--freeze", multiple=True, help="A pipeline key to leave untouched (repeatable).")
@click.option(
    "--pipeline-ids-json",
    default=None,
    help="JSON object of pipeline key -> pipeline id, for the SQL.",
)
@click.option(
    "--catalog", default="main", show_default=True, help="Catalog of tables without their own."
)
@click.option(
    "--schema", default="default", show_default=True, help="Schema of tables without their own."
)
@click.option("--time-limit", "time_limit_s", type=float, default=10.0, show_default=True)
@click.option(
    "--apply", is_flag=True, help="Also replace --plan with the new plan (default: proposal only)."
)
def rebalance(**kw: Any) -> None:
    """Propose moving the fewest tables to get back to a balanced plan (dry run by default)."""
    _run(_rebalance, kw)


def _rebalance(kw: dict[str, Any]) -> None:
    from rich.console import Console

    from balancer.io import read_history
    from balancer.io.atomic import write_file, write_tree
    from balancer.io.planio import dumps, read_plan
    from balancer.planning.rebalance import RebalanceOptions, proposal_files, summary_text
    from balancer.planning.rebalance import rebalance as propose

    for flag in ("detect_threshold", "target"):
        if kw[flag] < 0:
            raise InputError(f"--{flag.replace('_', '-')} must be >= 0.")
    current = read_plan(kw["plan_path"])
    history = read_history(kw["history_path"]) if kw["history_path"] else None
    ids = _json_object(kw["pipeline_ids_json"], "--pipeline-ids-json", allow_file=True)
    options = RebalanceOptions(
        detect_threshold=kw["detect_threshold"],
        target=kw["target"],
        max_moves=kw["max_moves"],
        max_moves_per_pipeline=kw["max_moves_per_pipeline"],
        freeze=tuple(kw["freeze"]),
        time_limit_s=kw["time_limit_s"],
    )
    proposal = propose(current, history, options)
    files: dict[str, str | bytes] = dict(
        proposal_files(proposal, current, kw["catalog"], kw["schema"], ids)
    )
    summary = summary_text(proposal)
    if proposal.acted:
        import tempfile

        from balancer.analysis.charts import before_after

        before = dataclasses.replace(
            proposal.plan,
            pipelines=proposal.current_pipelines,
            makespan_s=proposal.current_makespan_s,
        )
        with tempfile.TemporaryDirectory() as tmp:
            png = before_after(
                before, proposal.plan, Path(tmp) / "chart.png", ("current", "proposed")
            )
            files_with_chart: dict[str, str | bytes] = {
                **files,
                "before_after.png": png.read_bytes(),
            }
        write_tree(kw["output_dir"], files_with_chart)
    else:
        write_tree(kw["output_dir"], dict(files))
    if kw["apply"] and proposal.acted:
        write_file(kw["plan_path"], dumps(proposal.plan))
    out = Console(width=None if sys.stdout.isatty() else 140)
    out.print(summary, highlight=False)
    for m in proposal.moves[:50]:
        out.print(f"  {m.table}: {m.source} -> {m.destination} ({m.cost_s} s)", highlight=False)
    out.print(
        f"proposal written to {kw['output_dir']}"
        + (
            " and applied to " + kw["plan_path"]
            if kw["apply"] and proposal.acted
            else " (dry run: the plan is unchanged)"
        )
    )


@main.group()
def history() -> None:
    """Run history from Databricks pipeline event logs."""


def _history_source(kw: dict[str, Any]) -> str:
    from balancer.history.eventlog import event_log_tables_of, history_sql

    tables = list(kw["event_log_tables"])
    if kw["plan_path"]:
        from balancer.io.planio import read_plan

        keys = [p.key for p in read_plan(kw["plan_path"]).pipelines]
        tables += event_log_tables_of(keys, kw["catalog"], kw["schema"])
    return history_sql(tuple(kw["pipeline_ids"]), tables, kw["since_days"])


_history_options = [
    click.option(
        "--plan",
        "plan_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Read the event logs its rendered pipelines publish (<catalog>.<schema>.<key>_event_log).",
    ),
    click.option(
        "--catalog", default="main", show_default=True, help="Catalog of --plan's event logs."
    ),
    click.option(
        "--schema", default="default", show_default=True, help="Schema of --plan's event logs."
    ),
    click.option(
        "--event-log-table",
        "event_log_tables",
        multiple=True,
        help="A published event-log table, catalog.schema.table (repeatable).",
    ),
    click.option(
        "--pipeline-id",
        "pipeline_ids",
        multiple=True,
        help="A pipeline id, read with event_log() (legacy publishing mode only; repeatable).",
    ),
    click.option(
        "--since-days", type=int, default=30, show_default=True, help="Only runs this recent."
    ),
]


def _with_history_options(fn: Any) -> Any:
    for option in reversed(_history_options):
        fn = option(fn)
    return fn


@history.command("sql")
@_with_history_options
def history_sql_cmd(**kw: Any) -> None:
    """Print the SQL that turns event logs into runs.csv."""
    _run(lambda kw: click.echo(_history_source(kw)), kw)


@history.command("pull")
@click.option("--warehouse-id", required=True, help="SQL warehouse to run the query on.")
@_with_history_options
@click.option(
    "--output", "-o", default="runs.csv", show_default=True, type=click.Path(dir_okay=False)
)
def history_pull_cmd(**kw: Any) -> None:
    """Run the history SQL on a warehouse (auth: the SDK's profile or env vars) and write runs.csv."""
    _run(_history_pull, kw)


def _history_pull(kw: dict[str, Any]) -> None:
    from balancer.databricks.deploy import workspace_client
    from balancer.databricks.history_pull import fetch_rows
    from balancer.io.atomic import write_file

    statement = _history_source(kw)
    columns, rows = fetch_rows(workspace_client(), kw["warehouse_id"], statement)
    write_file(kw["output"], csv_text(columns, rows))
    click.echo(f"wrote {len(rows)} runs to {kw['output']}")


@history.command("from-events")
@click.argument("export", type=click.Path(dir_okay=False))
@click.option(
    "--output", "-o", default="runs.csv", show_default=True, type=click.Path(dir_okay=False)
)
def history_from_events(**kw: Any) -> None:
    """Turn a raw event-log export (JSON lines or CSV) into runs.csv."""
    _run(_history_from_events, kw)


def _history_from_events(kw: dict[str, Any]) -> None:
    from datetime import datetime, timezone

    from balancer.history.eventlog import read_event_log_export
    from balancer.io.atomic import write_file

    history = read_event_log_export(kw["export"])
    rows = []
    for name, tr in history.runs.items():
        for k in range(len(tr)):
            start = datetime.fromtimestamp(float(tr.start[k]), tz=timezone.utc).isoformat()
            written = tr.rows_written[k]
            rows.append(
                [
                    name,
                    start.replace("+00:00", "Z"),
                    f"{tr.duration_s[k]:.3f}",
                    "" if written != written else f"{written:g}",
                    "COMPLETED" if tr.ok[k] else "FAILED",
                    tr.run_id[k],
                ]
            )
    header = ["table", "start_time", "duration_s", "rows_written", "status", "run_id"]
    write_file(kw["output"], csv_text(header, rows))
    click.echo(f"wrote {history.n_runs} runs to {kw['output']}")


@main.command("deploy")
@click.argument("render_dir", type=click.Path(file_okay=False))
@click.option(
    "--target",
    "-t",
    default=None,
    help="Target of databricks.yml (default: its default target, dev).",
)
@click.option("--var", "variables", multiple=True, help="Variable NAME=VALUE (repeatable).")
@click.option(
    "--workspace-path",
    default=None,
    help="Workspace folder for src/ (default: <target root_path>/files, as the Databricks CLI).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Delete the pipelines and jobs this plan created earlier and no longer has.",
)
@click.option(
    "--adopt",
    is_flag=True,
    help="Take over same-named pipelines and jobs that this plan did not create.",
)
@click.option(
    "--dry-run", is_flag=True, help="Read the workspace and list what would change; change nothing."
)
def deploy_cmd(**kw: Any) -> None:
    """Deploy a render folder with databricks-sdk (auth: the SDK's profile or env vars)."""
    _run(_deploy, kw)


def _deploy(kw: dict[str, Any]) -> None:
    from balancer.databricks.deploy import deploy, load_rendered, workspace_client

    rendered = load_rendered(kw["render_dir"])
    report = deploy(
        workspace_client(),
        rendered,
        target=kw["target"],
        overrides=_pairs(kw["variables"], "--var"),
        workspace_path=kw["workspace_path"],
        prune=kw["prune"],
        dry_run=kw["dry_run"],
        adopt=kw["adopt"],
        echo=click.echo,
    )
    counts = (
        f"{report.created} to create, {report.updated} to update, {report.unchanged} unchanged, "
        f"{report.deleted} to delete"
    )
    if kw["dry_run"]:
        click.echo(f"dry run: {counts}; nothing was changed")
    else:
        click.echo(
            f"deployed: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.deleted} deleted"
        )


@main.command()
@click.option(
    "--tables",
    "tables_path",
    type=click.Path(dir_okay=False),
    help="tables.csv (default: beside --history).",
)
@click.option(
    "--history", "history_path", type=click.Path(dir_okay=False), help="runs.csv or Parquet."
)
@click.option(
    "--sweep-pipelines",
    default="3..8",
    show_default=True,
    help="Pipeline counts to compare, MIN..MAX.",
)
@click.option(
    "--pipelines",
    default=None,
    help="K or MIN..MAX for the scenarios (default: the largest swept K).",
)
@click.option(
    "--group-by", type=click.Choice(GROUP_BY_MODES), default="ingestion_type", show_default=True
)
@click.option("--growth", type=float, default=None, help="Scenario: every table's cost times this.")
@click.option("--category-growth", multiple=True, help="Scenario: CATEGORY=FACTOR (repeatable).")
@click.option(
    "--schedule", "schedules", multiple=True, help="Scenario: TABLE_OR_CATEGORY=CRON (repeatable)."
)
@click.option(
    "--add-table",
    "added",
    multiple=True,
    help="Scenario: NAME:INGESTION_TYPE:SECONDS or NAME:INGESTION_TYPE:rows=N (repeatable).",
)
@click.option(
    "--remove-table", "removed", multiple=True, help="Scenario: drop a table (repeatable)."
)
@click.option("--pin", "pins", multiple=True, help="Scenario: TABLE=PIPELINE (repeatable).")
@click.option(
    "--max-tables-per-pipeline", type=int, default=None, help="Scenario: another table cap."
)
@click.option("--time-limit", "time_limit_s", type=float, default=5.0, show_default=True)
@click.option(
    "--csv",
    "csv_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write the comparison as CSV.",
)
@click.option(
    "--html",
    "html_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write an HTML report with charts.",
)
@click.option(
    "--charts-dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Write the charts as PNG here.",
)
def whatif(**kw: Any) -> None:
    """Compare pipeline counts and scenarios side by side (makespan, spread, moves)."""
    _run(_whatif, kw)


def _pairs(items: tuple[str, ...], flag: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise InputError(f"{flag} '{item}' is not KEY=VALUE.")
        out[key] = value
    return out


def _whatif(kw: dict[str, Any]) -> None:
    import tempfile

    from rich.console import Console

    from balancer.analysis.charts import before_after, html_report, makespan_vs_k, pipeline_bars
    from balancer.analysis.whatif import NewTable, Scenario, WhatIf, compare

    tables_path = kw["tables_path"] or _tables_beside_history(kw)
    lo, hi, _ = parse_pipelines(kw["sweep_pipelines"])
    base = WhatIf.load(
        tables_path, kw["history_path"], group_by=kw["group_by"], time_limit_s=kw["time_limit_s"]
    )
    plans = base.sweep_pipelines(range(lo, hi + 1))
    reference_key = f"K={hi}"
    growth = {k: float(v) for k, v in _pairs(kw["category_growth"], "--category-growth").items()}
    added = []
    for item in kw["added"]:
        parts = item.split(":")
        if len(parts) != 3:
            raise InputError(
                f"--add-table '{item}' is not NAME:INGESTION_TYPE:SECONDS or NAME:TYPE:rows=N."
            )
        name, itype, amount = parts
        try:
            if amount.startswith("rows="):
                added.append(NewTable(name, itype, rows=float(amount[5:])))
            else:
                added.append(NewTable(name, itype, weight=float(amount)))
        except ValueError:
            raise InputError(f"--add-table '{item}': '{amount}' is not a number.") from None
    scenario = Scenario(
        name="scenario",
        pipelines=None if kw["pipelines"] is None else parse_pipelines(kw["pipelines"])[:2],
        growth=kw["growth"] or 1.0,
        category_growth=growth,
        schedules=_pairs(kw["schedules"], "--schedule"),
        add_tables=tuple(added),
        remove_tables=tuple(kw["removed"]),
        pins=_pairs(kw["pins"], "--pin"),
        max_tables_per_pipeline=kw["max_tables_per_pipeline"],
    )
    has_scenario = scenario != Scenario(name="scenario")
    if has_scenario:
        if scenario.pipelines is None:
            scenario = dataclasses.replace(scenario, pipelines=hi)
        plans["scenario"] = base.run(scenario, current=plans[reference_key])
    table = compare(plans, base_plan=plans[reference_key])
    out = Console(width=None if sys.stdout.isatty() else 160)
    out.print(table.to_string(), highlight=False)
    if kw["csv_path"]:
        from balancer.io.atomic import write_file

        write_file(kw["csv_path"], table.to_csv())
    if kw["html_path"] or kw["charts_dir"]:
        folder = (
            Path(kw["charts_dir"])
            if kw["charts_dir"]
            else Path(tempfile.mkdtemp(prefix="balancer-charts-"))
        )
        folder.mkdir(parents=True, exist_ok=True)
        images = {
            "Makespan against K": makespan_vs_k(
                {int(k[2:]): p for k, p in plans.items() if k.startswith("K=")},
                folder / "makespan_vs_k.png",
            ),
            f"Pipelines at {reference_key}": pipeline_bars(
                plans[reference_key], folder / "pipelines.png"
            ),
        }
        if has_scenario:
            images["Scenario"] = pipeline_bars(plans["scenario"], folder / "scenario.png")
            images[f"{reference_key} vs scenario"] = before_after(
                plans[reference_key],
                plans["scenario"],
                folder / "before_after.png",
                (reference_key, "scenario"),
            )
        if kw["html_path"]:
            html_report("lakeflow-balancer what-if", table, images, kw["html_path"])
            out.print(f"report written to {kw['html_path']}")


def _run(func: Any, kw: dict[str, Any]) -> None:
    try:
        func(kw)
    except BalancerError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
