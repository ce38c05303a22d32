"""`balancer discover`: tables.csv from a community connector."""

from __future__ import annotations

from pathlib import Path

import click

from balancer.cli.common import handle_errors, json_object, schedule_overrides
from balancer.names import folder_key
from balancer.terminal import say


@click.command()
@click.argument("connector")
@click.option(
    "--output",
    "-o",
    default=None,
    type=click.Path(dir_okay=False),
    help="Where to write the tables (default: CONNECTOR's name .csv, e.g. zendesk.csv: solve "
    "names the plan after it).",
)
@click.option(
    "--category-prefix-map-json", default=None, help="JSON object of prefix -> category, or a file."
)
@click.option(
    "--init-options-json",
    default=None,
    help="JSON object (or a file holding it) of connection parameters passed to the connector.",
)
@click.option(
    "--connector-src",
    envvar="LAKEFLOW_CONNECTORS_SRC",
    default=None,
    help="Connectors checkout where CONNECTOR names a source (default $LAKEFLOW_CONNECTORS_SRC).",
)
@click.option(
    "--best-effort", is_flag=True, help="Label tables whose metadata fails 'unknown' and go on."
)
@click.option("--schedule-snapshot", default=None, help="Cron written for snapshot tables.")
@click.option("--schedule-append", default=None, help="Cron written for append tables.")
@click.option(
    "--schedule-cdc", default=None, help="Cron written for cdc and cdc_with_deletes tables."
)
@handle_errors
def discover(
    connector: str,
    output: str | None,
    category_prefix_map_json: str | None,
    init_options_json: str | None,
    connector_src: str | None,
    best_effort: bool,
    schedule_snapshot: str | None,
    schedule_append: str | None,
    schedule_cdc: str | None,
) -> None:
    """Write tables.csv from a community connector: a .py path, its folder, a source name in
    --connector-src (e.g. zendesk), or a module name."""
    from balancer.io.discovery import discover, write_tables_csv

    schedules = schedule_overrides(schedule_snapshot, schedule_append, schedule_cdc)
    tables, warnings = discover(
        connector,
        json_object(init_options_json, "--init-options-json", allow_file=True),
        json_object(category_prefix_map_json, "--category-prefix-map-json", allow_file=True),
        best_effort,
        connector_src,
    )
    name = Path(connector).stem if connector.endswith(".py") else Path(connector).name
    name = name.rsplit(".", 1)[-1]
    output = output or f"{name}.csv"
    write_tables_csv(output, tables, schedules)
    if folder_key(output) != name:
        warnings.append(
            f"solve names the plan '{folder_key(output)}' after {output}: pass solve --name "
            f"{name} (render finds the connector by the plan's name), or write to {name}.csv."
        )
    for w in warnings:
        say(f"warning: {w}", err=True, one_line=True)
    say(f"wrote {len(tables)} tables to {output}")
