"""The stand-in workspace refuses what the real API refuses (so bad bodies fail the tests)."""

from __future__ import annotations

from typing import Any

import pytest

from balancer.databricks.workspace import workspace_client
from tests.fakes.workspace import FakeWorkspace

MANAGED = {
    "name": "p1",
    "catalog": "c",
    "schema": "s",
    "serverless": True,
    "ingestion_definition": {
        "source_type": "COMMUNITY",
        "connection_name": "conn",
        "objects": [
            {
                "table": {
                    "source_table": "t",
                    "source_schema": "default",
                    "destination_catalog": "c",
                    "destination_schema": "s",
                    "connector_options": {
                        "community_connector_options": {"options": {"owner": "me"}}
                    },
                    "table_configuration": {"primary_keys": ["id"], "sequence_by": ["u"]},
                }
            }
        ],
    },
    "configuration": {"pipelines.managedIngestion.registerPythonDataSource": "true"},
    "environment": {"dependencies": ["/Volumes/c/s/v/x.whl"]},
}


def post(path: str, body: dict[str, Any]) -> Any:
    return workspace_client().api_client.do("POST", path, body=body)


def with_(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    import copy

    body = copy.deepcopy(MANAGED)
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


TABLE = ("ingestion_definition", "objects", 0, "table")
REFUSED = [
    (with_(("bogus",), 1), "Unknown field 'bogus'"),
    (with_(("serverless",), "yes"), "expected bool"),
    (with_(("ingestion_definition", "source_type"), "COMMUNITYX"), "is not one of"),
    (with_((*TABLE, "table_configuration", "primary_keys"), '["id"]'), "expected an array"),
    (with_((*TABLE, "table_configuration", "sequence_by"), "u"), "expected an array"),
    (
        with_((*TABLE, "connector_options", "community_connector_options"), {"options": {"a": 1}}),
        "map of strings",
    ),
    (with_((*TABLE, "table_configuration", "cluster_by"), ["x"]), "Unknown field"),
    (with_(("configuration",), {"a": True}), "expected str"),
]


@pytest.mark.parametrize(("body", "words"), REFUSED)
def test_bad_pipeline_bodies_are_refused(
    ws: FakeWorkspace, body: dict[str, Any], words: str
) -> None:
    from databricks.sdk.errors import BadRequest

    with pytest.raises(BadRequest, match=words):
        post("/api/2.0/pipelines", body)
    assert not ws.pipelines


def test_a_good_managed_body_is_taken_and_names_are_unique(ws: FakeWorkspace) -> None:
    from databricks.sdk.errors import ResourceConflict

    pid = post("/api/2.0/pipelines", MANAGED)["pipeline_id"]
    assert ws.pipelines[pid]["spec"]["ingestion_definition"]["source_type"] == "COMMUNITY"
    with pytest.raises(ResourceConflict, match="already exists"):
        post("/api/2.0/pipelines", MANAGED)


def test_jobs_must_name_existing_pipelines_and_files_existing_volumes(ws: FakeWorkspace) -> None:
    from databricks.sdk.errors import BadRequest, NotFound

    job = {"name": "j", "tasks": [{"task_key": "t", "pipeline_task": {"pipeline_id": None}}]}
    with pytest.raises(BadRequest, match="does not exist"):
        post("/api/2.2/jobs/create", job)
    with pytest.raises(BadRequest, match="expected int"):
        post("/api/2.2/jobs/create", {"name": "j", "max_concurrent_runs": "1"})
    client = workspace_client()
    with pytest.raises(NotFound):
        client.api_client.do("PUT", "/api/2.0/fs/files/Volumes/c/s/v/x.whl", data=b"x")
    assert not ws.jobs and not ws.volume_files


# --- the rules that make a careless deploy fail -------------------------------------------


def api(method: str, path: str, **kw: Any) -> Any:
    return workspace_client().api_client.do(method, path, **kw)


def managed(name: str, table: str, schema: str = "s") -> dict[str, Any]:
    import copy

    body = copy.deepcopy(MANAGED)
    body["name"] = name
    obj = body["ingestion_definition"]["objects"][0]["table"]
    obj.update(source_table=table, destination_schema=schema)
    body["event_log"] = {"catalog": "c", "schema": schema, "name": f"{name}_event_log"}
    return body


@pytest.fixture
def uc(ws: FakeWorkspace) -> FakeWorkspace:
    ws.catalogs.add("c")
    ws.schemas.add("c.s")
    return ws


def test_pipeline_ids_are_uuids(uc: FakeWorkspace) -> None:
    import uuid

    pid = post("/api/2.0/pipelines", managed("p1", "t"))["pipeline_id"]
    assert str(uuid.UUID(pid)) == pid


def test_delete_cascades_to_the_tables_by_default_and_keeps_them_with_cascade_false(
    uc: FakeWorkspace,
) -> None:
    """PipelinesAPI.delete: 'By default, this parameter will be true and all tables will be
    deleted with the pipeline'."""
    one = post("/api/2.0/pipelines", managed("p1", "t1"))["pipeline_id"]
    two = post("/api/2.0/pipelines", managed("p2", "t2"))["pipeline_id"]
    assert uc.run(one)["state"] == uc.run(two)["state"] == "COMPLETED"
    api("DELETE", f"/api/2.0/pipelines/{one}")
    assert "c.s.t1" not in uc.tables and "c.s.t1" in uc.dropped
    api("DELETE", f"/api/2.0/pipelines/{two}", query={"cascade": "false"})
    assert uc.owner("c.s.t2") == two  # kept, and still says who made it


def test_a_table_belongs_to_one_pipeline_until_handed_over(uc: FakeWorkspace) -> None:
    one = post("/api/2.0/pipelines", managed("p1", "t"))["pipeline_id"]
    two = post("/api/2.0/pipelines", managed("p2", "t"))["pipeline_id"]
    assert uc.run(one)["state"] == "COMPLETED" and uc.owner("c.s.t") == one
    failed = uc.run(two)
    assert failed["state"] == "FAILED" and f"managed by pipeline {one}" in failed["message"]
    alter = (
        f"ALTER STREAMING TABLE `c`.`s`.`t` SET TBLPROPERTIES ('pipelines.pipelineId' = '{two}')"
    )
    uc.hold_updates = True
    uc.run(one)  # the owner is running: the hand-over is refused until it stops
    sid = post("/api/2.0/sql/statements", {"statement": alter, "warehouse_id": "wh1"})[
        "statement_id"
    ]
    got = api("GET", f"/api/2.0/sql/statements/{sid}")
    assert (
        got["status"]["state"] == "FAILED" and "stop it first" in got["status"]["error"]["message"]
    )
    post(f"/api/2.0/pipelines/{one}/stop", {})
    sid = post("/api/2.0/sql/statements", {"statement": alter, "warehouse_id": "wh1"})[
        "statement_id"
    ]
    assert api("GET", f"/api/2.0/sql/statements/{sid}")["status"]["state"] == "SUCCEEDED"
    assert uc.owner("c.s.t") == two
    uc.hold_updates = False
    assert uc.run(two)["state"] == "COMPLETED"


def test_an_update_needs_its_schema_and_a_second_update_waits(uc: FakeWorkspace) -> None:
    from databricks.sdk.errors import ResourceConflict

    pid = post("/api/2.0/pipelines", managed("p1", "t", schema="nowhere"))["pipeline_id"]
    assert "schema c.nowhere does not exist" in uc.run(pid)["message"]
    uc.hold_updates = True
    post(f"/api/2.0/pipelines/{pid}/updates", {})
    with pytest.raises(ResourceConflict):
        post(f"/api/2.0/pipelines/{pid}/updates", {})


def test_get_shows_server_fields_and_put_replaces_the_spec(uc: FakeWorkspace) -> None:
    body = managed("p1", "t") | {"notifications": [{"email_recipients": ["a@b.c"]}]}
    pid = post("/api/2.0/pipelines", body)["pipeline_id"]
    spec = api("GET", f"/api/2.0/pipelines/{pid}")["spec"]
    assert spec["id"] == pid and spec["edition"] == "ADVANCED" and spec["photon"] is True
    api("PUT", f"/api/2.0/pipelines/{pid}", body=managed("p1", "t"))
    assert "notifications" not in api("GET", f"/api/2.0/pipelines/{pid}")["spec"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"libraries": [{"file": {"path": "/x.py"}}]}, "cannot be used with libraries"),
        ({"clusters": [{"label": "default"}]}, "serverless"),
    ],
)
def test_conflicting_fields_are_refused(
    uc: FakeWorkspace, change: dict[str, Any], words: str
) -> None:
    from databricks.sdk.errors import BadRequest

    with pytest.raises(BadRequest, match=words):
        post("/api/2.0/pipelines", managed("p1", "t") | change)


def test_table_objects_need_their_destination(uc: FakeWorkspace) -> None:
    from databricks.sdk.errors import BadRequest

    body = managed("p1", "t")
    del body["ingestion_definition"]["objects"][0]["table"]["destination_schema"]
    with pytest.raises(BadRequest, match="destination_schema"):
        post("/api/2.0/pipelines", body)


def test_jobs_list_leaves_tasks_out_unless_asked_and_get_adds_defaults(uc: FakeWorkspace) -> None:
    pid = post("/api/2.0/pipelines", managed("p1", "t"))["pipeline_id"]
    task = {"task_key": "run", "pipeline_task": {"pipeline_id": pid}}
    jid = post("/api/2.2/jobs/create", {"name": "j", "tasks": [task]})["job_id"]
    listed = api("GET", "/api/2.2/jobs/list")["jobs"][0]["settings"]
    assert "tasks" not in listed
    expanded = api("GET", "/api/2.2/jobs/list", query={"expand_tasks": "true"})["jobs"][0]
    assert expanded["settings"]["tasks"][0]["task_key"] == "run"
    got = api("GET", "/api/2.2/jobs/get", query={"job_id": jid})["settings"]
    assert got["format"] == "MULTI_TASK" and got["tasks"][0]["run_if"] == "ALL_SUCCESS"


def test_listings_page_by_token_within_their_limits(uc: FakeWorkspace) -> None:
    from databricks.sdk.errors import BadRequest

    for k in range(5):
        post("/api/2.0/pipelines", managed(f"p{k}", f"t{k}"))
    first = api("GET", "/api/2.0/pipelines", query={"max_results": 100})
    assert len(first["statuses"]) == uc.page_size and first["next_page_token"]
    with pytest.raises(BadRequest, match="between 1 and 100"):
        api("GET", "/api/2.0/pipelines", query={"max_results": 500})


def test_inline_results_are_capped_and_external_links_refuse_credentials(
    uc: FakeWorkspace,
) -> None:
    import requests

    uc.sql.result_columns = ["x"]
    uc.sql.result_rows = [["a" * 100] for _ in range(50)]
    uc.sql.inline_limit = 1000
    sid = post("/api/2.0/sql/statements", {"statement": "SELECT 1", "warehouse_id": "wh1"})[
        "statement_id"
    ]
    got = api("GET", f"/api/2.0/sql/statements/{sid}")
    assert got["status"]["state"] == "FAILED" and "25 MiB" in got["status"]["error"]["message"]
    body = {"statement": "SELECT 1", "warehouse_id": "wh1", "disposition": "EXTERNAL_LINKS"}
    sid = post("/api/2.0/sql/statements", body)["statement_id"]
    link = api("GET", f"/api/2.0/sql/statements/{sid}")["result"]["external_links"][0]
    url = link["external_link"]
    assert requests.get(url, headers={"Authorization": "Bearer t"}, timeout=5).status_code == 403
    assert requests.get(url, timeout=5).json() == uc.sql.result_rows[:2]
