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
