"""The rendered bundle: valid against the bundle JSON schema, stable bytes, atomic writes."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from balancer.cli import main
from balancer.planio import read_plan
from render import RenderOptions, render_files, write_tree
from tests.conftest import EXAMPLES

SCHEMA = (
    Path(__file__).resolve().parents[3] / "shared" / "databricks-bundle-schema" / "jsonschema.json"
)


@lru_cache(maxsize=1)
def validator() -> Any:
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def merged(files: dict[str, str]) -> dict[str, Any]:
    """databricks.yml with every included resources file merged in, as the CLI sees it."""
    root = yaml.safe_load(files["databricks.yml"])
    assert root["include"] == ["resources/*.yml"]
    resources: dict[str, dict[str, Any]] = {}
    for path, text in files.items():
        if path.startswith("resources/"):
            for kind, items in yaml.safe_load(text)["resources"].items():
                for key, value in items.items():
                    assert key not in resources.setdefault(kind, {}), f"{kind}.{key} defined twice"
                    resources[kind][key] = value
    root["resources"] = resources
    return root


def schema_errors(files: dict[str, str]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator().iter_errors(merged(files))]


@pytest.fixture(scope="module")
def osipi_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan.json"
    result = CliRunner().invoke(
        main, ["solve", "--history", str(EXAMPLES / "osipi" / "runs.csv"), "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    return out


OPTION_SETS = [
    RenderOptions("osipi", "osipi_conn"),
    RenderOptions(
        "osipi",
        "osipi_conn",
        "cat",
        "sch",
        "/Workspace/Users/me/osipi",
        emit_jobs=True,
        pause_jobs=True,
        bundle_suffix="_v2",
    ),
    RenderOptions(
        "osipi", "osipi_conn", emit_jobs=False, legacy_layout=True, timezone="Europe/Amsterdam"
    ),
]


@pytest.mark.parametrize("options", OPTION_SETS)
def test_bundle_validates_against_the_schema(osipi_plan: Path, options: RenderOptions) -> None:
    files = render_files(read_plan(osipi_plan), options)
    assert schema_errors(files) == []


def test_bundle_has_what_design_asks(osipi_plan: Path) -> None:
    plan = read_plan(osipi_plan)
    doc = merged(render_files(plan, RenderOptions("osipi", "osipi_conn", pause_jobs=True)))
    assert set(doc["variables"]) == {"catalog", "schema", "connection_name"}
    assert set(doc["targets"]) == {"dev", "prod"}
    pipelines, jobs = doc["resources"]["pipelines"], doc["resources"]["jobs"]
    assert set(pipelines) == {p.key for p in plan.pipelines}
    for key, p in pipelines.items():
        assert p["serverless"] is True and p["channel"] == "PREVIEW" and p["continuous"] is False
        assert (
            p["catalog"] == "${var.catalog}"
            and p["schema"] == "${var.schema}"
            and "target" not in p
        )
        assert p["libraries"] == [{"file": {"path": f"../src/ingest_{key}.py"}}]
        assert p["event_log"]["name"] == f"{key}_event_log"
        job = jobs[f"{key}_schedule"]
        assert (
            job["schedule"]["pause_status"] == "PAUSED" and job["schedule"]["timezone_id"] == "UTC"
        )
        assert (
            job["tasks"][0]["pipeline_task"]["pipeline_id"] == f"${{resources.pipelines.{key}.id}}"
        )
        assert p["name"] == key  # display names carry no table counts


def test_rerendering_the_same_plan_changes_no_byte(osipi_plan: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for out in ("a", "b"):
        result = runner.invoke(
            main, ["render", str(osipi_plan), "-o", str(tmp_path / out), "--source-name", "osipi"]
        )
        assert result.exit_code == 0, result.output
    a = {
        p.relative_to(tmp_path / "a"): p.read_bytes()
        for p in (tmp_path / "a").rglob("*")
        if p.is_file()
    }
    b = {
        p.relative_to(tmp_path / "b"): p.read_bytes()
        for p in (tmp_path / "b").rglob("*")
        if p.is_file()
    }
    assert a == b and len(a) == 1 + 2 * len(read_plan(osipi_plan).pipelines)


def test_seed_flags_work(osipi_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    result = CliRunner().invoke(
        main,
        [
            "render",
            str(osipi_plan),
            "-o",
            str(out),
            "--ingest-files-path",
            "/Workspace/Shared/osipi",
            "--no-emit-jobs",
            "--bundle-suffix",
            "_x",
            "--connection-name",
            "conn1",
            "--catalog",
            "c",
            "--schema",
            "s",
            "--common-table-config-json",
            '{"maxCount": "10"}',
            "--source-name",
            "osipi",
        ],
    )
    assert result.exit_code == 0, result.output
    files = {str(p.relative_to(out)): p.read_text() for p in out.rglob("*") if p.is_file()}
    doc = merged(files)
    assert doc["bundle"]["name"] == "osipi_balanced_x"
    assert "jobs" not in doc["resources"]
    lib = next(iter(doc["resources"]["pipelines"].values()))["libraries"][0]["file"]["path"]
    assert lib.startswith("/Workspace/Shared/osipi/ingest_")
    ingest = next(v for k, v in files.items() if k.startswith("src/"))
    assert (
        "'conn1'" in ingest
        and "'maxCount': '10'" in ingest
        and "'destination_catalog': 'c'" in ingest
    )
    assert schema_errors(files) == []


def test_pause_jobs_flag(osipi_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    assert (
        CliRunner()
        .invoke(main, ["render", str(osipi_plan), "-o", str(out), "--pause-jobs"])
        .exit_code
        == 0
    )
    assert "pause_status: PAUSED" in next((out / "resources").iterdir()).read_text()


def test_a_failed_render_leaves_the_old_folder_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "bundle"
    write_tree(out, {"databricks.yml": "old\n", "src/a.py": "x = 1\n"})

    class Boom(dict):  # type: ignore[type-arg]
        def items(self):  # type: ignore[no-untyped-def]
            yield "databricks.yml", "new\n"
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_tree(out, Boom())
    assert (out / "databricks.yml").read_text() == "old\n" and (out / "src" / "a.py").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]


def test_render_replaces_the_folder_whole(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    write_tree(out, {"databricks.yml": "a\n", "resources/old.yml": "b\n"})
    write_tree(out, {"databricks.yml": "c\n"})
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["databricks.yml"]


def test_bad_common_config_exits_2(osipi_plan: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "render",
            str(osipi_plan),
            "-o",
            str(tmp_path / "x"),
            "--common-table-config-json",
            "{bad",
        ],
    )
    assert result.exit_code == 2 and "not valid JSON" in result.output
    assert not (tmp_path / "x").exists()


def test_rebalancing_job_renders_and_validates(osipi_plan: Path) -> None:
    plan = read_plan(osipi_plan)
    files = render_files(plan, RenderOptions("osipi", "osipi_conn", rebalance_job=True))
    assert schema_errors(files) == []
    job = yaml.safe_load(files["resources/rebalance_job.yml"])["resources"]["jobs"][
        "osipi_rebalance"
    ]
    assert (
        job["schedule"]["pause_status"] == "PAUSED"
        and job["schedule"]["quartz_cron_expression"] == "0 0 6 ? * 2"
    )
    params = job["tasks"][0]["spark_python_task"]["parameters"]
    assert params.count("--event-log-table") == len(plan.pipelines)
    assert (
        "src/plan.json" in files
        and "from balancer.rebalance_job import main" in files["src/rebalance_job.py"]
    )
    assert "proposal_volume_path" in yaml.safe_load(files["databricks.yml"])["variables"]
