"""The rendered folder in both modes: schema-valid bundle, request bodies, variables wired
end to end, targets, stable bytes, and outputs that never delete what they did not write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from balancer.databricks.packages import balancer_wheel
from balancer.errors import InputError
from balancer.io.atomic import MANIFEST, write_tree
from balancer.io.plan_check import read_plan
from balancer.model import Wheel
from render import RenderOptions, render_files
from tests.helpers import (
    merged,
    render_cli,
    run_ingest_file,
    schema_errors,
    text_files,
    wheel_args,
)

FRAMEWORK = Wheel("lakeflow_community_connectors-0.1.0-py3-none-any.whl", b"fw", "framework")
CONNECTOR = Wheel("lakeflow_community_connectors_osipi-0.1.0-py3-none-any.whl", b"c", "connector")
ROOT = "/Workspace/Users/me/lakeflow-community-connectors"

OPTION_SETS = [
    RenderOptions("osipi", "osipi_conn", mode="managed", wheels=(FRAMEWORK, CONNECTOR)),
    RenderOptions("osipi", "osipi_conn", mode="workspace", connector_root=ROOT),
    RenderOptions(
        "osipi",
        "osipi_conn",
        "cat",
        "sch",
        mode="workspace",
        wheels=(FRAMEWORK, CONNECTOR),
        ingest_files_path="/Workspace/Users/me/osipi",
        pause_jobs=True,
        bundle_suffix="_v2",
    ),
    RenderOptions(
        "osipi",
        "osipi_conn",
        mode="workspace",
        connector_root=ROOT,
        emit_jobs=False,
        legacy_layout=True,
        timezone="Europe/Amsterdam",
    ),
    RenderOptions(
        "osipi",
        "osipi_conn",
        mode="workspace",
        connector_root=ROOT,
        rebalance_job=True,
        wheels=(balancer_wheel(),),
    ),
]


@pytest.mark.parametrize("options", OPTION_SETS)
def test_bundle_validates_against_the_schema(osipi_plan: Path, options: RenderOptions) -> None:
    files = render_files(read_plan(osipi_plan), options)
    assert schema_errors(files) == []


def test_workspace_bundle_has_what_design_asks(osipi_plan: Path) -> None:
    plan = read_plan(osipi_plan)
    files = render_files(plan, RenderOptions("osipi", "c", mode="workspace", connector_root=ROOT))
    doc = merged(files)
    assert set(doc["variables"]) == {"catalog", "schema", "connection_name", "connector_root"}
    pipelines, jobs = doc["resources"]["pipelines"], doc["resources"]["jobs"]
    assert set(pipelines) == {p.key for p in plan.pipelines}
    for key, p in pipelines.items():
        assert p["serverless"] is True and p["channel"] == "PREVIEW" and p["continuous"] is False
        assert p["catalog"] == "${var.catalog}" and p["schema"] == "${var.schema}"
        assert "target" not in p and p["name"] == key  # display names carry no table counts
        assert p["libraries"] == [{"file": {"path": f"../src/ingest_{key}.py"}}]
        assert p["root_path"] == "${var.connector_root}/src"  # the connector is importable
        assert p["event_log"]["name"] == f"{key}_event_log"
        assert p["tags"]["lakeflow_balancer_id"] == plan.deployment_id
        job = jobs[f"{key}_schedule"]
        assert job["schedule"]["timezone_id"] == "UTC"
        assert (
            job["tasks"][0]["pipeline_task"]["pipeline_id"] == f"${{resources.pipelines.{key}.id}}"
        )


def test_managed_render_holds_full_request_bodies_and_no_bundle_resources(
    osipi_plan: Path,
) -> None:
    plan = read_plan(osipi_plan)
    options = RenderOptions("osipi", "osipi_conn", mode="managed", wheels=(FRAMEWORK, CONNECTOR))
    files = render_files(plan, options)
    assert not any(f.startswith(("resources/", "src/")) for f in files)
    doc = yaml.safe_load(files["databricks.yml"])
    assert "include" not in doc and "resources" not in doc
    assert "cannot express" in str(files["databricks.yml"]).split("bundle:")[0]
    tables = {t.source_table: t for t in plan.tables}
    for p in plan.pipelines:
        body = json.loads(files[f"deploy/pipelines/{p.key}.json"])
        assert body["configuration"] == {
            "pipelines.managedIngestion.registerPythonDataSource": "true"
        }
        assert body["environment"]["dependencies"] == [
            f"${{var.packages_volume_path}}/{FRAMEWORK.file_name}",
            f"${{var.packages_volume_path}}/{CONNECTOR.file_name}",
        ]
        definition = body["ingestion_definition"]
        assert definition["source_type"] == "COMMUNITY"
        assert definition["connection_name"] == "${var.connection_name}"
        assert [o["table"]["source_table"] for o in definition["objects"]] == list(p.tables)
        for o in definition["objects"]:
            t = o["table"]
            assert t["source_schema"] == "default" and t["destination_catalog"] == "${var.catalog}"
            keys = tables[t["source_table"]].primary_keys
            assert t["table_configuration"]["primary_keys"] == list(keys)
        assert body["event_log"]["name"] == f"{p.key}_event_log"
        assert files[f"deploy/jobs/{p.key}_schedule.json"]
    assert files[f"wheels/{FRAMEWORK.file_name}"] == b"fw"


def test_managed_objects_split_connector_options_from_ingestion_controls(tmp_path: Path) -> None:
    from balancer.model import Table
    from render.spec import managed_object, workspace_object

    t = Table(
        "issues",
        "gh_issues",
        ingestion_type="cdc",
        primary_keys=("id", "repo"),
        cursor_field="updated_at",
        table_configuration=(("owner", "me"), ("labels", '["a", "b"]')),
        scd_type="SCD_TYPE_2",
        cluster_by=("repo",),
    )
    options = RenderOptions("github", "c", common_table_config=(("owner", "x"), ("page", "50")))
    assert managed_object(t, options) == {
        "table": {
            "source_table": "issues",
            "source_schema": "default",
            "destination_catalog": "${var.catalog}",
            "destination_schema": "${var.schema}",
            "destination_table": "gh_issues",
            "connector_options": {
                "community_connector_options": {
                    "options": {"owner": "me", "page": "50", "labels": '["a", "b"]'}
                }
            },
            "table_configuration": {
                "scd_type": "SCD_TYPE_2",
                "primary_keys": ["id", "repo"],
                "sequence_by": ["updated_at"],
                "clustering_columns": ["repo"],
            },
        }
    }
    config = workspace_object(t, options)["table"]["table_configuration"]
    assert config["primary_keys"] == ["id", "repo"] and config["sequence_by"] == "updated_at"
    assert config["cluster_by"] == ["repo"] and config["owner"] == "me"


def test_variables_reach_the_ingest_files_and_prod_has_a_root_path(osipi_plan: Path) -> None:
    plan = read_plan(osipi_plan)
    files = render_files(
        plan, RenderOptions("osipi", "conn", "cat", "sch", mode="workspace", connector_root=ROOT)
    )
    doc = yaml.safe_load(files["databricks.yml"])
    prod = doc["targets"]["prod"]
    assert prod["mode"] == "production" and prod["workspace"]["root_path"].startswith("/Workspace/")
    assert set(prod["variables"]) == {"catalog", "schema", "connection_name"}
    for p in plan.pipelines:
        ingest = str(files[f"src/ingest_{p.key}.py"])
        assert "'cat'" not in ingest and "'sch'" not in ingest and "'conn'" not in ingest
        conf = {
            "lakeflow_balancer.catalog": "prod_cat",
            "lakeflow_balancer.schema": "prod_sch",
            "lakeflow_balancer.connection_name": "prod_conn",
        }
        spec = run_ingest_file(ingest, conf)
        assert spec["connection_name"] == "prod_conn"
        assert {o["table"]["destination_catalog"] for o in spec["objects"]} == {"prod_cat"}
        resource = yaml.safe_load(str(files[f"resources/{p.key}.yml"]))["resources"]["pipelines"]
        assert resource[p.key]["configuration"] == {
            "lakeflow_balancer.catalog": "${var.catalog}",
            "lakeflow_balancer.schema": "${var.schema}",
            "lakeflow_balancer.connection_name": "${var.connection_name}",
        }


def test_rerendering_the_same_plan_changes_no_byte(osipi_plan: Path, tmp_path: Path) -> None:
    args = [*wheel_args(tmp_path / "w", "osipi"), "--rebalance-job"]
    for out in ("a", "b"):
        result = render_cli(osipi_plan, tmp_path / out, *args)
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
    assert a == b and any(str(p).startswith("wheels/lakeflow_balancer") for p in a)


def test_seed_flags_work(osipi_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    result = render_cli(
        osipi_plan,
        out,
        "--mode",
        "workspace",
        "--connector-root",
        ROOT,
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
        '{"maxCount": 10, "primary_keys": ["id", "x"]}',
        "--source-name",
        "osipi",
    )
    assert result.exit_code == 0, result.output
    files = text_files(out)
    doc = merged(files)
    assert doc["bundle"]["name"] == "osipi_balanced_x"
    assert "jobs" not in doc["resources"]
    lib = next(iter(doc["resources"]["pipelines"].values()))["libraries"][0]["file"]["path"]
    assert lib.startswith("/Workspace/Shared/osipi/ingest_")
    assert doc["variables"]["connection_name"]["default"] == "conn1"
    ingest = next(v for k, v in files.items() if k.startswith("src/ingest_"))
    conf = {
        f"lakeflow_balancer.{k}": v
        for k, v in (("catalog", "c"), ("schema", "s"), ("connection_name", "conn1"))
    }
    table = run_ingest_file(ingest, conf)["objects"][0]["table"]
    assert table["table_configuration"]["maxCount"] == "10"
    assert isinstance(table["table_configuration"]["primary_keys"], list)  # a list stays a list
    assert schema_errors(files) == []


def test_pause_jobs_flag(osipi_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    result = render_cli(osipi_plan, out, "--pause-jobs", *wheel_args(tmp_path / "w", "osipi"))
    assert result.exit_code == 0, result.output
    job = json.loads(next((out / "deploy" / "jobs").iterdir()).read_text())
    assert job["schedule"]["pause_status"] == "PAUSED"


def test_render_without_connector_code_exits_2(osipi_plan: Path, tmp_path: Path) -> None:
    for args in ([], ["--mode", "workspace"]):
        result = render_cli(osipi_plan, tmp_path / "x", *args)
        assert result.exit_code == 2 and "--connector" in result.output, result.output
        assert not (tmp_path / "x").exists()


def test_rebalancing_job_carries_the_balancer_wheel(osipi_plan: Path) -> None:
    plan = read_plan(osipi_plan)
    wheel = balancer_wheel()
    files = render_files(
        plan,
        RenderOptions(
            "osipi", "c", mode="workspace", connector_root=ROOT, rebalance_job=True, wheels=(wheel,)
        ),
    )
    assert schema_errors(files) == []
    job = yaml.safe_load(str(files["resources/rebalance_job.yml"]))["resources"]["jobs"][
        "osipi_rebalance"
    ]
    assert job["schedule"]["pause_status"] == "PAUSED"
    assert job["schedule"]["quartz_cron_expression"] == "0 0 6 ? * 2"
    assert job["environments"][0]["spec"]["dependencies"] == [f"../wheels/{wheel.file_name}"]
    params = job["tasks"][0]["spark_python_task"]["parameters"]
    assert params.count("--event-log-table") == len(plan.pipelines)
    deployed = json.loads(files["deploy/jobs/osipi_rebalance.json"])
    assert deployed["environments"][0]["spec"]["dependencies"] == [
        f"${{var.packages_volume_path}}/{wheel.file_name}"
    ]
    assert files[f"wheels/{wheel.file_name}"] == wheel.data
    assert "from balancer.databricks.rebalance_job import main" in str(
        files["src/rebalance_job.py"]
    )
    assert "proposal_volume_path" in yaml.safe_load(str(files["databricks.yml"]))["variables"]


# --- safe outputs ---------------------------------------------------------------------


def test_render_refuses_a_folder_it_did_not_write(osipi_plan: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / "NOTES.md").write_text("mine\n")
    plan = project / "plan.json"
    plan.write_bytes(osipi_plan.read_bytes())
    result = render_cli(plan, project, *wheel_args(tmp_path / "w", "osipi"))
    assert result.exit_code == 2, result.output
    assert (project / ".git" / "HEAD").exists() and (project / "NOTES.md").read_text() == "mine\n"
    assert plan.read_bytes() == osipi_plan.read_bytes()
    other = tmp_path / "other"
    (other / "x").mkdir(parents=True)
    (other / "x" / "keep.txt").write_text("k")
    result = render_cli(osipi_plan, other, *wheel_args(tmp_path / "w", "osipi"))
    assert result.exit_code == 2 and "not empty" in result.output
    assert (other / "x" / "keep.txt").read_text() == "k"


def test_render_refuses_to_write_where_its_plan_is(osipi_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = wheel_args(tmp_path / "w", "osipi")
    assert render_cli(osipi_plan, out, *args, "--rebalance-job").exit_code == 0
    inside = out / "src" / "plan.json"
    before = inside.read_bytes()
    result = render_cli(inside, out, *args)
    assert result.exit_code == 2 and "src/plan.json is an input of this command" in result.output
    assert inside.read_bytes() == before


def test_an_earlier_render_is_replaced_and_added_files_survive(
    osipi_plan: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = wheel_args(tmp_path / "w", "osipi")
    assert render_cli(osipi_plan, out, *args, "--rebalance-job").exit_code == 0
    (out / ".git").mkdir()
    (out / ".git" / "config").write_text("[core]\n")
    (out / "deploy" / "README.md").write_text("my notes\n")
    result = render_cli(osipi_plan, out, *args)  # no rebalancing job this time
    assert result.exit_code == 0, result.output
    assert not (out / "src").exists()  # what the earlier render wrote and this one does not
    assert (out / ".git" / "config").read_text() == "[core]\n"
    assert (out / "deploy" / "README.md").read_text() == "my notes\n"
    listed = json.loads((out / MANIFEST).read_text())["files"]
    assert "deploy/README.md" not in listed and "databricks.yml" in listed


def test_a_file_added_where_the_render_writes_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "1\n"})
    (out / "b.txt").write_text("mine\n")
    with pytest.raises(Exception, match=r"b\.txt was not written by lakeflow-balancer"):
        write_tree(out, {"a.txt": "2\n", "b.txt": "theirs\n"})
    assert (out / "b.txt").read_text() == "mine\n" and (out / "a.txt").read_text() == "1\n"


def test_a_failed_render_leaves_the_old_folder_untouched(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    write_tree(out, {"databricks.yml": "old\n", "src/a.py": "x = 1\n"})
    (out / "mine.txt").write_text("keep\n")

    class Boom(dict):  # type: ignore[type-arg]
        def items(self):  # type: ignore[no-untyped-def]
            yield "databricks.yml", "new\n"
            raise OSError("disk full")

    with pytest.raises(InputError, match="disk full"):
        write_tree(out, Boom())
    assert (out / "databricks.yml").read_text() == "old\n" and (out / "src" / "a.py").exists()
    assert (out / "mine.txt").read_text() == "keep\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]


def test_bad_common_config_exits_2(osipi_plan: Path, tmp_path: Path) -> None:
    for text, words in (("{bad", "not valid JSON"), ('{"primary_keys": 5}', "list of column")):
        result = render_cli(
            osipi_plan,
            tmp_path / "x",
            "--common-table-config-json",
            text,
            *wheel_args(tmp_path / "w", "osipi"),
        )
        assert result.exit_code == 2 and words in result.output, result.output
        assert not (tmp_path / "x").exists()
