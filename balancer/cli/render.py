"""`balancer render`: the deployable folder for a plan."""

from __future__ import annotations

import dataclasses
from typing import cast

import click

from balancer.analysis.defaults import (
    DefaultSchedules,
    default_schedules,
    default_schedules_line,
)
from balancer.cli.common import handle_errors
from balancer.errors import InputError, Location
from balancer.model import Plan, Table, Wheel
from balancer.schedules import cron_problem
from balancer.terminal import say
from render.options import MODES, Mode, RenderOptions


@click.command()
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
    "--connector-spec",
    default=None,
    type=click.Path(dir_okay=False),
    help="The connector's connector_spec.yaml, to check table options against (default: the "
    "one in --connector-src).",
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
@click.option(
    "--bundle-suffix",
    default="",
    help="Appended to the bundle name (letters, digits, '_', '-', '.', '+'; it names the "
    "bundle's workspace folder).",
)
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
@click.option(
    "--run-default-schedules",
    is_flag=True,
    help="Render the jobs of pipelines on schedules nobody chose (empty schedule column, no "
    "solve --schedule-*) unpaused too; by default they are paused.",
)
@handle_errors
def render(
    plan_path: str,
    output_dir: str,
    mode: str,
    connector_src: str | None,
    connector_spec: str | None,
    connector_wheels: tuple[str, ...],
    dependencies: tuple[str, ...],
    connector_root: str | None,
    packages_volume_path: str | None,
    source_name: str | None,
    connection_name: str | None,
    catalog: str,
    schema: str,
    ingest_files_path: str | None,
    emit_jobs: bool,
    pause_jobs: bool,
    bundle_suffix: str,
    common_table_config_json: str,
    legacy_layout: bool,
    timezone: str,
    rebalance_job: bool,
    rebalance_schedule: str,
    run_default_schedules: bool,
) -> None:
    """Write the deployable folder for a plan: pipeline bodies, bundle, ingest files, wheels."""
    from balancer.io.atomic import write_tree
    from render import RenderOptions, render_files
    from render.quartz import CronError

    problem = cron_problem(rebalance_schedule)
    if problem:
        raise InputError(problem, where=Location(column="--rebalance-schedule"))
    plan = _plan(plan_path)
    from balancer.table_options import options_from_json

    controls, common = options_from_json(
        common_table_config_json, Location(column="--common-table-config-json")
    )
    source = source_name or plan.settings.name
    defaults = default_schedules(plan)
    options = RenderOptions(  # checks the names first: the source name is a path in a checkout
        source_name=source,
        connection_name=connection_name or f"{source}_connection",
        catalog=catalog,
        schema=schema,
        mode=cast(Mode, mode),
        connector_root=connector_root,
        dependencies=tuple(dependencies),
        packages_volume_path=packages_volume_path,
        ingest_files_path=ingest_files_path,
        emit_jobs=emit_jobs,
        pause_jobs=pause_jobs,
        bundle_suffix=bundle_suffix,
        common_table_config=common,
        common_controls=controls,
        legacy_layout=legacy_layout,
        timezone=timezone,
        rebalance_job=rebalance_job,
        rebalance_schedule=rebalance_schedule,
        default_schedules=defaults.pipelines if emit_jobs else (),
        run_default_schedules=run_default_schedules,
        default_figures=_figures(defaults) if emit_jobs else (0.0, 0.0),
    )
    _say_notes(plan.tables, options, connector_spec, connector_src, connection_name is None)
    _say_assumed(plan)
    wheels = _wheels(source, connector_src, connector_wheels, rebalance_job)
    options = dataclasses.replace(options, wheels=wheels)
    try:
        files = render_files(plan, options)
    except CronError as exc:
        raise InputError(
            str(exc) + ".",
            fix="give the table a schedule that restricts one day field.",
            where=Location(plan_path),
        ) from None
    write_tree(output_dir, files)
    say(f"wrote {len(files)} files ({mode} mode) to {output_dir}")
    _notes(defaults if emit_jobs else None, run_default_schedules)
    say(next_step(output_dir, mode))


def _plan(plan_path: str) -> Plan:
    """The plan, checked, with the table details render needs."""
    from balancer.io.plan_check import read_plan

    plan = read_plan(plan_path)
    if not plan.tables:
        raise InputError(
            "the plan holds no table details (made by an older version).",
            fix="solve again to refresh it.",
            where=Location(plan_path),
        )
    return plan


def _notes(defaults: DefaultSchedules | None, run_default_schedules: bool) -> None:
    """What the render leaves to the person: schedules nobody chose (their jobs paused)."""
    line = default_schedules_line(defaults, not run_default_schedules) if defaults else ""
    if line:
        say(f"note: {line}", one_line=True)


def next_step(output_dir: str, mode: str) -> str:
    """The command to run after render: deploy's dry run (workspace mode: or the bundle)."""
    import shlex

    folder = shlex.quote(output_dir)
    if mode == "workspace":
        return (
            f"next: balancer deploy {folder} --dry-run (or: cd {folder} && databricks bundle "
            "deploy -t dev; not both for one target)"
        )
    return f"next: balancer deploy {folder} --dry-run, then balancer deploy {folder}"


def _wheels(
    source: str, connector_src: str | None, given: tuple[str, ...], rebalance_job: bool
) -> tuple[Wheel, ...]:
    """The connector wheels (built or given) and, for the rebalancing job, the balancer's."""
    from balancer.databricks.packages import balancer_wheel, connector_wheels, given_wheels

    if connector_src and given:
        raise InputError("give --connector-src or --connector-wheel, not both.")
    wheels: tuple[Wheel, ...] = ()
    if connector_src:
        wheels = connector_wheels(connector_src, source)
    elif given:
        wheels = given_wheels(tuple(given), source)
    if rebalance_job:
        wheels += (balancer_wheel(),)
    return wheels


def _say_notes(
    tables: tuple[Table, ...],
    options: RenderOptions,
    given: str | None,
    checkout: str | None,
    default_connection: bool,
) -> None:
    """Warn of the tables' options against the connector's spec (refused where the
    connector's code requires one), or note that no spec was read; note a default
    connection name."""
    from balancer.io.connector_spec import SPEC_FILE, read_spec, source_folder, spec_beside
    from render.spec import check_options

    path = given
    if path is None and checkout:
        path = str(spec_beside(source_folder(checkout, options.source_name)) or "") or None
    notes = (
        [f"warning: {w}" for w in check_options(tables, options, read_spec(path))]
        if path
        else [f"note: table options not checked: no {SPEC_FILE} (pass --connector-spec)."]
    )
    if default_connection:
        notes.append(
            f"note: connection '{options.connection_name}' is the default name "
            "(<source>_connection); pass --connection-name for the one you created."
        )
    for note in notes:
        say(note, err=True, one_line=True)


def _say_assumed(plan: Plan) -> None:
    """The plan's warning that its costs are assumed: what is rendered is only that good."""
    from balancer.costs import assumed_costs_warning

    warning = assumed_costs_warning(plan.estimates)
    if warning:
        say(f"warning: {warning}", err=True, one_line=True)


def _figures(defaults: DefaultSchedules) -> tuple[float, float]:
    """What the pipelines on schedules nobody chose start a day: runs, compute seconds."""
    return (defaults.runs_per_day, defaults.compute_s_per_day) if defaults else (0.0, 0.0)
