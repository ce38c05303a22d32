"""`balancer synth-history`: a SYNTHETIC runs.csv for examples and tests."""

from __future__ import annotations

import click

from balancer.cli.common import SEED, Finite, handle_errors
from balancer.io.csvout import csv_text
from balancer.names import folder_key


@click.command("synth-history")
@click.option(
    "--tables",
    "tables_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="tables.csv whose tables get runs.",
)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the SYNTHETIC runs.csv.",
)
@click.option(
    "--days", type=click.IntRange(1, 3650), default=30, show_default=True, help="Days of history."
)
@click.option("--seed", type=SEED, default=7, show_default=True, help="Random seed.")
@click.option(
    "--max-runs-per-table",
    type=click.IntRange(1, 100_000),
    default=360,
    show_default=True,
    help="At most this many runs of one table.",
)
@click.option(
    "--drift",
    type=Finite(0, 10),
    default=0.0,
    show_default=True,
    help="Scale each table's cost by a lognormal factor with this sigma (a drifted history).",
)
@click.option(
    "--drift-seed", type=SEED, default=1, show_default=True, help="Random seed of the drift."
)
@handle_errors
def synth_history(
    tables_path: str,
    output: str,
    days: int,
    seed: int,
    max_runs_per_table: int,
    drift: float,
    drift_seed: int,
) -> None:
    """Write a SYNTHETIC runs.csv for a tables.csv (for examples and tests)."""
    from balancer.history.synthetic import HEADER, generate_runs
    from balancer.io import read_tables
    from balancer.io.atomic import check_file, write_file

    catalog = read_tables(tables_path)
    check_file(output)
    connector = folder_key(tables_path)
    runs = generate_runs(
        catalog.tables,
        days,
        seed,
        max_runs_per_table,
        connector,
        drift,
        drift_seed,
    )
    write_file(output, csv_text(HEADER, runs))
