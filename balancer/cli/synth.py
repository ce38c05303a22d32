"""`balancer synth-history`: a SYNTHETIC runs.csv for examples and tests."""

from __future__ import annotations

import math
from typing import Any

import click

from balancer.cli.common import SEED, Finite, handle_errors
from balancer.io.csvout import csv_text
from balancer.model import INGESTION_TYPES
from balancer.names import folder_key


class PriorParam(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """TYPE=FIXED_S,SIGMA[,PER_MIN_S,SIGMA]: the lognormal prior of one ingestion type."""

    name = "TYPE=FIXED_S,SIGMA[,PER_MIN_S,SIGMA]"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, tuple[float, ...]]:
        if isinstance(value, tuple):
            return value
        kind, _, numbers = str(value).partition("=")
        kind = kind.strip()
        if kind not in INGESTION_TYPES:
            self.fail(f"{kind!r} is not one of {', '.join(INGESTION_TYPES)}.", param, ctx)
        try:
            parts = tuple(float(x) for x in numbers.split(","))
        except ValueError:
            self.fail(f"{numbers!r} is not a list of numbers.", param, ctx)
        if len(parts) not in (2, 4) or not all(math.isfinite(x) and 0 <= x <= 1e6 for x in parts):
            self.fail("give FIXED_S,SIGMA or FIXED_S,SIGMA,PER_MIN_S,SIGMA (0 to 1e6).", param, ctx)
        if parts[0] <= 0 or (len(parts) == 4 and kind == "snapshot" and parts[2] > 0):
            self.fail("the fixed part must be > 0; a snapshot has no per-minute part.", param, ctx)
        return kind, parts


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
@click.option(
    "--concurrency",
    type=click.IntRange(1, 1000),
    default=1,
    show_default=True,
    help="Flows of a synthetic pipeline update that run at once (1: one after another).",
)
@click.option(
    "--prior",
    "priors",
    type=PriorParam(),
    multiple=True,
    help="Median and sigma of an ingestion type's lognormal fixed part (s) and per-minute "
    "part (s per minute of data), e.g. 'cdc=30,0.8,0.05,0.9'; repeatable.",
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
    concurrency: int,
    priors: tuple[tuple[str, tuple[float, ...]], ...],
) -> None:
    """Write a SYNTHETIC runs.csv for a tables.csv (for examples and tests)."""
    from balancer.history.synthetic import HEADER, PRIORS, Knobs, Prior, generate_runs
    from balancer.io import read_tables
    from balancer.io.atomic import check_file, write_file

    catalog = read_tables(tables_path)
    check_file(output)
    connector = folder_key(tables_path)
    chosen = dict(PRIORS)
    for kind, parts in priors:
        per_min = parts[2:] or (0.0, 0.0)
        chosen[kind] = Prior(parts[0], parts[1], per_min[0], per_min[1], PRIORS[kind].grows)
    knobs = Knobs(concurrency=concurrency, drift_sigma=drift, drift_seed=drift_seed, priors=chosen)
    runs = generate_runs(catalog.tables, days, seed, max_runs_per_table, connector, knobs)
    write_file(output, csv_text(HEADER, runs))
