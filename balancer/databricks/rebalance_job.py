"""Entry point of the scheduled rebalancing job.

On Databricks (a `spark_python_task` rendered by `balancer render --rebalance-job`) it reads
the pipelines' published event logs with Spark SQL, so the aggregation runs on the cluster,
runs the rebalance, and writes the proposal (plan.json, diff.md, runbook.md, moves.sql) to
a Unity Catalog volume folder. Locally, `--runs-csv` replaces the event logs:

    python -m balancer.databricks.rebalance_job --plan plan.json --runs-csv runs.csv --output proposal/
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from balancer.errors import BalancerError
from balancer.io.csvout import csv_text
from balancer.model import History
from balancer.planning.rebalance import RebalanceOptions
from balancer.terminal import say


def history_from_spark(
    spark: Any, tables: Sequence[str] = (), since_days: int = 30, pipeline_ids: Sequence[str] = ()
) -> History:
    """Run the history SQL over event logs on the cluster: published tables or pipeline ids."""
    from balancer.history.eventlog import history_sql
    from balancer.io import read_history
    from balancer.io.atomic import write_file

    header: list[str] = []
    rows: list[list[Any]] = []
    df = spark.sql(history_sql(pipeline_ids, tables, since_days=since_days))
    header = list(df.columns)
    rows.extend([list(r) for r in df.collect()])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "runs.csv"
        write_file(path, csv_text(header, rows))
        return read_history(path)


def main(argv: Sequence[str] | None = None, spark: Any = None) -> int:
    from balancer.io.guard import command_scope

    with command_scope():  # the job's inputs, never written over
        return _main(argv, spark)


def _main(argv: Sequence[str] | None, spark: Any) -> int:
    from balancer.io import read_history
    from balancer.io.atomic import write_tree
    from balancer.io.plan_check import read_plan
    from balancer.planning.rebalance import proposal_files, rebalance

    ap = argparse.ArgumentParser(prog="balancer.databricks.rebalance_job")
    ap.add_argument("--plan", required=True)
    ap.add_argument("--event-log-table", action="append", default=[])
    ap.add_argument("--runs-csv")
    ap.add_argument("--since-days", type=int, default=30)
    ap.add_argument("--output", required=True)
    ap.add_argument("--catalog", default="main")
    ap.add_argument("--schema", default="default")
    ap.add_argument("--detect-threshold", type=float, default=RebalanceOptions.detect_threshold)
    ap.add_argument("--target", type=float, default=RebalanceOptions.target)
    ap.add_argument("--max-moves", type=int)
    ap.add_argument(
        "--pipeline-id",
        action="append",
        default=[],
        help="KEY=ID of a deployed pipeline (the render passes every one, resolved at deploy)",
    )
    args = ap.parse_args(argv)
    try:
        plan = read_plan(args.plan)
        if args.runs_csv:
            history = read_history(args.runs_csv)
        else:
            if spark is None:
                from pyspark.sql import SparkSession  # available on Databricks

                spark = SparkSession.builder.getOrCreate()
            history = history_from_spark(spark, args.event_log_table, args.since_days)
        proposal = rebalance(
            plan,
            history,
            RebalanceOptions(
                detect_threshold=args.detect_threshold, target=args.target, max_moves=args.max_moves
            ),
        )
        ids = dict(p.split("=", 1) for p in args.pipeline_id if "=" in p)
        files = proposal_files(proposal, plan, (args.catalog, args.schema), ids)
        write_tree(args.output, files)
        summary = files["diff.md"]
        say(summary)
    except BalancerError as exc:
        say(f"error: {exc}", err=True)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
