"""End to end with the community connector framework (one test, as it needs the framework):

1. upstream's `pipeline_spec_validator` accepts every rendered spec of every example (and
   refuses what it should);
2. the framework and connector wheels build from the checkout without writing to it;
3. on a real pipeline engine: discover the upstream `example` connector, solve, render
   workspace-files pipelines, and run every rendered pipeline with open-source Spark
   Declarative Pipelines (`spark-pipelines run`), twice.

Needs the community connector framework source (`LAKEFLOW_CONNECTORS_SRC`, its `src/`
folder; CI sets it), pyspark with pipelines support and Java 17. The framework's source
folder stands in for the pipelines' `root_path` (the synced connectors repository). The
only test-only piece is `sdp_adapter.py` (what Databricks' pipeline runtime has and OSS
does not); the rendered ingest files run unchanged.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from balancer.cli import main
from balancer.databricks.packages import connector_wheels
from balancer.io.plan_check import read_plan
from tests.helpers import EXAMPLES, run_ingest_file

SRC = os.environ.get("LAKEFLOW_CONNECTORS_SRC", "")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not SRC,
        reason="LAKEFLOW_CONNECTORS_SRC is not set: the end-to-end test needs the community "
        "connector framework source (its src/ folder)",
    ),
]
ADAPTER = Path(__file__).with_name("sdp_adapter.py")
KEYS = {  # append table and change logs -> the record key
    "events": "event_id",
    "users__changes": "user_id",
    "orders__changes": "order_id",
    "metrics__changes": "metric_id",
}
VARIABLES = {"catalog": "spark_catalog", "schema": "default", "connection_name": "example_conn"}


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def row_counts(warehouse: Path) -> dict[str, int]:
    import pyarrow.dataset as ds

    return {
        p.name: ds.dataset(p, format="parquet").count_rows()
        for p in sorted(warehouse.iterdir())
        if p.is_dir()
    }


def smallest(table: Path, column: str) -> str:
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    return str(pc.min(ds.dataset(table, format="parquet").to_table(columns=[column])[column]))


def occurrences(table: Path, column: str, value: str) -> int:
    import pyarrow.dataset as ds

    return ds.dataset(table, format="parquet").count_rows(filter=ds.field(column) == value)


def project(folder: Path, key: str, render: Path) -> Path:
    """An SDP project for one rendered pipeline: its configuration and ingest file."""
    body = json.loads((render / "deploy" / "pipelines" / f"{key}.json").read_text())
    configuration = {
        k: v.replace("${var.", "").rstrip("}") for k, v in body["configuration"].items()
    }
    configuration = {k: VARIABLES[v] for k, v in configuration.items()}
    folder.mkdir(parents=True)
    shutil.copy(ADAPTER, folder / "sdp_adapter.py")
    ingest = f"ingest_{key}.py"
    shutil.copy(render / "src" / ingest, folder / ingest)
    spec = {
        "name": key,
        "storage": (folder / "storage").as_uri(),
        "configuration": configuration,
        "libraries": [{"glob": {"include": "sdp_adapter.py"}}, {"glob": {"include": ingest}}],
    }
    (folder / "spark-pipeline.yml").write_text(yaml.safe_dump(spec))
    return folder / "spark-pipeline.yml"


def run_pipeline(spec: Path, env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    cmd = [str(Path(sys.executable).with_name("spark-pipelines")), "run", "--spec", str(spec)]
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    elapsed = time.perf_counter() - started
    tail = (done.stdout + done.stderr)[-3000:]
    assert done.returncode == 0 and "Run is COMPLETED" in done.stdout, tail
    return elapsed


def upstream_validator(src: Path) -> Any:
    """validate_pipeline_spec of upstream's community-connector CLI, from the checkout."""
    path = (
        src.parent
        / "tools/community_connector/src/databricks/labs/community_connector_cli"
        / "pipeline_spec_validator.py"
    )
    spec = importlib.util.spec_from_file_location("upstream_pipeline_spec_validator", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.validate_pipeline_spec


def check_examples_with_upstreams_validator(src: Path, tmp_path: Path) -> None:
    validate = upstream_validator(src)
    conf = {f"lakeflow_balancer.{k}": v for k, v in VARIABLES.items()}
    for example in ("osipi", "github", "hubspot", "sap_successfactors"):
        plan_path, out = tmp_path / f"{example}.json", tmp_path / f"{example}_render"
        # SAP's cdc tables cannot keep every 5 minutes (test_schedule_fit_defaults)
        unchecked = ("--no-schedule-fit",) if example == "sap_successfactors" else ()
        history = str(EXAMPLES / example / "runs.csv")
        cli("solve", "--history", history, "-o", str(plan_path), "-q", *unchecked)
        cli(
            "render",
            str(plan_path),
            "-o",
            str(out),
            "--mode",
            "workspace",
            "--connector-root",
            "/x",
        )
        for p in read_plan(plan_path).pipelines:
            spec = run_ingest_file((out / "src" / f"ingest_{p.key}.py").read_text(), conf)
            assert validate(spec) == [], (example, p.key)  # no error, no warning
    bad = {"table": {"source_table": "t", "table_configuration": {"primary_keys": '["id"]'}}}
    with pytest.raises(Exception, match="primary_keys"):
        validate({"connection_name": "c", "objects": [bad]})


def check_wheels_build_without_writing_to_the_checkout(src: Path) -> None:
    before = sorted(str(p) for p in src.parent.rglob("*"))
    wheels = connector_wheels(src.parent, "example")
    assert [w.role for w in wheels] == ["framework", "connector"]
    assert wheels[1].file_name.startswith("lakeflow_community_connectors_example-")
    assert sorted(str(p) for p in src.parent.rglob("*")) == before


def test_end_to_end_with_the_connector_framework(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = Path(SRC).resolve()
    check_examples_with_upstreams_validator(src, tmp_path / "examples")
    check_wheels_build_without_writing_to_the_checkout(src)
    monkeypatch.syspath_prepend(str(src))
    tables, plan_path, render = tmp_path / "tables.csv", tmp_path / "plan.json", tmp_path / "render"
    module = "databricks.labs.community_connector.sources.example.example"
    cli(
        "discover",
        module,
        "--init-options-json",
        '{"username": "u", "password": "p"}',
        "-o",
        str(tables),
    )
    cli(
        "solve",
        "--tables",
        str(tables),
        "--group-by",
        "none",
        "--pipelines",
        "3",
        "--name",
        "example",
        "-o",
        str(plan_path),
        "-q",
    )
    plan = read_plan(plan_path)
    cli(
        "render", str(plan_path), "-o", str(render), "--mode", "workspace",
        "--connector-root", str(src.parent), "--source-name", "example",
        *(f"--{k.replace('_', '-')}={v}" for k, v in VARIABLES.items()),
    )  # fmt: skip
    conf = tmp_path / "spark-conf"
    conf.mkdir()
    warehouse = tmp_path / "warehouse"
    (conf / "spark-defaults.conf").write_text(
        f"spark.sql.catalogImplementation hive\nspark.sql.warehouse.dir {warehouse}\n"
    )
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(src),  # the pipelines' root_path: the connectors repository's src/
        "SPARK_CONF_DIR": str(conf),
    }
    kinds = {t.source_table: t.ingestion_type for t in plan.tables}
    seconds: dict[str, float] = {}
    again: dict[str, float] = {}
    first: dict[str, int] = {}
    oldest: dict[str, str] = {}
    for p in plan.pipelines:
        spec = project(tmp_path / "pipelines" / p.key, p.key, render)
        seconds[p.key] = run_pipeline(spec, env, tmp_path)
        first.update({k: v for k, v in row_counts(warehouse).items() if k not in first})
        for name, column in KEYS.items():
            if name in first and name not in oldest:
                oldest[name] = smallest(warehouse / name, column)
        if any(kinds[t] != "snapshot" for t in p.tables):
            again[p.key] = run_pipeline(spec, env, tmp_path)  # at once: checkpoints in use
    second = row_counts(warehouse)
    destinations = {t.destination_table for t in plan.tables}
    assert destinations == {"products", "events", "users", "orders", "metrics"}
    assert all(first.get(t, 0) > 0 for t in destinations), first
    assert all(second[t] > 0 for t in destinations), second
    # The second run reads on from the checkpoints. (The simulated source re-seeds itself
    # relative to the clock in each process, so records of the last seconds come again as
    # changes; the oldest record the first run read must not.)
    assert set(oldest) == set(KEYS)
    for name, column in KEYS.items():
        assert first[name] <= second[name] < 2 * first[name], (name, first, second)
        assert occurrences(warehouse / name, column, oldest[name]) == 1, (name, oldest[name])
    report: dict[str, Any] = {
        "first_run_s": {k: round(v, 1) for k, v in seconds.items()},
        "second_run_s": {k: round(v, 1) for k, v in again.items()},
        "rows_after_first_run": first,
        "rows_after_second_run": second,
    }
    print(json.dumps(report, indent=2))
