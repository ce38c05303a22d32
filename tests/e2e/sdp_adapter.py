"""Test-only adapter: lets a rendered Databricks ingest file run on open-source Spark
Declarative Pipelines (`spark-pipelines run`). Loaded as the pipeline's first library.

What differs between Databricks and OSS, and what stands in for it here:
- Databricks' `dp.view` is OSS `temporary_view`.
- `spark.conf.set` of `spark.databricks.*` keys (a Databricks-only option injection) is a
  no-op; OSS blocks session mutations while definitions load.
- AUTO CDC (`apply_changes`, `apply_changes_from_snapshot`): OSS tables here are parquet
  in a Hive metastore, which cannot merge. A cdc target becomes a streaming change log
  (`<target>__changes`, and `<target>__deletes` for the delete flow, with a `_deleted`
  marker) and a materialized view `<target>` with the latest row per key that is not
  deleted (it keeps the helper columns `_deleted` and `_rank`: dropping columns of a table
  not yet created fails in OSS while definitions load); a
  snapshot target becomes a materialized view of the latest snapshot.
- Schemas cannot be created while definitions load: the test writes to `default`.
- pyspark 4.3.0's pipeline client stops with UNKNOWN_RESPONSE on the observed-metrics
  answer that Python data sources produce (after the run completed); it is skipped here.
The ingest file itself runs unchanged.
"""

from __future__ import annotations

from typing import Any

from pyspark import pipelines as dp
from pyspark.sql import Window
from pyspark.sql import functions as F
from pyspark.sql.connect.client.core import SparkConnectClient
from pyspark.sql.connect.session import SparkSession

spark: Any = globals()["spark"]  # set by spark-pipelines before this module runs

_original_conf = SparkSession.conf


class _Conf:
    def __init__(self, conf: Any) -> None:
        self._conf = conf

    def set(self, key: str, value: Any) -> None:
        if not key.startswith("spark.databricks."):
            self._conf.set(key, value)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conf, name)


SparkSession.conf = property(lambda self: _Conf(_original_conf.__get__(self)))  # type: ignore[assignment,method-assign]


def _commands(self: Any, command: Any, observations: Any = None) -> Any:
    request = self._execute_plan_request_with_metadata()
    self._set_command_in_plan(request.plan, command)
    for response in self._execute_and_fetch_as_iterator(request, observations or {}):
        if isinstance(response, dict):
            yield response


SparkConnectClient.execute_command_as_iterator = _commands  # type: ignore[method-assign]

_create_table = dp.create_streaming_table
_flow = dp.append_flow
_pending: dict[str, dict[str, Any]] = {}  # streaming tables declared, not yet created
_logs: dict[str, list[str]] = {}  # cdc target -> its change logs


def _named(target: str, suffix: str) -> str:
    return target[:-1] + suffix + "`" if target.endswith("`") else target + suffix


def _create_streaming_table(name: str, **kwargs: Any) -> None:
    _pending[name] = kwargs


def _materialize(name: str) -> None:
    if name in _pending:
        _create_table(name=name, **_pending.pop(name))


def _append_flow(*, target: str, name: str | None = None, **kwargs: Any) -> Any:
    _materialize(target)
    return _flow(target=target, name=name, **kwargs)


def _apply_changes(
    target: str,
    source: str,
    keys: list[str],
    sequence_by: Any,
    stored_as_scd_type: Any = None,
    apply_as_deletes: Any = None,
    name: str | None = None,
    **_: Any,
) -> None:
    # One change log per flow: two streams appending to one parquet folder race.
    deleted = apply_as_deletes is not None
    log = _named(target, "__deletes" if deleted else "__changes")
    _create_table(name=log, **({} if deleted else _pending.pop(target, {})))
    _logs.setdefault(target, []).append(log)

    @_flow(target=log, name=name or f"{source}_changes_flow")
    def capture() -> Any:
        return spark.readStream.table(source).withColumn("_deleted", F.lit(deleted))

    if len(_logs[target]) > 1:
        return  # the view below reads every log of the target

    @dp.materialized_view(name=target)
    def latest() -> Any:
        logs = [spark.read.table(t) for t in _logs[target]]
        rows = logs[0]
        for more in logs[1:]:
            rows = rows.union(more)
        order = Window.partitionBy(*keys).orderBy(sequence_by.desc())
        rank = F.row_number().over(order).alias("_rank")
        return rows.select("*", rank).where((F.col("_rank") == 1) & ~F.col("_deleted"))


def _apply_changes_from_snapshot(target: str, source: str, **_: Any) -> None:
    _pending.pop(target, None)

    @dp.materialized_view(name=target)
    def snapshot() -> Any:
        return spark.read.table(source)


dp.view = dp.temporary_view  # type: ignore[attr-defined]
dp.create_streaming_table = _create_streaming_table  # type: ignore[assignment]
dp.append_flow = _append_flow  # type: ignore[assignment]
dp.apply_changes = _apply_changes  # type: ignore[attr-defined]
dp.apply_changes_from_snapshot = _apply_changes_from_snapshot  # type: ignore[attr-defined]
