"""Deploy with the real databricks-sdk against the strict local workspace on 127.0.0.1."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from balancer.cli import main
from balancer.databricks.deploy import deploy
from balancer.databricks.rendered import ID_TAG, load_rendered
from balancer.databricks.workspace import workspace_client
from balancer.errors import InputError, RemoteError
from tests.fakes.workspace import USER, FakeWorkspace
from tests.helpers import EXAMPLES, render_cli, wheel_args

DEV = "[dev someone] "


def solve(tmp_path: Path, pipelines: str, name: str, tables: Path | None = None) -> Path:
    plan = tmp_path / f"{name}.json"
    args = ["solve", "--history", str(EXAMPLES / "osipi" / "runs.csv"), "--pipelines", pipelines]
    if tables is not None:
        args += ["--tables", str(tables)]
    result = CliRunner().invoke(main, [*args, "-o", str(plan), "-q", "--name", "osipi"])
    assert result.exit_code == 0, result.output
    return plan


def render_for(
    tmp_path: Path,
    pipelines: str = "3..8",
    name: str = "b1",
    *args: str,
    tables: Path | None = None,
) -> Path:
    out = tmp_path / name
    plan = solve(tmp_path, pipelines, name, tables)
    extra = list(args) or wheel_args(tmp_path / "wheels", "osipi")
    result = render_cli(plan, out, "--catalog", "cat", "--schema", "sch", *extra)
    assert result.exit_code == 0, result.output
    return out


def writes(ws: FakeWorkspace) -> list[tuple[str, str]]:
    return [(m, p) for m, p in ws.requests if m != "GET" and "/.well-known/" not in p]


def test_managed_first_deploy_then_redeploy_changes_nothing(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    rendered = load_rendered(render_for(tmp_path))
    first = deploy(workspace_client(), rendered)
    assert first.created == len(rendered.pipelines) + len(rendered.jobs) and first.updated == 0
    assert len(ws.pipelines) == len(rendered.pipelines) and len(ws.jobs) == len(rendered.jobs)
    spec = next(iter(ws.pipelines.values()))["spec"]
    assert spec["name"].startswith(DEV) and spec["development"] is True
    assert spec["ingestion_definition"]["source_type"] == "COMMUNITY"
    assert spec["ingestion_definition"]["connection_name"] == "osipi_connection"
    assert spec["catalog"] == "cat" and spec["tags"][ID_TAG] == rendered.deployment_id
    deps = spec["environment"]["dependencies"]
    assert deps and all(d in ws.volume_files for d in deps)  # wheels uploaded where listed
    assert ws.volumes == {"cat.sch.community_connector"}
    for job in ws.jobs.values():
        assert job["tasks"][0]["pipeline_task"]["pipeline_id"] in ws.pipelines
        assert job["schedule"]["pause_status"] == "PAUSED"  # development target
    ws.requests.clear()
    second = deploy(workspace_client(), rendered)
    assert second.created == 0 and second.updated == 0
    assert second.unchanged == len(rendered.pipelines) + len(rendered.jobs)
    assert not [w for w in writes(ws) if "pipelines" in w[1] or "jobs" in w[1]]


def test_workspace_files_mode_uploads_files_the_pipelines_name(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = render_for(
        tmp_path, "4", "ws", "--mode", "workspace", "--connector-root", "/Workspace/Repos/me/lcc"
    )
    result = CliRunner().invoke(main, ["deploy", str(folder), "--target", "prod"])
    assert result.exit_code == 0, result.output
    files_root = f"/Workspace/Users/{USER}/.bundle/osipi_balanced/prod/files"
    for p in ws.pipelines.values():
        spec = p["spec"]
        assert not spec["name"].startswith("[dev")
        assert "development" not in spec and spec["root_path"] == "/Workspace/Repos/me/lcc/src"
        path = spec["libraries"][0]["file"]["path"]
        assert path.startswith(f"{files_root}/src/ingest_") and path in ws.files
        assert spec["configuration"]["lakeflow_balancer.catalog"] == "cat"
    text = base64.b64decode(ws.files[path]["content"]).decode()
    assert text == (folder / "src" / Path(path).name).read_text()
    assert ws.files[path]["format"] == "AUTO"  # a workspace file, not a notebook
    assert all(j["schedule"]["pause_status"] == "UNPAUSED" for j in ws.jobs.values())


def test_variables_and_targets(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = render_for(tmp_path)
    result = CliRunner().invoke(
        main, ["deploy", str(folder), "-t", "prod", "--var", "catalog=prod_cat"]
    )
    assert result.exit_code == 0, result.output
    spec = next(iter(ws.pipelines.values()))["spec"]
    assert spec["catalog"] == "prod_cat" and spec["event_log"]["catalog"] == "prod_cat"
    objects = spec["ingestion_definition"]["objects"]
    assert {o["table"]["destination_catalog"] for o in objects} == {"prod_cat"}
    result = CliRunner().invoke(main, ["deploy", str(folder), "-t", "staging"])
    assert result.exit_code == 2 and "target 'staging'" in result.output


def test_changed_plan_and_prune_deletes_only_its_own(ws: FakeWorkspace, tmp_path: Path) -> None:
    big = load_rendered(render_for(tmp_path, "8", "big"))
    deploy(workspace_client(), big)
    hand_made = ws.add_pipeline("someone_elses")
    small = load_rendered(render_for(tmp_path, "4", "small"))
    assert small.deployment_id == big.deployment_id
    kept = deploy(workspace_client(), small)
    assert kept.deleted == 0 and len(ws.pipelines) == len(big.pipelines) + 1
    dry = deploy(workspace_client(), small, prune=True, dry_run=True)
    assert dry.deleted == (len(big.pipelines) - len(small.pipelines)) * 2
    ws.requests.clear()
    pruned = deploy(workspace_client(), small, prune=True)
    assert pruned.deleted == dry.deleted
    names = {p["name"] for p in ws.pipelines.values()}
    assert names == {DEV + b["name"] for b in small.pipelines.values()} | {"someone_elses"}
    assert hand_made in ws.pipelines
    deletes = [p for m, p in writes(ws) if m == "DELETE" or p.endswith("/jobs/delete")]
    assert deletes[0].endswith("/jobs/delete") and deletes[-1].startswith("/api/2.0/pipelines/")


def test_another_project_with_the_same_name_is_never_touched(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    ours = load_rendered(render_for(tmp_path, "3", "ours"))
    deploy(workspace_client(), ours)
    tables = tmp_path / "other_tables.csv"
    lines = (EXAMPLES / "osipi" / "tables.csv").read_text().splitlines()
    tables.write_text("\n".join(lines[:-3]) + "\n")  # another project: other tables, same name
    theirs = load_rendered(render_for(tmp_path, "3", "theirs", tables=tables))
    assert theirs.bundle == ours.bundle and theirs.deployment_id != ours.deployment_id
    before = json.dumps(ws.pipelines, sort_keys=True)
    with pytest.raises(InputError, match="was not created by this plan"):
        deploy(workspace_client(), theirs, prune=True)
    assert json.dumps(ws.pipelines, sort_keys=True) == before


def test_a_same_named_pipeline_it_did_not_create_is_refused_or_adopted(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = render_for(tmp_path, "3")
    rendered = load_rendered(folder)
    victim = DEV + next(iter(rendered.pipelines.values()))["name"]
    pid = ws.add_pipeline(victim, {"owner": "data-team"})
    result = CliRunner().invoke(main, ["deploy", str(folder)])
    assert result.exit_code == 2 and "was not created by this plan" in result.output
    assert ws.pipelines[pid]["spec"] == {"name": victim, "id": pid, "tags": {"owner": "data-team"}}
    assert len(ws.pipelines) == 1 and not ws.jobs
    result = CliRunner().invoke(main, ["deploy", str(folder), "--adopt"])
    assert result.exit_code == 0, result.output
    assert ws.pipelines[pid]["spec"]["tags"][ID_TAG] == rendered.deployment_id


def test_dry_run_reads_but_changes_nothing(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = render_for(tmp_path, "3")
    result = CliRunner().invoke(main, ["deploy", str(folder), "--dry-run"])
    assert result.exit_code == 0 and "would create pipeline" in result.output
    assert writes(ws) == [] and not ws.pipelines
    assert CliRunner().invoke(main, ["deploy", str(folder)]).exit_code == 0
    ws.requests.clear()
    result = CliRunner().invoke(main, ["deploy", str(folder), "--dry-run"])
    assert "unchanged pipeline" in result.output and "would create pipeline" not in result.output
    assert writes(ws) == []


def test_a_503_is_retried(ws: FakeWorkspace, tmp_path: Path) -> None:
    rendered = load_rendered(render_for(tmp_path, "3"))
    ws.fail("POST", "/api/2.0/pipelines", 503, times=1)
    report = deploy(workspace_client(), rendered)
    assert report.created == len(rendered.pipelines) + len(rendered.jobs)
    assert len(ws.pipelines) == len(rendered.pipelines)


def test_a_403_part_way_says_what_was_done_and_exits_4(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = render_for(tmp_path, "3")
    ws.fail("POST", "/api/2.2/jobs/create", 403, times=100)
    result = CliRunner().invoke(main, ["deploy", str(folder)])
    assert result.exit_code == 4
    assert "PermissionDenied" in result.output and "create job" in result.output
    assert "Done before the failure" in result.output and "create pipeline" in result.output
    assert "deployed:" not in result.output


def test_an_answer_without_an_id_is_an_error_not_a_success(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    rendered = load_rendered(render_for(tmp_path, "3"))
    ws.fail("POST", "/api/2.0/pipelines", 200, times=1, body={})
    with pytest.raises(RemoteError, match="no valid pipeline_id"):
        deploy(workspace_client(), rendered)
    assert not ws.jobs


def test_exact_names_only(ws: FakeWorkspace, tmp_path: Path) -> None:
    rendered = load_rendered(render_for(tmp_path, "3"))
    some = DEV + next(iter(rendered.pipelines.values()))["name"]
    lookalike = some.replace("_", "X", 1)  # matches LIKE 'osipi_...' where _ is a wildcard
    pid = ws.add_pipeline(lookalike)
    deploy(workspace_client(), rendered)
    assert ws.pipelines[pid]["name"] == lookalike
    assert sum(1 for p in ws.pipelines.values() if p["name"] == some) == 1


def test_rebalance_job_deploys_with_its_files_and_wheel(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = render_for(
        tmp_path, "3", "rj", *wheel_args(tmp_path / "w", "osipi"), "--rebalance-job"
    )
    result = CliRunner().invoke(main, ["deploy", str(folder), "--dry-run"])
    assert (
        result.exit_code == 0 and "would create job [dev someone] osipi rebalance" in result.output
    )
    result = CliRunner().invoke(main, ["deploy", str(folder)])
    assert result.exit_code == 0, result.output
    job = next(j for j in ws.jobs.values() if j["name"].endswith("osipi rebalance"))
    task = job["tasks"][0]["spark_python_task"]
    assert task["python_file"] in ws.files
    plan_path = task["parameters"][task["parameters"].index("--plan") + 1]
    assert plan_path in ws.files
    (wheel,) = job["environments"][0]["spec"]["dependencies"]
    assert wheel in ws.volume_files and "lakeflow_balancer" in wheel
    assert "cat.sch.lakeflow_balancer" in ws.volumes  # where the proposals go


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
            "--event-log-table",
            "cat.sch.osipi_append_01_event_log",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "run_id,table,start_time,duration_s,status" and len(lines) == 6
    statement = next(iter(ws.statements.values()))
    assert "`cat`.`sch`.`osipi_append_01_event_log`" in statement["statement"]
    assert sum(1 for m, p in ws.requests if "/result/chunks/" in p) == 2
    from balancer.io import read_history

    assert read_history(out).n_runs == 5


def test_an_unreachable_host_fails_fast_with_exit_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket
    import time

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("DATABRICKS_HOST", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("DATABRICKS_TOKEN", "t")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none"))
    rendered = load_rendered(render_for(tmp_path, "3"))
    started = time.perf_counter()
    with pytest.raises(RemoteError, match="could not reach the workspace"):
        deploy(workspace_client(retry_timeout_s=1), rendered)
    assert time.perf_counter() - started < 30


def test_prune_deletes_jobs_first_and_stops_at_the_first_refusal(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    big = load_rendered(render_for(tmp_path, "8", "big"))
    deploy(workspace_client(), big)
    small = load_rendered(render_for(tmp_path, "4", "small"))
    deploy(workspace_client(), small)
    before = set(ws.pipelines)
    ws.fail("POST", "/api/2.2/jobs/delete", 403, times=100)
    with pytest.raises(RemoteError, match="delete job") as info:
        deploy(workspace_client(), small, prune=True)
    assert set(ws.pipelines) == before  # no pipeline deleted while its job still runs it
    assert "Done before the failure" in str(info.value)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/2.0/preview/scim/v2/Me", {"userName": 5}),
        ("/api/2.0/preview/scim/v2/Me", {}),
        ("/api/2.0/pipelines", {"statuses": "not a list"}),
        ("/api/2.2/jobs/list", {"jobs": {"a": 1}, "has_more": False}),
    ],
)
def test_odd_answers_from_the_workspace_are_handled(
    ws: FakeWorkspace, tmp_path: Path, path: str, body: dict[str, object]
) -> None:
    rendered = load_rendered(render_for(tmp_path, "3"))
    ws.fail("GET", path, 200, times=1, body=body)
    try:
        report = deploy(workspace_client(), rendered, dry_run=True)
    except RemoteError as exc:
        assert "no valid" in str(exc)  # a missing user name is named, not a traceback
    else:
        assert report.created == len(rendered.pipelines) + len(rendered.jobs)


def test_a_same_named_job_it_did_not_create_is_refused(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = render_for(tmp_path, "3")
    rendered = load_rendered(folder)
    name = DEV + next(iter(rendered.jobs.values()))["name"]
    ws.jobs[900] = {"name": name, "tags": {"team": "theirs"}}
    result = CliRunner().invoke(main, ["deploy", str(folder)])
    assert result.exit_code == 2 and "was not created by this plan" in result.output
    assert ws.jobs == {900: {"name": name, "tags": {"team": "theirs"}}} and not ws.pipelines
