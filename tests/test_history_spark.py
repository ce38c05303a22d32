"""The scheduled rebalancing job's Spark path, run on local Spark: `history_from_spark` over a
published event-log table with the documented schema (`origin` a struct, `details` a VARIANT,
as Databricks serves it to the `:` path operator), not only compared as a string."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

pyspark = pytest.importorskip("pyspark")

EVENT_LOG = """CREATE TABLE sch.osipi_append_01_event_log (
  id STRING,
  sequence STRUCT<control_plane_seq_no: BIGINT>,
  origin STRUCT<pipeline_id: STRING, pipeline_name: STRING, update_id: STRING,
                flow_name: STRING, dataset_name: STRING>,
  timestamp TIMESTAMP,
  message STRING,
  level STRING,
  error STRING,
  event_type STRING,
  details VARIANT
) USING parquet"""


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("warehouse")
    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .getOrCreate()
    )
    yield session
    session.stop()


def _event(update: str, flow: str, at: datetime, status: str, rows: int | None = None) -> str:
    metrics = f', "metrics": {{"num_output_rows": {rows}}}' if rows is not None else ""
    details = f'{{"flow_progress": {{"status": "{status}"{metrics}}}}}'
    origin = f"named_struct('pipeline_id', 'p1', 'pipeline_name', 'osipi append 01', 'update_id', '{update}', 'flow_name', '{flow.replace(chr(39), chr(39) * 2)}', 'dataset_name', NULL)"
    return (
        f"SELECT uuid(), named_struct('control_plane_seq_no', CAST(1 AS BIGINT)), {origin}, "
        f"TIMESTAMP '{at:%Y-%m-%d %H:%M:%S}', '', 'INFO', NULL, 'flow_progress', "
        f"parse_json('{details}')"
    )


def test_history_from_spark_reads_a_published_event_log(spark: Any, tmp_path: Path) -> None:
    from balancer.databricks.rebalance_job import history_from_spark

    spark.sql("CREATE DATABASE IF NOT EXISTS sch")
    spark.sql(EVENT_LOG)
    t0 = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0) - timedelta(days=2)
    rows = []
    for k in range(3):  # three updates of an append flow and a cdc flow
        at = t0 + timedelta(hours=k)
        rows += [
            _event(f"u{k}", "source_pi_points_append_flow", at, "STARTING"),
            _event(f"u{k}", "source_pi_points_append_flow", at + timedelta(seconds=2), "RUNNING"),
            _event(
                f"u{k}",
                "source_pi_points_append_flow",
                at + timedelta(seconds=40 + k),
                "COMPLETED",
                100,
            ),
            _event(f"u{k}", "`main`.`sch`.`pi_streams`", at, "RUNNING"),
            _event(
                f"u{k}",
                "`main`.`sch`.`pi_streams`",
                at + timedelta(seconds=30),
                "FAILED" if k == 1 else "COMPLETED",
                7,
            ),
        ]
    old = t0 - timedelta(days=60)  # outside --since-days
    rows += [
        _event("old", "source_pi_points_append_flow", old, "RUNNING"),
        _event("old", "source_pi_points_append_flow", old + timedelta(seconds=9), "COMPLETED"),
    ]
    spark.sql("INSERT INTO sch.osipi_append_01_event_log " + " UNION ALL ".join(rows))
    history = history_from_spark(spark, ["spark_catalog.sch.osipi_append_01_event_log"], 30)
    assert sorted(history.runs) == ["pi_points", "pi_streams"]
    points = history.runs["pi_points"]
    assert list(points.duration_s) == [40.0, 41.0, 42.0] and points.ok.all()
    assert list(points.rows_written) == [100.0, 100.0, 100.0]
    streams = history.runs["pi_streams"]
    assert list(streams.duration_s) == [30.0, 30.0, 30.0]
    assert list(streams.ok) == [True, False, True]  # a failed update is not a success
    assert set(points.run_id) == {"u0", "u1", "u2"}
