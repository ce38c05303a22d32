"""Deploy with the real databricks-sdk against the strict local workspace on 127.0.0.1: the
first deploy, and every change after it (re-layouts, prune, a second target, a rebalance)
without losing a table, breaking ownership or wiping settings."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from balancer.cli import main
from balancer.databricks.deploy import deploy, undeploy
from balancer.databricks.rendered import ID_TAG, load_rendered
from balancer.databricks.state import read_state
from balancer.databricks.workspace import workspace_client
from balancer.deployment import TARGET_TAG
from balancer.errors import InputError, RemoteError
from tests.fakes.definitions import defined_tables
from tests.fakes.workspace import USER, FakeWorkspace
from tests.helpers import EXAMPLES, drift_scenario, render_cli, wheel_args

DEV = "[dev someone] "
RUNS = str(EXAMPLES / "osipi" / "runs.csv")


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def solve(tmp_path: Path, pipelines: str, name: str, *extra: str, plan_name: str = "osipi") -> Path:
    plan = tmp_path / f"{name}.json"
    result = cli(
        "solve",
        "--history",
        RUNS,
        "--pipelines",
        pipelines,
        "-o",
        str(plan),
        "-q",
        "--name",
        plan_name,
        *extra,
    )
    assert result.exit_code == 0, result.output
    return plan


def render(tmp_path: Path, plan: Path, out: str = "out", *args: str) -> Path:
    folder = tmp_path / out
    extra = list(args) or wheel_args(tmp_path / "wheels", "osipi")
    # osipi's tables have no schedules: run them, as the tests of what deploy does with a
    # job's pause status need (the paused default: tests/test_deploy_scripts.py)
    result = render_cli(
        plan, folder, "--catalog", "cat", "--schema", "sch", "--run-default-schedules", *extra
    )
    assert result.exit_code == 0, result.output
    return folder


def render_for(tmp_path: Path, pipelines: str = "3..8", name: str = "b1", *args: str) -> Path:
    return render(tmp_path, solve(tmp_path, pipelines, name), name, *args)


def writes(ws: FakeWorkspace) -> list[tuple[str, str]]:
    return [(m, p) for m, p in ws.requests if m not in ("GET", "HEAD") and "/.well-known/" not in p]


def run_all(ws: FakeWorkspace, scheduled_only: bool = False) -> dict[str, str]:
    """Every pipeline's next update, as its job would start it (with `scheduled_only`, only
    the pipelines whose job is not paused): name -> outcome."""
    unpaused = {
        j["tasks"][0]["pipeline_task"]["pipeline_id"]
        for j in ws.jobs.values()
        if j.get("schedule", {}).get("pause_status") != "PAUSED"
    }
    return {
        ws.pipelines[pid]["spec"]["name"]: ws.run(pid)["state"]
        + " "
        + ws.pipelines[pid]["updates"][-1]["message"]
        for pid in sorted(ws.pipelines)
        if not scheduled_only or pid in unpaused
    }


def all_completed(ws: FakeWorkspace, scheduled_only: bool = False) -> None:
    outcomes = run_all(ws, scheduled_only)
    bad = {k: o for k, o in outcomes.items() if not o.startswith("COMPLETED")}
    assert not bad, bad


def defined_once(ws: FakeWorkspace) -> None:
    """No two pipelines (of any target) define one table or one event-log table."""
    seen: dict[str, str] = {}
    for pid, p in ws.pipelines.items():
        for t in defined_tables(p["spec"], ws.files):
            assert t not in seen, f"{t} defined by {seen.get(t)} and {pid}"
            seen[t] = pid


def deploy_and_run(ws: FakeWorkspace, folder: Path, *args: str) -> None:
    """`balancer deploy`, then every pipeline's first update, each of which must succeed."""
    result = cli("deploy", str(folder), *args)
    assert result.exit_code == 0, result.output
    all_completed(ws)


def in_prod(tmp_path: Path, pipelines: str) -> tuple[Path, Path]:
    """A plan solved for `pipelines`, rendered and deployed to prod: (plan, render folder)."""
    plan = solve(tmp_path, pipelines, "plan")
    folder = render(tmp_path, plan)
    result = cli("deploy", str(folder), "-t", "prod")
    assert result.exit_code == 0, result.output
    return plan, folder


def drifted_in_prod(ws: FakeWorkspace, tmp_path: Path) -> tuple[Path, Path, Path]:
    """README's drift scenario with its plan deployed to prod and run once:
    (plan, drifted history, render folder)."""
    plan, drift = drift_scenario(tmp_path)
    folder = render(tmp_path, plan)
    deploy_and_run(ws, folder, "--target", "prod")
    return plan, drift, folder


def apply_rebalance(plan: Path, drift: Path, out: Path, folder: Path) -> Result:
    """`rebalance --apply` on the deployed render: the proposal in `out`, the plan replaced."""
    result = cli(
        "rebalance",
        "--plan",
        str(plan),
        "--history",
        str(drift),
        "-o",
        str(out),
        "--deployment",
        str(folder),
        "--apply",
    )
    assert result.exit_code == 0, result.output
    return result


# --- first deploy, and redeploying it -----------------------------------------------------


def test_managed_first_deploy_then_an_unchanged_redeploy_writes_nothing(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    rendered = load_rendered(render_for(tmp_path))
    first = deploy(workspace_client(), rendered)
    assert first.created == len(rendered.pipelines) + len(rendered.jobs) and first.updated == 0
    assert len(ws.pipelines) == len(rendered.pipelines) and len(ws.jobs) == len(rendered.jobs)
    spec = next(iter(ws.pipelines.values()))["spec"]
    assert spec["name"].startswith(DEV) and spec["development"] is True
    assert spec["ingestion_definition"]["source_type"] == "COMMUNITY"
    assert spec["catalog"] == "cat" and spec["schema"] == "sch_dev_someone"  # dev's own schema
    assert (
        spec["tags"][ID_TAG] == rendered.deployment_id and spec["tags"][TARGET_TAG] == f"dev.{USER}"
    )
    deps = spec["environment"]["dependencies"]
    assert deps and all(d in ws.volume_files for d in deps)  # wheels uploaded where listed
    assert ws.volumes == {"cat.sch_dev_someone.community_connector"}
    for job in ws.jobs.values():
        assert job["tasks"][0]["pipeline_task"]["pipeline_id"] in ws.pipelines
        assert job["schedule"]["pause_status"] == "PAUSED"  # development target
    all_completed(ws)
    ws.requests.clear()
    second = deploy(workspace_client(), rendered)
    assert second.steps == () and second.unchanged == len(rendered.pipelines) + len(rendered.jobs)
    assert writes(ws) == []  # no write call at all: wheels, specs and jobs compared first
    result = cli("deploy", rendered.folder, "--dry-run")
    assert result.exit_code == 0 and "would " not in result.output
    assert "unchanged job" in result.output and "0 step(s)" in result.output


def test_workspace_files_mode_uploads_the_files_its_pipelines_run(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = render_for(
        tmp_path, "4", "ws", "--mode", "workspace", "--connector-root", "/Workspace/Repos/me/lcc"
    )
    result = cli("deploy", str(folder), "--target", "prod")
    assert result.exit_code == 0, result.output
    files_root = "/Workspace/Shared/.bundle/osipi_balanced/prod/files"
    for p in ws.pipelines.values():
        spec = p["spec"]
        assert not spec["name"].startswith("[dev")
        assert "development" not in spec and spec["root_path"] == "/Workspace/Repos/me/lcc/src"
        path = spec["libraries"][0]["file"]["path"]
        assert path.startswith(f"{files_root}/src/ingest_") and path in ws.files
        assert spec["configuration"]["lakeflow_balancer.catalog"] == "cat"
    text = base64.b64decode(ws.files[path]["content"]).decode()
    assert text == (folder / "src" / Path(path).name).read_text()
    assert all(j["schedule"]["pause_status"] == "UNPAUSED" for j in ws.jobs.values())
    all_completed(ws)  # each pipeline creates the 39 tables its file names
    assert len([t for t in ws.tables if not t.endswith("_event_log")]) == 39
    ws.requests.clear()
    assert cli("deploy", str(folder), "--target", "prod").exit_code == 0
    assert writes(ws) == []


def test_variables_and_targets(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = render_for(tmp_path)
    result = cli("deploy", str(folder), "-t", "prod", "--var", "catalog=prod_cat")
    assert result.exit_code == 0, result.output
    assert "tables and event logs in prod_cat.sch" in result.output
    spec = next(iter(ws.pipelines.values()))["spec"]
    assert spec["catalog"] == "prod_cat" and spec["event_log"]["catalog"] == "prod_cat"
    objects = spec["ingestion_definition"]["objects"]
    assert {o["table"]["destination_catalog"] for o in objects} == {"prod_cat"}
    result = cli("deploy", str(folder), "-t", "staging")
    assert result.exit_code == 2 and "target 'staging'" in result.output
    result = cli("deploy", str(folder), "-t", "prod", "--var", "schema=nowhere")
    assert result.exit_code == 2 and "schema cat.nowhere" in result.output


# --- targets are isolated -----------------------------------------------------------------


def test_dev_then_prod_then_prod_prune_leaves_dev_alone_and_no_table_is_shared(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = render_for(tmp_path, "8")
    assert cli("deploy", str(folder)).exit_code == 0
    all_completed(ws)
    dev = {pid: json.dumps(p["spec"], sort_keys=True) for pid, p in ws.pipelines.items()}
    result = cli("deploy", str(folder), "--target", "prod")
    assert result.exit_code == 0, result.output
    defined_once(ws)
    all_completed(ws)  # 16 pipelines, every first update succeeds: no table owned twice
    assert len(ws.pipelines) == 16
    dry = cli("deploy", str(folder), "--target", "prod", "--prune", "--dry-run")
    assert dry.exit_code == 0 and "would delete" not in dry.output and "[dev" not in dry.output
    pruned = cli("deploy", str(folder), "--target", "prod", "--prune")
    assert pruned.exit_code == 0 and "0 deleted" in pruned.output
    assert {pid: json.dumps(ws.pipelines[pid]["spec"], sort_keys=True) for pid in dev} == dev
    assert ws.dropped == []


def test_a_table_owned_by_another_target_is_refused_before_anything_is_written(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = render_for(tmp_path, "3")
    deploy_and_run(ws, folder, "--target", "prod")
    ws.requests.clear()
    result = cli("deploy", str(folder), "--var", "schema=sch")  # dev forced onto prod's schema
    assert result.exit_code == 2 and "of this plan's target 'prod'" in result.output
    assert "cat.sch.pi_" in result.output and writes(ws) == []


# --- changing what is deployed ------------------------------------------------------------


def test_re_laying_the_tables_with_prune_drops_no_table(ws: FakeWorkspace, tmp_path: Path) -> None:
    plan = solve(tmp_path, "8", "eight")
    folder = render(tmp_path, plan)
    deploy_and_run(ws, folder, "--target", "prod")
    tables_before = set(ws.tables)
    four = solve(tmp_path, "4", "four", "--current", str(plan))
    render(tmp_path, four)
    refused = cli("deploy", str(folder), "-t", "prod")
    assert refused.exit_code == 2 and "pass --prune" in refused.output
    stopped = cli("deploy", str(folder), "-t", "prod", "--prune")  # no warehouse
    assert stopped.exit_code == 4 and "stopped before the first hand-over" in stopped.output
    assert "ALTER STREAMING TABLE `cat`.`sch`." in stopped.output
    assert len(ws.pipelines) == 8 and ws.dropped == []
    assert any(j["schedule"]["pause_status"] == "PAUSED" for j in ws.jobs.values())
    all_completed(ws, scheduled_only=True)  # half-way, what its job can start still runs
    done = cli("deploy", str(folder), "-t", "prod", "--prune", "--warehouse-id", "wh1")
    assert done.exit_code == 0, done.output
    assert ws.dropped == [] and set(ws.tables) == tables_before  # kept, event logs too
    assert len(ws.pipelines) == 4 and len(ws.jobs) == 4
    assert all(j["schedule"]["pause_status"] == "UNPAUSED" for j in ws.jobs.values())
    defined_once(ws)
    all_completed(ws)
    for pid, p in ws.pipelines.items():  # every table it defines is its own
        for t in defined_tables(p["spec"], ws.files):
            assert ws.owner(t) == pid


def test_a_plan_under_another_name_is_refused_naming_the_tables_it_would_take(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = render_for(tmp_path, "4")
    deploy_and_run(ws, folder, "--target", "prod")
    renamed = solve(tmp_path, "4", "renamed", plan_name="osipi2")
    other = render(
        tmp_path,
        renamed,
        "renamed",
        *wheel_args(tmp_path / "wheels", "osipi"),
        "--source-name",
        "osipi",
    )
    result = cli("deploy", str(other), "-t", "prod")
    assert result.exit_code == 2 and "which this plan did not create" in result.output
    assert "cat.sch.pi_" in result.output and len(ws.pipelines) == 4


def test_a_rebalance_is_deployed_as_a_hand_over(ws: FakeWorkspace, tmp_path: Path) -> None:
    plan, drift, folder = drifted_in_prod(ws, tmp_path)
    proposal = tmp_path / "proposal"
    apply_rebalance(plan, drift, proposal, folder)
    moves = json.loads((proposal / "plan.json").read_text())["moves"]
    assert moves
    ids = read_state(folder, "prod").pipelines
    sql = (proposal / "moves.sql").read_text()
    assert sql.count("ALTER STREAMING TABLE `cat`.`sch`.") == len(moves)
    assert all(ids[m["to"]] in sql for m in moves) and "<id of" not in sql
    runbook = (proposal / "runbook.md").read_text()
    assert "balancer deploy" in runbook and "--target prod" in runbook
    render(tmp_path, plan)
    dry = cli("deploy", str(folder), "-t", "prod", "--dry-run")
    assert dry.exit_code == 0 and f"{len(moves)} table(s) handed over" in dry.output
    steps = [line.split(". would ", 1)[1] for line in dry.output.splitlines() if ". would " in line]
    done = cli("deploy", str(folder), "-t", "prod", "--warehouse-id", "wh1")
    assert done.exit_code == 0, done.output
    applied = [
        line
        for line in done.output.splitlines()
        if line.split(" ")[0]
        in ("create", "update", "pause", "stop", "hand", "delete", "restart", "upload")
    ]
    assert [a.split(" (")[0] for a in applied] == [s.split(" (")[0] for s in steps]
    assert len(ws.handed_over) == len(moves) and ws.dropped == []
    all_completed(ws)  # every update that follows succeeds
    defined_once(ws)


def test_settings_an_admin_added_survive_a_deploy_that_changes_those_objects(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    plan, folder = in_prod(tmp_path, "3..8")
    admin: dict[str, Any] = {
        "notifications": [
            {"email_recipients": ["ops@example.com"], "alerts": ["on-update-failure"]}
        ],
        "budget_policy_id": "bp-1",
    }
    for p in ws.pipelines.values():
        p["spec"].update(admin)
        p["spec"]["tags"]["cost_center"] = "42"
        p["run_as"] = {"service_principal_name": "sp-ingest"}  # write-only, beside the spec
        p["parameters"] = {"region": "eu"}
    for j in ws.jobs.values():
        j["email_notifications"] = {"on_failure": ["ops@example.com"]}
        j["tags"]["cost_center"] = "42"
        j["tasks"].append(
            {"task_key": "notify_downstream", "notebook_task": {"notebook_path": "/n"}}
        )
    extra = ("--connection-name", "osipi_v2", "--timezone", "Europe/Paris")
    render(tmp_path, plan, "out", *wheel_args(tmp_path / "wheels", "osipi"), *extra)
    result = cli("deploy", str(folder), "-t", "prod")
    assert result.exit_code == 0, result.output
    assert "update pipeline" in result.output and "update job" in result.output
    for pid, p in ws.pipelines.items():
        assert p["spec"]["ingestion_definition"]["connection_name"] == "osipi_v2"  # arrived
        assert {k: p["spec"][k] for k in admin} == admin and p["spec"]["tags"][
            "cost_center"
        ] == "42"
        assert ws.run_as_user(pid) == "sp-ingest" and p["parameters"] == {"region": "eu"}
    for j in ws.jobs.values():
        assert j["schedule"]["timezone_id"] == "Europe/Paris"  # the change arrived
        assert j["email_notifications"] == {"on_failure": ["ops@example.com"]}
        assert j["tags"]["cost_center"] == "42" and j["tags"][ID_TAG]
        assert [t["task_key"] for t in j["tasks"]] == ["run_pipeline", "notify_downstream"]


def test_a_hand_over_the_caller_cannot_run_is_refused_before_any_write(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    plan, drift, folder = drifted_in_prod(ws, tmp_path)
    for p in ws.pipelines.values():
        p["run_as"] = {"service_principal_name": "sp-ingest"}
    apply_rebalance(plan, drift, tmp_path / "p", folder)
    render(tmp_path, plan)
    ws.requests.clear()
    result = cli("deploy", str(folder), "-t", "prod", "--warehouse-id", "wh1")
    assert result.exit_code == 2 and "runs as sp-ingest" in result.output
    assert writes(ws) == []
    for p in ws.pipelines.values():
        p["run_as"] = None
    result = cli("deploy", str(folder), "-t", "prod", "--warehouse-id", "no-such")
    assert result.exit_code == 2 and "warehouse no-such does not exist" in result.output
    assert writes(ws) == []


def test_a_deploy_to_another_schema_than_the_target_has_is_refused(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    plan, folder = in_prod(tmp_path, "3")
    moving = ("--var", "schema=raw", "--var", "catalog=sales")
    result = cli("deploy", str(folder), "-t", "prod", *moving)
    assert result.exit_code == 2 and "is deployed to cat.sch" in result.output
    fresh = render(tmp_path, plan, "fresh")  # another folder, no record: the workspace tells
    assert cli("deploy", str(fresh), "-t", "prod", *moving).exit_code == 2
    same = cli("deploy", str(fresh), "-t", "prod", "--var", "schema=SCH")  # one name to UC
    assert same.exit_code == 0, same.output
    typo = cli("deploy", str(folder), "-t", "prod", "--var", "schmea=raw")
    assert typo.exit_code == 2 and "does not define: schmea" in typo.output
    moved = cli("deploy", str(folder), "-t", "prod", *moving, "--new-location")
    assert moved.exit_code == 0, moved.output


def own_destinations(tmp_path: Path) -> Path:
    tables = tmp_path / "own.csv"
    lines = (EXAMPLES / "osipi" / "tables.csv").read_text().splitlines()
    header = lines[0] + ",destination_catalog,destination_schema"
    tables.write_text("\n".join([header, *(row + ",sales,raw" for row in lines[1:])]) + "\n")
    return solve(tmp_path, "3", "own", "--tables", str(tables))


def test_tables_with_their_own_destination_are_never_defined_by_two_targets(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = render(tmp_path, own_destinations(tmp_path), "own")
    dev = cli("deploy", str(folder))
    assert dev.exit_code == 0 and "own in sales.raw_dev_someone" in dev.output, dev.output
    deploy_and_run(ws, folder, "-t", "prod")
    defined_once(ws)
    all_completed(ws)
    owners = {ws.owner(t) for t in ws.tables if t.startswith("sales.raw.")}
    assert owners and not owners & {
        p for p, v in ws.pipelines.items() if "[dev" in v["spec"]["name"]
    }
    assert "sales.raw_dev_someone" in ws.schemas  # dev's own twin of the tables' schema
    workspace = render(
        tmp_path,
        own_destinations(tmp_path),
        "ownws",
        "--mode",
        "workspace",
        "--connector-root",
        "/Workspace/x",
    )
    refused = cli("deploy", str(workspace))
    assert refused.exit_code == 2 and "development target cannot move those" in refused.output


def test_destinations_that_are_one_table_to_unity_catalog_are_refused(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    """tables.csv refuses two destinations in one schema that differ only by case; a table
    with a schema of its own that is the schema a render gives the others is seen at deploy."""
    tables = tmp_path / "dup.csv"
    tables.write_text(
        "source_table,destination_table,destination_schema,weight\n"
        "a,Points,sch,10\nb,points,,10\nc,,,10\n"
    )
    plan = solve(tmp_path, "1", "dup", "--tables", str(tables), "--no-schedule-fit")
    folder = render(tmp_path, plan, "dup")
    result = cli("deploy", str(folder), "-t", "prod")
    assert result.exit_code == 2 and "defined twice" in result.output and not ws.pipelines


def test_undeploy_deletes_jobs_then_pipelines_and_keeps_every_table(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    rendered = load_rendered(render_for(tmp_path, "3"))
    deploy(workspace_client(), rendered)
    all_completed(ws)
    tables = set(ws.tables)
    report = undeploy(workspace_client(), rendered)
    assert report.deleted == 6 and not ws.pipelines and not ws.jobs
    assert set(ws.tables) == tables and ws.dropped == []
    deletes = [p for m, p in writes(ws) if m == "DELETE" or p.endswith("/jobs/delete")]
    assert deletes[0].endswith("/jobs/delete") and deletes[-1].startswith("/api/2.0/pipelines/")


def test_prune_deletes_only_its_own(ws: FakeWorkspace, tmp_path: Path) -> None:
    big = load_rendered(render_for(tmp_path, "8", "big"))
    deploy(workspace_client(), big)
    hand_made = ws.add_pipeline("someone_elses osipi")
    small = load_rendered(
        render(
            tmp_path, solve(tmp_path, "4", "small", "--current", str(tmp_path / "big.json")), "big"
        )
    )
    assert small.deployment_id == big.deployment_id
    dry = deploy(workspace_client(), small, prune=True, dry_run=True)
    assert dry.deleted == 8  # the four pipelines (never run: nothing to hand over) and jobs
    pruned = deploy(workspace_client(), small, prune=True)
    assert pruned.deleted == dry.deleted and hand_made in ws.pipelines
    assert len(ws.pipelines) == 5


def test_another_project_with_the_same_name_is_never_touched(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    ours = load_rendered(render_for(tmp_path, "3", "ours"))
    deploy(workspace_client(), ours)
    tables = tmp_path / "other_tables.csv"
    lines = (EXAMPLES / "osipi" / "tables.csv").read_text().splitlines()
    tables.write_text("\n".join(lines[:-3]) + "\n")  # another project: other tables, same name
    theirs = load_rendered(
        render(tmp_path, solve(tmp_path, "3", "theirs", "--tables", str(tables)), "theirs")
    )
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
    result = cli("deploy", str(folder))
    assert result.exit_code == 2 and "was not created by this plan" in result.output
    assert ws.pipelines[pid]["spec"] == {"name": victim, "tags": {"owner": "data-team"}}
    assert len(ws.pipelines) == 1 and not ws.jobs
    result = cli("deploy", str(folder), "--adopt")
    assert result.exit_code == 0, result.output
    tags = ws.pipelines[pid]["spec"]["tags"]
    assert tags[ID_TAG] == rendered.deployment_id and tags["owner"] == "data-team"


def test_a_same_named_job_it_did_not_create_is_refused(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = render_for(tmp_path, "3")
    rendered = load_rendered(folder)
    name = DEV + next(iter(rendered.jobs.values()))["name"]
    ws.jobs[900] = {"name": name, "tags": {"team": "theirs"}}
    result = cli("deploy", str(folder))
    assert result.exit_code == 2 and "was not created by this plan" in result.output
    assert ws.jobs == {900: {"name": name, "tags": {"team": "theirs"}}} and not ws.pipelines


def test_exact_names_only(ws: FakeWorkspace, tmp_path: Path) -> None:
    rendered = load_rendered(render_for(tmp_path, "3"))
    some = DEV + next(iter(rendered.pipelines.values()))["name"]
    lookalike = some.replace("_", "X", 1)  # matches LIKE 'osipi_...' where _ is a wildcard
    pid = ws.add_pipeline(lookalike)
    deploy(workspace_client(), rendered)
    assert ws.pipelines[pid]["spec"]["name"] == lookalike
    assert sum(1 for p in ws.pipelines.values() if p["spec"]["name"] == some) == 1


# --- what deploy records, and who reads it ------------------------------------------------


def test_the_record_gives_rebalance_history_and_the_job_the_real_ids_and_places(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    plan = solve(tmp_path, "3..8", "rj")
    folder = render(
        tmp_path,
        plan,
        "rj",
        *wheel_args(tmp_path / "w", "osipi"),
        "--rebalance-job",
        "--catalog",
        "sales",
        "--schema",
        "raw",
    )
    result = cli("deploy", str(folder), "-t", "prod")
    assert result.exit_code == 0, result.output
    state = read_state(folder, "prod")
    assert (state.catalog, state.schema) == ("sales", "raw")
    assert set(state.pipelines.values()) == set(ws.pipelines)
    job = next(j for j in ws.jobs.values() if j["name"].endswith("osipi rebalance"))
    params = job["tasks"][0]["spark_python_task"]["parameters"]
    given = [params[i + 1] for i, p in enumerate(params) if p == "--pipeline-id"]
    assert sorted(given) == sorted(f"{k}={v}" for k, v in state.pipelines.items())
    assert params[params.index("--catalog") + 1] == "sales"
    sql = cli("history", "sql", "--deployment", str(folder))
    assert sql.exit_code == 0 and "`sales`.`raw`.`osipi_" in sql.output
    bare = cli("history", "sql", "--plan", str(plan))
    assert bare.exit_code == 2 and "--deployment" in bare.output  # no silent main.default
    (wheel,) = job["environments"][0]["spec"]["dependencies"]
    assert wheel in ws.volume_files and "sales.raw.lakeflow_balancer" in ws.volumes


def test_the_scheduled_rebalance_job_names_the_real_pipeline_ids(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    from balancer.databricks import rebalance_job

    plan, drift = drift_scenario(tmp_path)
    folder = render(tmp_path, plan, "out", *wheel_args(tmp_path / "w", "osipi"), "--rebalance-job")
    assert cli("deploy", str(folder), "-t", "prod").exit_code == 0
    job = next(j for j in ws.jobs.values() if j["name"].endswith("rebalance"))
    params = list(job["tasks"][0]["spark_python_task"]["parameters"])
    params[params.index("--plan") + 1] = str(plan)
    params[params.index("--output") + 1] = str(tmp_path / "proposal")
    assert rebalance_job.main([*params, "--runs-csv", str(drift)]) == 0
    sql = (tmp_path / "proposal" / "moves.sql").read_text()
    ids = read_state(folder, "prod").pipelines
    assert "<id of" not in sql and any(pid in sql for pid in ids.values())


# --- failures -------------------------------------------------------------------------------


def test_dry_run_reads_but_changes_nothing(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = render_for(tmp_path, "3")
    result = cli("deploy", str(folder), "--dry-run")
    assert result.exit_code == 0 and "would create pipeline" in result.output
    assert writes(ws) == [] and not ws.pipelines
    assert not (folder / ".lakeflow-balancer").exists()


def test_a_503_is_retried(ws: FakeWorkspace, tmp_path: Path) -> None:
    rendered = load_rendered(render_for(tmp_path, "3"))
    ws.fail("POST", "/api/2.0/pipelines", 503, times=1)
    report = deploy(workspace_client(), rendered)
    assert report.created == len(rendered.pipelines) + len(rendered.jobs)
    assert len(ws.pipelines) == len(rendered.pipelines)


def test_a_failure_part_way_says_what_was_done_and_a_rerun_continues(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    folder = render_for(tmp_path, "3")
    ws.fail("POST", "/api/2.2/jobs/create", 403, times=1)
    result = cli("deploy", str(folder))
    assert result.exit_code == 4
    assert "PermissionDenied" in result.output and "create job" in result.output
    assert "Done before the failure" in result.output and "create pipeline" in result.output
    assert "deployed:" not in result.output
    journal = read_state(folder, "dev")
    assert not journal.complete and len(journal.pipelines) == 3
    again = cli("deploy", str(folder))
    assert again.exit_code == 0 and "3 created" in again.output  # the three jobs only
    assert read_state(folder, "dev").complete and len(ws.jobs) == 3


def test_an_answer_without_an_id_is_an_error_not_a_success(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    rendered = load_rendered(render_for(tmp_path, "3"))
    ws.fail("POST", "/api/2.0/pipelines", 200, times=1, body={})
    with pytest.raises(RemoteError, match="no valid pipeline_id"):
        deploy(workspace_client(), rendered)
    assert not ws.jobs


def test_a_listing_that_repeats_its_page_token_is_an_error(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    rendered = load_rendered(render_for(tmp_path, "3"))
    loop = {"statuses": [], "next_page_token": "again"}
    ws.fail("GET", "/api/2.0/pipelines", 200, times=50, body=loop)
    with pytest.raises(RemoteError, match="page token it gave before"):
        deploy(workspace_client(), rendered, dry_run=True)


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


def test_prune_stops_at_the_first_refusal_with_jobs_first(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    big = load_rendered(render_for(tmp_path, "8", "big"))
    deploy(workspace_client(), big)
    small = load_rendered(
        render(
            tmp_path, solve(tmp_path, "4", "small", "--current", str(tmp_path / "big.json")), "big"
        )
    )
    with pytest.raises(InputError, match="pass --prune"):  # two pipelines would define them
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
        ("/api/2.0/pipelines", {"statuses": [], "next_page_token": 7}),
        ("/api/2.2/jobs/list", {"jobs": {"a": 1}, "has_more": False}),
        ("/api/2.2/jobs/list", {"jobs": [{"job_id": 1, "settings": "odd"}]}),
        ("/api/2.1/unity-catalog/tables", {"tables": "odd"}),
    ],
)
def test_odd_answers_from_the_workspace_are_handled(
    ws: FakeWorkspace, tmp_path: Path, path: str, body: dict[str, object]
) -> None:
    rendered = load_rendered(render_for(tmp_path, "3"))
    deploy(workspace_client(), rendered)  # something to read back
    ws.fail("GET", path, 200, times=1 if "next_page_token" not in body else 50, body=body)
    try:
        deploy(workspace_client(), rendered, dry_run=True)
    except RemoteError as exc:  # named, never a traceback, never read as "nothing there"
        assert "no valid" in str(exc) or "page token it gave before" in str(exc)
    else:
        pytest.fail("an odd answer was taken for a normal one")


# --- history pull -------------------------------------------------------------------------


def test_history_pull_writes_every_chunk_of_a_result_too_big_for_inline(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    ws.sql.result_columns = ["run_id", "table", "start_time", "duration_s", "status"]
    ws.sql.result_row = lambda k: [
        f"u{k}",
        f"t{k % 3}",
        f"2026-01-{1 + k % 28:02d}T00:{k % 60:02d}:00.000Z",
        str(10 + k % 7),
        "COMPLETED",
    ]
    ws.sql.result_count = 20_000
    ws.sql.chunk_rows = 3_000
    ws.sql.inline_limit = 100_000  # the 25 MiB cap, scaled down with the result
    out = tmp_path / "runs.csv"
    result = cli(
        "history",
        "pull",
        "--warehouse-id",
        "wh1",
        "--event-log-table",
        "cat.sch.osipi_append_01_event_log",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "run_id,table,start_time,duration_s,status" and len(lines) == 20_001
    assert lines[1].startswith("u0,t0,") and lines[-1].startswith("u19999,")
    assert ws.sql.downloads == 7
    statement = next(iter(ws.sql.log.values()))
    assert statement["disposition"] == "EXTERNAL_LINKS"
    assert "`cat`.`sch`.`osipi_append_01_event_log`" in statement["statement"]
    from balancer.io import read_history

    assert read_history(out).n_runs == 20_000


def test_a_running_source_is_stopped_for_its_hand_over_and_restarted(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    plan, drift, folder = drifted_in_prod(ws, tmp_path)
    before = read_state(folder, "prod").pipelines
    apply_rebalance(plan, drift, tmp_path / "p", folder)
    source = json.loads((tmp_path / "p" / "plan.json").read_text())["moves"][0]["from"]
    ws.hold_updates = True
    running = ws.run(before[source])  # the source is mid-update when deploy comes
    render(tmp_path, plan)
    result = cli("deploy", str(folder), "-t", "prod", "--warehouse-id", "wh1")
    assert result.exit_code == 0, result.output
    assert running["state"] == "CANCELED"  # stopped before its tables changed hands
    assert ws.active_update(before[source]) is not None  # and restarted afterwards
    assert f"restart pipeline osipi_{source.removeprefix('osipi_')}" in result.output


def test_a_long_retry_after_stops_the_call_instead_of_waiting(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    import time

    folder = render_for(tmp_path, "3")
    ws.fail("GET", "/api/2.0/pipelines", 429, times=5, headers={"Retry-After": "3600"})
    started = time.perf_counter()
    result = cli("deploy", str(folder))
    assert result.exit_code == 4 and "asked to wait 3600 s" in result.output
    assert time.perf_counter() - started < 20 and not ws.pipelines


def test_an_html_answer_is_named_for_what_it_is(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = render_for(tmp_path, "3")
    ws.fail("GET", "/api/2.0/preview/scim/v2/Me", 200, body=b"<html>Sign in</html>")
    result = cli("deploy", str(folder))
    assert result.exit_code == 4 and "not JSON" in result.output
    assert "could not reach" not in result.output


def test_no_credentials_is_one_message_naming_the_ways_to_authenticate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none"))
    folder = render_for(tmp_path, "3")
    result = cli("deploy", str(folder), "--dry-run")
    assert result.exit_code == 2 and result.output.count("error:") == 1
    assert "DATABRICKS_TOKEN" in result.output and "databricks auth login" in result.output


def test_ingest_files_go_where_their_pipelines_read_them(ws: FakeWorkspace, tmp_path: Path) -> None:
    folder = render_for(
        tmp_path,
        "4",
        "ifp",
        "--mode",
        "workspace",
        "--connector-root",
        "/Workspace/Repos/me/lcc",
        "--ingest-files-path",
        "/Workspace/Shared/osipi_ingest",
    )
    deploy_and_run(ws, folder, "--target", "prod")
    for p in ws.pipelines.values():
        assert p["spec"]["libraries"][0]["file"]["path"].startswith(
            "/Workspace/Shared/osipi_ingest/"
        )


def test_a_plan_name_with_capitals_and_dashes_is_found_again(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    plan = solve(tmp_path, "3", "odd", plan_name="Osipi-Prod")
    folder = render(
        tmp_path, plan, "odd", *wheel_args(tmp_path / "wheels", "osipi"), "--source-name", "osipi"
    )
    assert cli("deploy", str(folder)).exit_code == 0
    again = cli("deploy", str(folder))
    assert again.exit_code == 0 and "6 unchanged" in again.output, again.output


def test_an_admins_pause_stays_and_a_renamed_pipeline_is_found_again(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    _, folder = in_prod(tmp_path, "3")
    jid, job = next(iter(ws.jobs.items()))
    job["schedule"]["pause_status"] = "PAUSED"  # an incident
    pid, pipeline = next(iter(ws.pipelines.items()))
    name = pipeline["spec"]["name"]
    pipeline["spec"]["name"] = "OSIPI snapshot (renamed by hand)"
    result = cli("deploy", str(folder), "-t", "prod")
    assert result.exit_code == 0, result.output
    assert ws.jobs[jid]["schedule"]["pause_status"] == "PAUSED"  # not the render's call
    assert ws.pipelines[pid]["spec"]["name"] == name and len(ws.pipelines) == 3
