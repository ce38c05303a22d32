"""Raw REST calls to a workspace through the SDK's client and authentication (the SDK's
typed models cannot express COMMUNITY managed pipelines), and the reads deploy needs.

Every call goes through `Api.call`: a refusal or an unreachable host becomes one RemoteError
naming the call and what was done before it. Listings follow page tokens and stop with an
error when a token repeats (a workspace answering in a loop would otherwise be followed
forever). Existence checks treat 404 as "missing", never as a failure.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from balancer.databricks.remote import MAX_WAIT_S, Throttled, refused
from balancer.errors import InputError, RemoteError

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

MAX_PAGES = 10_000


class Api:
    """Raw REST calls with the SDK's client; every refusal becomes a RemoteError."""

    def __init__(self, client: WorkspaceClient, done: list[str] | None = None) -> None:
        self.client = client
        self.done = done if done is not None else []  # what succeeded, for the error

    def call(self, what: str, method: str, path: str, **kw: Any) -> Any:
        with refused(what, self.done):
            return self.client.api_client.do(method, path, **kw)

    def maybe(self, what: str, method: str, path: str, **kw: Any) -> Any:
        """Like `call`, but None when the object does not exist (404)."""
        from databricks.sdk.errors import NotFound

        with refused(what, self.done):
            try:
                return self.client.api_client.do(method, path, **kw)
            except NotFound:
                return None

    def did(self, text: str, echo: Callable[[str], None]) -> None:
        self.done.append(text)
        echo(text)


AUTH_HELP = (
    "authenticate as the Databricks SDK does: DATABRICKS_HOST with DATABRICKS_TOKEN (a personal "
    "access token), or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (a service principal), "
    "or a profile in ~/.databrickscfg (DATABRICKS_CONFIG_PROFILE picks one; `databricks auth "
    "login --host URL` writes one)"
)


def workspace_client(retry_timeout_s: int = 30) -> WorkspaceClient:
    """The SDK's client with its own authentication (profile or environment), with limits: an
    unreachable host fails within about a minute (retries included) instead of hanging, and a
    Retry-After longer than MAX_WAIT_S stops the call (`Throttled`) instead of sleeping."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.clock import RealClock
    from databricks.sdk.config import Config

    class CappedClock(RealClock):
        def sleep(self, seconds: float) -> None:
            if seconds > MAX_WAIT_S + 1:  # the SDK adds up to a second of jitter
                raise Throttled(seconds)
            super().sleep(seconds)

    try:
        return WorkspaceClient(
            config=Config(
                http_timeout_seconds=30, retry_timeout_seconds=retry_timeout_s, clock=CappedClock()
            )
        )
    except ValueError as exc:  # the SDK found no credentials, or a broken configuration
        raise InputError(
            f"no way to reach a Databricks workspace is configured ({str(exc).split('.')[0]}).",
            fix=AUTH_HELP + ".",
        ) from None


def field(response: Any, key: str, kind: type, what: str) -> Any:
    value = response.get(key) if isinstance(response, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool) or value in ("", 0):
        raise RemoteError(f"the answer to {what} has no valid {key}: {response!r}.")
    return value


def pages(
    api: Api,
    what: str,
    path: str,
    query: dict[str, Any],
    items: str,
    missing_ok: bool = False,
) -> Iterator[dict[str, Any]]:
    """Every item of a paged listing (`next_page_token`); a repeated token is an error."""
    seen: set[str] = set()
    token: str | None = None
    for n in range(MAX_PAGES):
        q = {**query, **({"page_token": token} if token else {})}
        page = (  # only a missing first page means "nothing there"
            api.maybe(what, "GET", path, query=q)
            if missing_ok and n == 0
            else api.call(what, "GET", path, query=q)
        )
        if page is None:
            return
        listed = page.get(items, []) if isinstance(page, dict) else None
        if not isinstance(listed, list) or not all(isinstance(i, dict) for i in listed):
            raise RemoteError(
                f"the answer to {what} has no valid {items}: {page!r:.200}.", done=tuple(api.done)
            )
        yield from listed
        raw = page.get("next_page_token")
        token = str(raw) if raw not in (None, "") else None
        if not token or (items == "jobs" and page.get("has_more") is False):
            return
        if token in seen:
            raise RemoteError(
                f"the workspace answered {what} with a page token it gave before ({token!r:.40}); "
                "stopped instead of reading the same pages again.",
                done=tuple(api.done),
            )
        seen.add(token)
    raise RemoteError(f"{what} gave more than {MAX_PAGES} pages; stopped.", done=tuple(api.done))


def pipeline_ids_like(api: Api, text: str) -> list[str]:
    """Ids of the pipelines whose name contains `text` (the list shows no specs or tags)."""
    pattern = "%" + text.replace("'", "''") + "%"
    query = {"max_results": 100, "filter": f"name LIKE '{pattern}'"}
    return [
        str(s["pipeline_id"])
        for s in pages(api, "list pipelines", "/api/2.0/pipelines", query, "statuses")
        if s.get("pipeline_id")
    ]


def get_pipeline(api: Api, pid: str) -> dict[str, Any] | None:
    got = api.maybe(f"read pipeline {pid}", "GET", f"/api/2.0/pipelines/{pid}")
    return got if isinstance(got, dict) else None


def jobs(api: Api, name: str | None = None) -> list[dict[str, Any]]:
    """Jobs (their settings without tasks: the list leaves tasks out), optionally by name."""
    query: dict[str, Any] = {"limit": 100}
    if name is not None:
        query["name"] = name
    return [
        j for j in pages(api, "list jobs", "/api/2.2/jobs/list", query, "jobs") if j.get("job_id")
    ]


def job_settings(api: Api, job_id: str) -> dict[str, Any]:
    got = api.call(f"read job {job_id}", "GET", "/api/2.2/jobs/get", query={"job_id": job_id})
    settings = got.get("settings") if isinstance(got, dict) else None
    return settings if isinstance(settings, dict) else {}


def tables_in(api: Api, catalog: str, schema: str) -> list[dict[str, Any]]:
    """The tables of a schema with their owning pipeline; none when the schema is missing."""
    query = {
        "catalog_name": catalog,
        "schema_name": schema,
        "max_results": 100,
        "omit_columns": True,
    }
    return list(
        pages(
            api,
            f"list the tables of {catalog}.{schema}",
            "/api/2.1/unity-catalog/tables",
            query,
            "tables",
            missing_ok=True,
        )
    )


def exists(api: Api, what: str, path: str) -> bool:
    return api.maybe(f"read {what}", "GET", path) is not None


def volume_file(api: Api, path: str) -> bytes | None:
    """A volume file's bytes, or None when it is missing."""
    got = api.maybe(f"read {path}", "GET", f"/api/2.0/fs/files{quote(path)}", raw=True)
    contents = got.get("contents") if isinstance(got, dict) else None
    return contents.read() if contents is not None else None


def workspace_file(api: Api, path: str) -> bytes | None:
    got = api.maybe(
        f"read {path}", "GET", "/api/2.0/workspace/export", query={"path": path, "format": "SOURCE"}
    )
    if not isinstance(got, dict) or not isinstance(got.get("content"), str):
        return None
    return base64.b64decode(got["content"])


def upload_volume_file(api: Api, path: str, data: bytes) -> None:
    folder = path.rsplit("/", 1)[0]
    api.call(f"create folder {folder}", "PUT", f"/api/2.0/fs/directories{quote(folder)}")
    api.call(
        f"upload {path}",
        "PUT",
        f"/api/2.0/fs/files{quote(path)}",
        query={"overwrite": "true"},
        headers={"Content-Type": "application/octet-stream"},
        data=data,
    )


def upload_workspace_file(api: Api, path: str, data: bytes) -> None:
    folder = path.rsplit("/", 1)[0]
    api.call(f"create folder {folder}", "POST", "/api/2.0/workspace/mkdirs", body={"path": folder})
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
