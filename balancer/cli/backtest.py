"""`balancer backtest`: how well the cost model predicts the newest days of a history."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import click

from balancer.cli.common import Finite, console, handle_errors, tables_beside_history


@click.command("backtest")
@click.option(
    "--history", "history_path", required=True, type=click.Path(dir_okay=False), help="runs.csv"
)
@click.option(
    "--tables",
    "tables_path",
    type=click.Path(dir_okay=False),
    help="tables.csv (default: the one beside --history).",
)
@click.option(
    "--holdout-days",
    type=Finite(0.01, 3650),
    default=3.0,
    show_default=True,
    help="Hold out the newest days of the history and predict them from the rest.",
)
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False),
    help="plan.json: score per pipeline (default: per ingestion type).",
)
@click.option(
    "--top",
    type=click.IntRange(0, 100_000),
    default=10,
    show_default=True,
    help="Tables shown, worst error first (the JSON has all).",
)
@click.option(
    "--json",
    "json_out",
    is_flag=False,
    flag_value="-",
    default=None,
    help="Write the scores as JSON to FILE (or stdout when no FILE is given).",
)
@handle_errors
def backtest_cmd(
    history_path: str,
    tables_path: str | None,
    holdout_days: float,
    plan_path: str | None,
    top: int,
    json_out: str | None,
) -> None:
    """Hold out the newest days of a history, predict them from the rest, and score it."""
    from balancer.history.backtest import backtest
    from balancer.io import read_history, read_tables
    from balancer.io.atomic import check_file, write_file
    from balancer.io.plan_check import read_plan
    from balancer.model import Settings

    catalog = read_tables(tables_path or tables_beside_history(history_path))
    history = read_history(history_path)
    pipeline_of = read_plan(plan_path).pipeline_of() if plan_path else None
    if json_out and json_out != "-":
        check_file(json_out)
    result = backtest(catalog.tables, history, Settings(), holdout_days, pipeline_of)
    if json_out:
        text = json.dumps(dataclasses.asdict(result), indent=2) + "\n"
        if json_out == "-":
            click.echo(text, nl=False)
            return
        write_file(json_out, text)
    _print(result, top)


def _print(result: Any, top: int) -> None:
    from rich.table import Table as RichTable

    out = console(90)
    worst = sorted(result.tables, key=lambda s: (-s.error, s.name))[:top]
    for title, rows in (
        (f"per {result.grouped_by.replace('_', ' ')}", result.groups),
        (f"tables, worst {len(worst)} of {len(result.tables)}", worst),
    ):
        table = RichTable(title=title, title_justify="left")
        table.add_column("name", overflow="fold", max_width=36)
        for column in ("runs", "predicted s", "actual s", "error", "within p90"):
            table.add_column(column, justify="right")
        for s in rows:
            table.add_row(
                s.name,
                str(s.runs),
                f"{s.predicted_s:.1f}",
                f"{s.actual_s:.1f}",
                f"{s.error:.1%}",
                f"{s.coverage:.0%}",
            )
        out.print(table)
    out.print(
        f"{result.runs} held-out runs ({result.holdout_days:g} days): median table error "
        f"{result.median_error:.1%}, {result.coverage:.1%} within their predicted p90 "
        "(near 90% when the spread is right)",
        highlight=False,
    )
