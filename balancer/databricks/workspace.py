"""Raw REST calls to a workspace through the SDK's client and authentication (the SDK's
typed models cannot express COMMUNITY managed pipelines), the listings deploy needs, and the
upload of wheels and files."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from balancer.databricks.remote import refused
from balancer.databricks.rendered import Context, Rendered
from balancer.errors import InputError, RemoteError

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

_VOLUME = re.compile(r"^/Volumes/([^/]+)/([^/]+)/([^/]+)(/.*)?$")


class Api:
    """Raw REST calls with the SDK's client; every refusal becomes a RemoteError."""

    def __init__(self, client: WorkspaceClient, done: list[str]) -> None:
        self.client = client
        self.done = done  # what succeeded so far, for the error that stops a deploy

    def call(self, what: str, method: str, path: str, **kw: Any) -> Any:
        with refused(what, self.done):
            return self.client.api_client.do(method, path, **kw)

    def did(self, text: str, echo: Callable[[str], None]) -> None:
        self.done.append(text)
        echo(text)


def workspace_client(retry_timeout_s: int = 30) -> WorkspaceClient:
    """The SDK's client with its own authentication (profile or environment), with time
    limits: an unreachable host fails within about a minute (retries included) instead of hanging."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.config import Config

    return WorkspaceClient(
        config=Config(http_timeout_seconds=30, retry_timeout_seconds=retry_timeout_s)
    )


def field(response: Any, key: str, kind: type, what: str) -> Any:
    value = response.get(key) if isinstance(response, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool) or value in ("", 0):
        raise RemoteError(f"the answer to {what} has no valid {key}: {response!r}.")
    return value


def same(existing: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return all(existing.get(k) == v for k, v in wanted.items())


def pipelines_by_name(api: Api) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    token: str | None = None
    while True:
        query: dict[str, Any] = {"max_results": 100}
        if token:
            query["page_token"] = token
        page = api.call("list pipelines", "GET", "/api/2.0/pipelines", query=query)
        for status in (page or {}).get("statuses") or []:
            if isinstance(status, dict) and status.get("pipeline_id"):
                out.setdefault(str(status.get("name", "")), []).append(str(status["pipeline_id"]))
        token = (page or {}).get("next_page_token")
        if not token:
            return out


def jobs_all(api: Api, name: str | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        query: dict[str, Any] = {"limit": 100}
        if name is not None:
            query["name"] = name
        if token:
            query["page_token"] = token
        page = api.call("list jobs", "GET", "/api/2.2/jobs/list", query=query) or {}
        out.extend(j for j in page.get("jobs") or [] if isinstance(j, dict) and j.get("job_id"))
        token = page.get("next_page_token")
        if not token or not page.get("has_more", True):
            return out


def volumes(ctx: Context, rendered: Rendered) -> list[str]:
    """catalog.schema.volume of each volume the deployment writes to or the jobs write to."""
    paths = []
    if rendered.wheels:
        paths.append(("packages_volume_path", ctx.variables.get("packages_volume_path", "")))
    if "proposal_volume_path" in ctx.variables and any(
        "${var.proposal_volume_path}" in json.dumps(b) for b in rendered.jobs.values()
    ):
        paths.append(("proposal_volume_path", ctx.variables["proposal_volume_path"]))
    out = []
    for var, path in paths:
        m = _VOLUME.match(path)
        if not m:
            raise InputError(
                f"variable {var} is '{path}', not a volume path.",
                fix="give /Volumes/<catalog>/<schema>/<volume>[/folder].",
            )
        full = f"{m.group(1)}.{m.group(2)}.{m.group(3)}"
        if full not in out:
            out.append(full)
    return out


def upload(
    api: Api, ctx: Context, rendered: Rendered, volumes: list[str], echo: Callable[[str], None]
) -> None:
    for full in volumes:
        catalog, schema, volume = full.split(".")
        from databricks.sdk.errors import NotFound

        missing = False
        with refused(f"read volume {full}", api.done):
            try:
                api.client.api_client.do("GET", f"/api/2.1/unity-catalog/volumes/{full}")
            except NotFound:
                missing = True
        if missing:
            api.call(
                f"create volume {full}",
                "POST",
                "/api/2.1/unity-catalog/volumes",
                body={
                    "catalog_name": catalog,
                    "schema_name": schema,
                    "name": volume,
                    "volume_type": "MANAGED",
                },
            )
            api.did(f"create volume {full}", echo)
    folder = ctx.variables.get("packages_volume_path", "").rstrip("/")
    if rendered.wheels:
        api.call(f"create folder {folder}", "PUT", f"/api/2.0/fs/directories{quote(folder)}")
    for name, data in rendered.wheels.items():
        path = f"{folder}/{name}"
        api.call(
            f"upload {path}",
            "PUT",
            f"/api/2.0/fs/files{quote(path)}",
            query={"overwrite": "true"},
            headers={"Content-Type": "application/octet-stream"},
            data=data,
        )
        api.did(f"upload {path}", echo)
    if not rendered.files:
        return
    folders = sorted({str(Path(f"{ctx.file_path}/src/{f}").parent) for f in rendered.files})
    for f in folders:
        api.call(f"create folder {f}", "POST", "/api/2.0/workspace/mkdirs", body={"path": f})
    for rel, data in rendered.files.items():
        path = f"{ctx.file_path}/src/{rel}"
        api.call(
            f"upload {path}",
            "POST",
            "/api/2.0/workspace/import",
            body={
                "path": path,
                "content": base64.b64encode(data).decode("ascii"),
                "format": "AUTO",
                "overwrite": True,
            },
        )
        api.did(f"upload {path}", echo)
