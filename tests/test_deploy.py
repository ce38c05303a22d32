"""Deploy and history pull with the real databricks-sdk against a local server on 127.0.0.1."""

from __future__ import annotations

import base64
from pathlib import Path

from click.testing import CliRunner

from balancer.cli import main
from balancer.deploy import BUNDLE_TAG, deploy, load_bundle
from tests.conftest import EXAMPLES
from tests.fakes.workspace import FakeWorkspace


def client() -> object:
    from databricks.sdk import WorkspaceClient

    return WorkspaceClient()


def bundle_for(tmp_path: Path, pipelines: str = "3..8", name: str = "b1") -> Path:
    runner = CliRunner()
    plan, out = tmp_path / f"{name}.json", tmp_path / name
    assert (
        runner.invoke(
            main,
            [
                "solve",
                "--history",
                str(EXAMPLES / "osipi" / "runs.csv"),
                "--pipelines",
                pipelines,
                "-o",
                str(plan),
                "-q",
            ],
        ).exit_code
        == 0
    )
    result = runner.invoke(
        main, ["render", str(plan), "-o", str(out), "--catalog", "cat", "--schema", "sch"]
    )
    assert result.exit_code == 0, result.output
    return out


def test_first_deploy_then_redeploy_creates_nothing_new(ws: FakeWorkspace, tmp_path: Path) -> None:
    bundle = load_bundle(bundle_for(tmp_path))
    first = deploy(client(), bundle, "/Workspace/Shared/lb")
    assert first.created == len(bundle.pipelines) + len(bundle.jobs) and first.updated == 0
    assert len(ws.pipelines) == len(bundle.pipelines) and len(ws.jobs) == len(bundle.jobs)
    assert set(ws.files) == {f"/Workspace/Shared/lb/{n}" for n in bundle.files}
    name = next(iter(bundle.files))
    assert base64.b64decode(ws.files[f"/Workspace/Shared/lb/{name}"]).decode() == bundle.files[name]
    spec = next(iter(ws.pipelines.values()))["spec"]
    assert spec["serverless"] is True and spec["channel"] == "PREVIEW" and spec["catalog"] == "cat"
    assert spec["libraries"][0]["file"]["path"].startswith("/Workspace/Shared/lb/ingest_")
    assert spec["tags"][BUNDLE_TAG] == bundle.name
    job = next(iter(ws.jobs.values()))
    assert job["tasks"][0]["pipeline_task"]["pipeline_id"] in ws.pipelines
    second = deploy(client(), bundle, "/Workspace/Shared/lb")
    assert second.created == 0 and second.updated == len(bundle.pipelines) + len(bundle.jobs)
    assert len(ws.pipelines) == len(bundle.pipelines) and len(ws.jobs) == len(bundle.jobs)


def test_changed_plan_and_prune(ws: FakeWorkspace, tmp_path: Path) -> None:
    big = load_bundle(bundle_for(tmp_path, "8", "big"))
    deploy(client(), big, "/Workspace/Shared/lb")
    ws.pipelines["pipe-other"] = {
        "pipeline_id": "pipe-other",
        "name": "someone_elses",
        "spec": {"name": "someone_elses"},
    }
    small = load_bundle(bundle_for(tmp_path, "4", "small"))
    assert small.name == big.name
    kept = deploy(client(), small, "/Workspace/Shared/lb")
    assert kept.deleted == 0 and len(ws.pipelines) == len(big.pipelines) + 1
    pruned = deploy(client(), small, "/Workspace/Shared/lb", prune=True)
    assert pruned.deleted == (len(big.pipelines) - len(small.pipelines)) + (
        len(big.jobs) - len(small.jobs)
    )
    names = {p["name"] for p in ws.pipelines.values()}
    assert names == {s["name"] for s in small.pipelines.values()} | {"someone_elses"}


def test_a_503_is_retried(ws: FakeWorkspace, tmp_path: Path) -> None:
    bundle = load_bundle(bundle_for(tmp_path))
    ws.fail("POST", "/api/2.0/pipelines", 503, times=1)
    report = deploy(client(), bundle, "/Workspace/Shared/lb")
    assert report.created == len(bundle.pipelines) + len(bundle.jobs)
    assert len(ws.pipelines) == len(bundle.pipelines)


def test_a_403_stops_with_a_clear_error_and_exit_code(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = bundle_for(tmp_path)
    ws.fail("POST", "/api/2.2/jobs/create", 403, times=100)
    result = CliRunner().invoke(main, ["deploy", str(folder)])
    assert result.exit_code == 4
    assert "PermissionDenied" in result.output and "create job" in result.output
    assert "Done before the failure" in result.output and "deployed:" not in result.output


def test_dry_run_makes_no_call(ws: FakeWorkspace, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["deploy", bundle_for(tmp_path).as_posix(), "--dry-run"])
    assert result.exit_code == 0 and "would create pipeline" in result.output
    assert ws.requests == []


def test_exact_names_only(ws: FakeWorkspace, tmp_path: Path) -> None:
    bundle = load_bundle(bundle_for(tmp_path))
    some = next(iter(bundle.pipelines.values()))["name"]
    lookalike = some.replace(
        "_", "X", 1
    )  # matches the LIKE pattern 'osipi_...' where _ is a wildcard
    ws.pipelines["pipe-look"] = {
        "pipeline_id": "pipe-look",
        "name": lookalike,
        "spec": {"name": lookalike},
    }
    deploy(client(), bundle, "/Workspace/Shared/lb")
    assert ws.pipelines["pipe-look"]["name"] == lookalike
    assert sum(1 for p in ws.pipelines.values() if p["name"] == some) == 1


def test_history_pull_follows_chunks(ws: FakeWorkspace, tmp_path: Path) -> None:
    ws.result_columns = ["run_id", "table", "start_time", "duration_s", "status"]
    ws.result_rows = [
        [f"u{k}", f"t{k % 2}", f"2026-01-0{1 + k}T00:00:00.000Z", str(10 + k), "COMPLETED"]
        for k in range(5)
    ]
    ws.chunk_rows = 2
    out = tmp_path / "runs.csv"
    result = CliRunner().invoke(
        main,
        [
            "history",
            "pull",
            "--warehouse-id",
            "wh1",
            "--pipeline-id",
            "0123abcd-0000-0000-0000-000000000000",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "run_id,table,start_time,duration_s,status" and len(lines) == 6
    statement = next(iter(ws.statements.values()))
    assert "event_log('0123abcd-0000-0000-0000-000000000000')" in statement["statement"]
    assert sum(1 for m, p in ws.requests if "/result/chunks/" in p) == 2
    from balancer.readers import read_history

    assert read_history(out).n_runs == 5
