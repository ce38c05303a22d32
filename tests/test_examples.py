"""Every example end to end: solve, render, and the bundle validates against the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from balancer.cli import main
from balancer.io.plan_check import read_plan
from render.quartz import to_quartz
from tests.helpers import (
    EXAMPLES,
    render_cli,
    run_ingest_file,
    schema_errors,
    text_files,
    wheel_args,
)


@pytest.mark.parametrize("example", ["osipi", "github", "hubspot", "sap_successfactors"])
def test_example_solves_renders_and_validates(example: str, tmp_path: Path) -> None:
    runner = CliRunner()
    plan_path = tmp_path / "plan.json"
    # SAP's cdc tables cannot keep every 5 min (test_schedule_fit_defaults): render it unchecked
    unchecked = ["--no-schedule-fit"] if example == "sap_successfactors" else []
    result = runner.invoke(
        main,
        [
            "solve",
            "--history",
            str(EXAMPLES / example / "runs.csv"),
            "-o",
            str(plan_path),
            "-q",
            *unchecked,
        ],
    )
    assert result.exit_code == 0, result.output
    plan = read_plan(plan_path)
    assert plan.status == "OPTIMAL"
    conn = ("--connection-name", f"{example}_conn")
    managed, workspace = tmp_path / "managed", tmp_path / "workspace"
    result = render_cli(plan_path, managed, *conn, *wheel_args(tmp_path / "w", example))
    assert result.exit_code == 0, result.output
    result = render_cli(
        plan_path, workspace, *conn, "--mode", "workspace", "--connector-root", "/Workspace/x"
    )
    assert result.exit_code == 0, result.output
    for folder in (managed, workspace):
        files = text_files(folder)
        assert schema_errors(files) == []
        assert {f"deploy/pipelines/{p.key}.json" for p in plan.pipelines} <= set(files)
    files = text_files(workspace)
    conf = {
        "lakeflow_balancer.catalog": "main",
        "lakeflow_balancer.schema": "bronze",
        "lakeflow_balancer.connection_name": f"{example}_conn",
    }
    for p in plan.pipelines:
        spec = run_ingest_file(files[f"src/ingest_{p.key}.py"], conf)
        assert len(spec["objects"]) == len(p.tables)
    prefix_map = EXAMPLES / example / "category_prefix_map.json"
    if prefix_map.exists():
        assert json.loads(prefix_map.read_text())


def test_seed_preset_csv_solves_and_renders_unchanged(tmp_path: Path) -> None:
    preset = tmp_path / "preset_by_category_and_ingestion.csv"
    preset.write_text(
        "source_table,category,table_configuration_json\n"
        'pi_points,discovery_inventory,"{""maxCount"": ""1000""}"\n'
        "pi_dataservers,discovery_inventory,\n"
        'pi_timeseries,time_series,"{""startTime"": ""*-1d""}"\n'
        "pi_plot,time_series,\n"
        "pi_af_hierarchy,asset_framework,\n"
    )
    runner = CliRunner()
    plan_path, bundle = tmp_path / "plan.json", tmp_path / "bundle"
    result = runner.invoke(
        main,
        [
            "solve",
            "--tables",
            str(preset),
            "--group-by",
            "category",
            "--pipelines",
            "3",
            "-o",
            str(plan_path),
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main,
        [
            "render",
            str(plan_path),
            "-o",
            str(bundle),
            "--source-name",
            "osipi",
            "--connection-name",
            "osipi_connection_lakeflow",
            "--catalog",
            "osipi",
            "--schema",
            "bronze",
            "--common-table-config-json",
            "{}",
            "--mode",
            "workspace",
            "--connector-root",
            "/Workspace/Users/me/connectors",
        ],
    )
    assert result.exit_code == 0, result.output
    files = text_files(bundle)
    assert schema_errors(files) == []
    assert any(
        "'startTime': '*-1d'" in text for name, text in files.items() if name.startswith("src/")
    )
    jobs = [
        yaml.safe_load(t)["resources"]["jobs"]
        for n, t in files.items()
        if n.startswith("resources/")
    ]
    # daily at midnight, each job's start staggered by its pipeline's offset
    offsets = {p.key: p.start_offset_min for p in read_plan(plan_path).pipelines}
    for j in jobs:
        job = next(iter(j.values()))
        key = job["tasks"][0]["pipeline_task"]["pipeline_id"].split(".")[2]
        assert job["schedule"]["quartz_cron_expression"] == to_quartz("0 0 * * *", offsets[key])
