"""deploy/manifest.json: the one description of a render that deploy reads, and the bundle's
side of target isolation and wheel delivery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from balancer.databricks.packages import balancer_wheel
from balancer.deployment import ID_TAG, MANIFEST_PATH, Manifest
from balancer.errors import InputError
from balancer.io.plan_check import read_plan
from balancer.model import Wheel
from render import RenderOptions, render_files
from tests.helpers import schema_errors

FRAMEWORK = Wheel("lakeflow_community_connectors-0.1.0-py3-none-any.whl", b"fw", "framework")
CONNECTOR = Wheel("lakeflow_community_connectors_osipi-0.1.0-py3-none-any.whl", b"c", "connector")

MODES = [
    RenderOptions("osipi", "conn", "cat", "sch", mode="managed", wheels=(FRAMEWORK, CONNECTOR)),
    RenderOptions(
        "osipi",
        "conn",
        "cat",
        "sch",
        mode="workspace",
        wheels=(FRAMEWORK, CONNECTOR, balancer_wheel()),
        rebalance_job=True,
    ),
]


@pytest.mark.parametrize("options", MODES, ids=["managed", "workspace"])
def test_the_manifest_names_every_table_body_file_and_volume(
    osipi_plan: Path, options: RenderOptions
) -> None:
    plan = read_plan(osipi_plan)
    files = render_files(plan, options)
    manifest = Manifest.from_dict(json.loads(files[MANIFEST_PATH]), MANIFEST_PATH)
    assert manifest.deployment_id == plan.deployment_id
    assert sorted(t.name for p in manifest.pipelines for t in p.tables) == sorted(
        t.destination_table or t.source_table for t in plan.tables
    )
    for entry in manifest.pipelines:
        body = json.loads(files[entry.body])
        assert body["tags"][ID_TAG] == plan.deployment_id and body["name"] == entry.name
        assert body["event_log"]["name"] == entry.event_log.name
        assert all(f"src/{f}" in files for f in entry.files)
        assert {(t.catalog, t.schema) for t in entry.tables} == {
            ("${var.catalog}", "${var.schema}")
        }
    for job in manifest.jobs:
        assert job.body in files and (job.pipeline is None) == (job.role == "rebalance")
    assert all(f"wheels/{w}" in files for w in manifest.wheels)
    assert "packages_volume_path" in manifest.volume_variables
    assert Manifest.from_dict(manifest.to_dict(), "x") == manifest


def test_a_broken_manifest_is_one_clear_error() -> None:
    with pytest.raises(InputError, match="not a deployment manifest"):
        Manifest.from_dict({"format": 1, "pipelines": [{}]}, "deploy/manifest.json")


def test_dev_writes_to_a_schema_of_its_own_and_the_bundle_uploads_its_wheels(
    osipi_plan: Path,
) -> None:
    plan = read_plan(osipi_plan)
    files = render_files(plan, MODES[1])
    doc = yaml.safe_load(files["databricks.yml"])
    dev = doc["targets"]["dev"]["variables"]
    assert dev["schema"] == "sch_dev_${workspace.current_user.short_name}"
    assert dev["packages_volume_path"].startswith("/Volumes/cat/sch_dev_${workspace")
    assert dev["proposal_volume_path"].startswith("/Volumes/cat/sch_dev_${workspace")
    assert doc["targets"]["prod"]["variables"]["schema"] == "sch"
    assert schema_errors(files) == []
    for path, text in files.items():
        if path.startswith("resources/") and "pipelines" in yaml.safe_load(text)["resources"]:
            (pipeline,) = yaml.safe_load(text)["resources"]["pipelines"].values()
            deps = pipeline["environment"]["dependencies"]
            # local paths: the Databricks CLI (0.258+) uploads them with the bundle
            assert deps == [f"../wheels/{w.file_name}" for w in (FRAMEWORK, CONNECTOR)]
            assert all(f"wheels/{Path(d).name}" in files for d in deps)
    job = json.loads(files[f"deploy/jobs/{plan.settings.name}_rebalance.json"])
    params = job["tasks"][0]["spark_python_task"]["parameters"]
    given = [params[i + 1] for i, p in enumerate(params) if p == "--pipeline-id"]
    assert given == [f"{p.key}=${{resources.pipelines.{p.key}.id}}" for p in plan.pipelines]
