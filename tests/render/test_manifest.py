"""deploy/manifest.json: the one description of a render that deploy reads, and the bundle's
side of target isolation and wheel delivery."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def _manifest_edits() -> list[tuple[str, Any, str]]:
    def pipeline(key: str, value: Any) -> Any:
        def edit(doc: dict[str, Any]) -> None:
            doc["pipelines"][0][key] = value

        return edit

    def top(key: str, value: Any) -> Any:
        def edit(doc: dict[str, Any]) -> None:
            doc[key] = value

        return edit

    def job_key(doc: dict[str, Any]) -> None:
        doc["jobs"][0]["key"] = "a.b"

    def digest_outside(doc: dict[str, Any]) -> None:
        doc["digests"]["../../outside.txt"] = "0" * 64

    def no_digest(doc: dict[str, Any]) -> None:
        del doc["digests"]["databricks.yml"]

    return [
        ("bundle", top("bundle", "../../../../Shared/evil"), "the bundle"),
        ("bundle with YAML", top("bundle", "x\nbundle: y"), "the bundle"),
        ("plan name", top("plan_name", "../x"), "the plan"),
        ("body", pipeline("body", "../../outside.json"), "file '../../outside.json'"),
        ("absolute body", pipeline("body", "/etc/passwd"), "file '/etc/passwd'"),
        ("src file", pipeline("files", ["../../../x.py"]), "file '../../../x.py'"),
        ("pipeline key", pipeline("key", "../p"), "pipeline '../p'"),
        ("job key", job_key, "job 'a.b'"),
        ("wheel", top("wheels", ["../w.whl"]), "wheel '../w.whl'"),
        ("digest", digest_outside, "file '../../outside.txt'"),
        ("volume variable", top("volume_variables", ["a.b"]), "variable 'a.b'"),
        ("no checksum", no_digest, "without the checksum"),
    ]


def _workspace_render(plan: Path, tmp_path: Path) -> Path:
    from tests.helpers import render_cli

    folder = tmp_path / "out"
    result = render_cli(plan, folder, "--mode", "workspace", "--connector-root", "/W/x")
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.parametrize(
    ("kind", "edit", "words"), _manifest_edits(), ids=[e[0] for e in _manifest_edits()]
)
def test_a_manifest_naming_paths_outside_its_folder_is_refused(
    osipi_plan: Path, tmp_path: Path, kind: str, edit: Any, words: str
) -> None:
    from balancer.databricks.rendered import load_rendered

    folder = _workspace_render(osipi_plan, tmp_path)
    load_rendered(folder)  # as written, it loads
    path = folder / MANIFEST_PATH
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_rendered(folder)
    assert words in str(info.value), kind
    assert info.value.exit_code == 2


def test_a_file_linked_out_of_the_render_is_refused(osipi_plan: Path, tmp_path: Path) -> None:
    from balancer.databricks.rendered import load_rendered

    folder = _workspace_render(osipi_plan, tmp_path)
    ingest = sorted((folder / "src").glob("ingest_*.py"))[0]
    outside = tmp_path / "outside.py"
    outside.write_bytes(ingest.read_bytes())  # the same bytes: the checksum alone would pass
    ingest.unlink()
    ingest.symlink_to(outside)
    with pytest.raises(InputError, match="leads out of the render folder"):
        load_rendered(folder)


CRAFTED_BUNDLES = [
    ("targets a list", "bundle: {name: x}\ntargets: [a, b]\n", "targets is a list"),
    ("variables a list", "bundle: {name: x}\nvariables: [1]\n", "variables is a list"),
    ("a target a number", "bundle: {name: x}\ntargets: {dev: 5}\n", "target dev is a number"),
    (
        "a target's workspace text",
        "bundle: {name: x}\ntargets: {dev: {workspace: here}}\n",
        "workspace is text",
    ),
    (
        "an alias bomb",
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nvariables: {v: [*c, *c, *c, *c]}\n",
        "YAML aliases",
    ),
]


@pytest.mark.parametrize(
    ("what", "yml", "words"), CRAFTED_BUNDLES, ids=[c[0] for c in CRAFTED_BUNDLES]
)
def test_a_crafted_databricks_yml_is_one_message_even_with_its_checksum_recomputed(
    osipi_plan: Path, tmp_path: Path, what: str, yml: str, words: str
) -> None:
    from balancer.databricks.rendered import load_rendered
    from balancer.deployment import digest

    folder = _workspace_render(osipi_plan, tmp_path)
    (folder / "databricks.yml").write_text(yml, encoding="utf-8")
    path = folder / MANIFEST_PATH
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["digests"]["databricks.yml"] = digest(yml.encode("utf-8"))
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_rendered(folder)
    assert words in str(info.value), str(info.value)
