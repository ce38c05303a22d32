"""`balancer history`: run history from the pipelines' event logs."""

from __future__ import annotations

from typing import Any

import click

from balancer.cli.common import handle_errors, with_options
from balancer.cli.deployed import DEPLOYMENT_OPTIONS, deployed
from balancer.errors import InputError
from balancer.io.csvout import csv_text
from balancer.terminal import say


@click.group()
def history() -> None:
    """Run history from Databricks pipeline event logs."""


def history_source(
    plan_path: str | None,
    catalog: str | None,
    schema: str | None,
    event_log_tables: tuple[str, ...],
    pipeline_ids: tuple[str, ...],
    since_days: int,
    deployment: str | None = None,
    deployment_target: str | None = None,
) -> str:
    """The history SQL over the event logs the options name."""
    from balancer.history.eventlog import event_log_tables_of, history_sql

    tables = list(event_log_tables)
    plan = None
    if plan_path:
        from balancer.io.plan_check import read_plan

        plan = read_plan(plan_path)
    found = deployed(deployment, deployment_target, plan)
    if found is not None:
        tables += sorted(found.event_logs.values())
    elif plan is not None:
        if not (catalog and schema):
            raise InputError(
                "--plan names the pipelines, and where their event logs are published is not "
                "known.",
                fix="pass --deployment DIR (the render folder you deployed), or --catalog and "
                "--schema as you rendered it.",
            )
        tables += event_log_tables_of([p.key for p in plan.pipelines], catalog, schema)
    return history_sql(tuple(pipeline_ids), tables, since_days)


HISTORY_OPTIONS = [
    click.option(
        "--plan",
        "plan_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Read the event logs its rendered pipelines publish (<catalog>.<schema>.<key>_event_log).",
    ),
    click.option("--catalog", default=None, help="Catalog of --plan's event logs (as rendered)."),
    click.option("--schema", default=None, help="Schema of --plan's event logs (as rendered)."),
    *DEPLOYMENT_OPTIONS,
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
        "--since-days",
        type=click.IntRange(1, 3650),
        default=30,
        show_default=True,
        help="Only runs this recent.",
    ),
]


# The options every history command takes: where the event logs are.
with_history_options = with_options(HISTORY_OPTIONS)
RUNS_OUTPUT = click.option(
    "--output",
    "-o",
    default="runs.csv",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write runs.csv.",
)


@history.command("sql")
@with_history_options
@handle_errors
def history_sql_cmd(**sources: Any) -> None:
    """Print the SQL that turns event logs into runs.csv."""
    say(history_source(**sources), force=True)  # the SQL is the output asked for, -q or not


@history.command("pull")
@click.option("--warehouse-id", required=True, help="SQL warehouse to run the query on.")
@with_history_options
@RUNS_OUTPUT
@handle_errors
def history_pull_cmd(warehouse_id: str, output: str, **sources: Any) -> None:
    """Run the history SQL on a warehouse (auth: the SDK's profile or env vars) and write
    runs.csv. Results of any size: the rows come as external links, chunk by chunk, straight
    to the file."""
    from balancer.databricks.history_pull import pull_to_csv
    from balancer.databricks.workspace import workspace_client

    count = pull_to_csv(workspace_client(), warehouse_id, history_source(**sources), output)
    say(f"wrote {count} runs to {output}")


@history.command("from-events")
@click.argument("export", type=click.Path(dir_okay=False))
@RUNS_OUTPUT
@handle_errors
def history_from_events(
    export: str,
    output: str,
) -> None:
    """Turn a raw event-log export (JSON lines or CSV) into runs.csv."""
    from datetime import datetime, timezone

    from balancer.history.eventlog import read_event_log_export
    from balancer.io.atomic import check_file, write_file

    history = read_event_log_export(export)
    check_file(output)
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
    write_file(output, csv_text(header, rows))
    for w in history.warnings:  # e.g. statuses counted as failed
        say(f"warning: {w}", err=True, one_line=True)
    say(f"wrote {history.n_runs} runs to {output}")
