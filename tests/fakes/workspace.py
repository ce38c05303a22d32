"""A local stand-in for the Databricks REST endpoints the product uses, on 127.0.0.1.

It follows the real API wherever the real API is dangerous or strict, so that a deploy which
would hurt a real workspace fails the tests. Each rule names its source: a databricks-sdk
docstring (the SDK is generated from the API's own specification) or a documentation page.

Pipelines (`PipelinesAPI`):
- ids are UUIDs; names are unique unless `allow_duplicate_names`;
- request bodies are checked against the SDK's request types (`api_types`); managed table
  objects need `destination_catalog` and `destination_schema` ("Required.", TableSpec);
  `ingestion_definition` with `libraries` is refused ("These settings cannot be used with the
  'libraries' ... settings", PipelineSpec.ingestion_definition), so is `serverless` with
  `clusters` ("When true, omit clusters", PipelineSpec.serverless);
- `PUT /api/2.0/pipelines/{id}` replaces the whole spec ("Updates a pipeline with the
  supplied configuration"); a field left out is gone; `run_as` is write-only and kept beside
  the spec: GET shows it at the top level with `run_as_user_name`, and an update without it
  runs as the creator again ("If not specified, the pipeline runs as the user who created the
  pipeline", RunAs); `parameters` sit at the top level too (GetPipelineResponse);
- `GET` returns the spec as the server keeps it, with fields of its own (`id`, `edition`,
  `photon`, `channel`, `development`, `continuous`) and the pipeline's `state`;
- `GET /api/2.0/pipelines` lists statuses only (no spec, no tags), paged by token, at most
  100 a page ("An error is returned if the value of max_results is greater than 100");
- `DELETE` cascades by default: "By default, this parameter will be true and all tables will
  be deleted with the pipeline" (PipelinesAPI.delete, `cascade`); `cascade=false` keeps them;
- `POST /{id}/updates` starts an update; it fails while one is active ("If there is already an
  active update for the pipeline, the request will fail"); `POST /{id}/stop` cancels the
  active update and is a no-op when there is none (PipelinesAPI.stop).
Tables (Unity Catalog):
- an update creates the tables its definition names and its event log, owned by the pipeline
  (`TableInfo.pipeline_id`: "The pipeline ID of the table"); a table belongs to one pipeline:
  an update whose definition names a table another pipeline owns fails ("The pipeline fails
  if a table with that name already exists", TableSpec.destination_table; moving it takes the
  ALTER of docs.databricks.com/aws/en/ldp/move-table, see `statements`); the destination
  schema must exist;
- tables are listed per schema, paged by token; schemas and volumes live in catalogs and
  schemas that exist.
Jobs (`JobsAPI`):
- `jobs/list` leaves out `tasks` and `job_clusters` unless `expand_tasks` ("Whether to
  include task and cluster details in the response"), pages by token, `limit` 1..100;
- `jobs/get` returns settings with the server's defaults (`format`, `timeout_seconds`,
  `email_notifications`, ... and per task `run_if`, `timeout_seconds`);
- `jobs/reset` overwrites all settings ("These settings completely replace the old
  settings"); `jobs/update` replaces the top-level fields it is given, merging `tasks` and
  `job_clusters` by key ("arrays which are merged"), and removes `fields_to_remove`;
- a pipeline task must name an existing pipeline.
Files: volume files only into volumes that exist; workspace files overwrite only when asked.

Errors come in the API's shape (`error_code`, `message`, HTTP status). `fail(method,
path_prefix, status, times, body)` makes the next calls answer an error. `hold_updates` keeps
started updates running until `finish(pipeline_id)` or a stop.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.fakes.api_types import MANAGED_EXTENSIONS, check_body, method_fields
from tests.fakes.definitions import DefinitionError, defined_tables
from tests.fakes.statements import Statements

USER = "someone@example.com"
_CODES = {
    400: "INVALID_PARAMETER_VALUE",
    403: "PERMISSION_DENIED",
    404: "RESOURCE_DOES_NOT_EXIST",
    409: "RESOURCE_CONFLICT",
    503: "TEMPORARILY_UNAVAILABLE",
}
PIPELINE_SERVER_FIELDS = ("id", "edition", "photon")
JOB_DEFAULTS = {
    "format": "MULTI_TASK",
    "timeout_seconds": 0,
    "email_notifications": {},
    "webhook_notifications": {},
    "max_concurrent_runs": 1,
}
TASK_DEFAULTS = {"timeout_seconds": 0, "email_notifications": {}, "run_if": "ALL_SUCCESS"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code or _CODES.get(status, "")


def _types() -> dict[str, dict[str, Any]]:
    from databricks.sdk.service.jobs import JobsAPI, JobSettings
    from databricks.sdk.service.pipelines import PipelinesAPI
    from databricks.sdk.service.workspace import WorkspaceAPI

    return {
        "workspace_import": method_fields(WorkspaceAPI.import_),
        "pipeline_create": method_fields(PipelinesAPI.create),
        "pipeline_edit": method_fields(PipelinesAPI.update),
        "job_create": method_fields(JobsAPI.create),
        "job_reset": {"job_id": int, "new_settings": JobSettings},
        "job_update": method_fields(JobsAPI.update) | {"job_id": int},
    }


def _page(items: list[Any], q: dict[str, str], size: int, limit_key: str) -> tuple[list[Any], str]:
    """One page of `items` and the next page's token ('' at the end)."""
    limit = int(q.get(limit_key) or size)
    if not 0 < limit <= 100:
        raise ApiError(400, f"{limit_key} must be between 1 and 100, got {limit}")
    start = int(q.get("page_token") or 0)
    step = min(limit, size)
    return items[start : start + step], str(start + step) if start + step < len(items) else ""


class FakeWorkspace:
    def __init__(
        self,
        catalogs: tuple[str, ...] = ("main", "cat", "prod_cat", "sales"),
        schemas: tuple[str, ...] = ("main.default", "cat.sch", "prod_cat.sch", "sales.raw"),
    ) -> None:
        self.files: dict[str, dict[str, Any]] = {}  # workspace path -> import request
        self.folders: set[str] = set()
        self.catalogs = set(catalogs)
        self.schemas = set(schemas)  # catalog.schema
        self.volumes: set[str] = set()  # catalog.schema.volume
        self.volume_files: dict[str, bytes] = {}
        self.pipelines: dict[str, dict[str, Any]] = {}
        self.jobs: dict[int, dict[str, Any]] = {}
        self.tables: dict[str, dict[str, Any]] = {}  # lower-case full name -> TableInfo
        self.dropped: list[str] = []  # tables a cascading delete dropped
        self.handed_over: list[tuple[str, str, str]] = []  # (table, from id, to id)
        self.updates: list[dict[str, Any]] = []  # every update started, with its outcome
        self.warehouses = {"wh1"}
        self.hold_updates = False
        self.page_size = 2
        self.sql = Statements(self)
        self.requests: list[tuple[str, str]] = []
        self._failures: list[list[Any]] = []
        self._next = 100
        self._lock = threading.RLock()
        self._types = _types()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- test controls ------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeWorkspace:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(
        self,
        method: str,
        path_prefix: str,
        status: int,
        times: int = 1,
        body: dict[str, Any] | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next `times` calls answer `status` with `body` (an API error by default; bytes
        are sent as an HTML page) and `headers`."""
        self._failures.append([method, path_prefix, status, times, body, headers or {}])

    def add_pipeline(self, name: str, tags: dict[str, str] | None = None) -> str:
        """A pipeline made by someone else (by hand, another project)."""
        pid = str(uuid.UUID(int=self._id()))
        self.pipelines[pid] = {"spec": {"name": name, "tags": tags or {}}, "updates": []}
        return pid

    def run(self, pid: str) -> dict[str, Any]:
        """Start an update of a pipeline as its job would; the update record."""
        with self._lock:
            return self._start_update(pid)

    def finish(self, pid: str) -> None:
        with self._lock:
            active = self.active_update(pid)
            if active is not None:
                self._complete(pid, active)

    def owner(self, table: str) -> str | None:
        t = self.tables.get(table.lower())
        return None if t is None else str(t["pipeline_id"])

    def _id(self) -> int:
        self._next += 1
        return self._next

    # --- HTTP ---------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        ws = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _send(
                self,
                status: int,
                body: dict[str, Any] | bytes,
                headers: dict[str, str] | None = None,
                kind: str = "",
            ) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                kind = kind or (
                    "application/octet-stream" if isinstance(body, bytes) else "application/json"
                )
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                if status == 503 and not headers:
                    self.send_header("Retry-After", "1")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _route(self, method: str) -> None:
                url = urlparse(self.path)
                path = unquote(url.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                m = re.match(r"^/external/([^/]+)/(\d+)$", path)
                if m:  # a result chunk behind an external link: no API, no credentials
                    status, data = ws.sql.download(m.group(1), int(m.group(2)), self.headers)
                    return self._send(status, data)
                with ws._lock:
                    ws.requests.append((method, path))
                    for f in ws._failures:
                        if f[0] == method and path.startswith(f[1]) and f[3] > 0:
                            f[3] -= 1
                            error = {
                                "error_code": _CODES.get(f[2], "INTERNAL_ERROR"),
                                "message": f"injected {f[2]}",
                            }
                            page = isinstance(f[4], bytes)
                            return self._send(
                                f[2],
                                error if f[4] is None else f[4],
                                f[5],
                                "text/html" if page else "",
                            )
                    out: dict[str, Any] | bytes
                    try:
                        if path.startswith("/api/2.0/fs/"):
                            status, out = ws.handle_files(method, path, query, raw)
                        else:
                            body = (
                                json.loads(raw)
                                if raw and method in ("POST", "PUT", "PATCH")
                                else {}
                            )
                            if not isinstance(body, dict):
                                raise ApiError(
                                    400, "Request body must be a JSON object", "MALFORMED_REQUEST"
                                )
                            status, out = ws.handle(method, path, query, body)
                    except ApiError as exc:
                        status, out = exc.status, {"error_code": exc.code, "message": exc.message}
                    except json.JSONDecodeError:
                        status, out = (
                            400,
                            {"error_code": "MALFORMED_REQUEST", "message": "invalid JSON"},
                        )
                self._send(status, out)

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

            def do_PUT(self) -> None:
                self._route("PUT")

            def do_PATCH(self) -> None:
                self._route("PATCH")

            def do_HEAD(self) -> None:
                self._route("HEAD")

            def do_DELETE(self) -> None:
                self._route("DELETE")

        return Handler

    # --- checks -------------------------------------------------------------------------

    def _check(self, body: dict[str, Any], kind: str) -> None:
        problem = check_body(body, self._types[kind], MANAGED_EXTENSIONS)
        if problem:
            raise ApiError(400, problem)

    def _check_pipeline(self, b: dict[str, Any]) -> None:
        if "ingestion_definition" in b and b.get("libraries"):
            raise ApiError(400, "ingestion_definition cannot be used with libraries.")
        if b.get("serverless") and b.get("clusters"):
            raise ApiError(400, "clusters cannot be set for a serverless pipeline.")
        for k, obj in enumerate((b.get("ingestion_definition") or {}).get("objects") or []):
            table = obj.get("table")
            if table is None:
                continue
            for field in ("destination_catalog", "destination_schema"):
                if not table.get(field):
                    raise ApiError(
                        400, f"Missing required field: ingestion_definition.objects[{k}].{field}"
                    )

    def _unique_name(self, name: Any, pid: str | None, allow: bool) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "Pipeline name must be a non-empty string")
        if allow:
            return
        for other_id, other in self.pipelines.items():
            if other["spec"].get("name") == name and other_id != pid:
                raise ApiError(409, f"Pipeline with name '{name}' already exists (id {other_id}).")

    def _check_job(self, settings: dict[str, Any]) -> None:
        schedule = settings.get("schedule")
        if schedule is not None:  # CronSchedule: "This field is required." (both)
            for field in ("quartz_cron_expression", "timezone_id"):
                if not schedule.get(field):
                    raise ApiError(400, f"Missing required field: schedule.{field}")
        for task in settings.get("tasks") or []:
            if not task.get("task_key"):
                raise ApiError(400, "Missing required field: tasks[].task_key")
            pid = (task.get("pipeline_task") or {}).get("pipeline_id")
            if "pipeline_task" in task and pid not in self.pipelines:
                raise ApiError(
                    400, f"Pipeline {pid!r} of task {task.get('task_key')!r} does not exist."
                )
            key = task.get("environment_key")
            if key and key not in {
                e.get("environment_key") for e in settings.get("environments") or []
            }:
                raise ApiError(
                    400, f"Task {task.get('task_key')!r} names unknown environment {key!r}."
                )

    # --- endpoints ----------------------------------------------------------------------

    def handle(
        self, method: str, path: str, q: dict[str, str], b: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if path == "/api/2.0/preview/scim/v2/Me":
            return 200, {"id": "1", "userName": USER, "displayName": "Someone"}
        if path == "/api/2.0/workspace/mkdirs":
            self.folders.add(b["path"])
            return 200, {}
        if path == "/api/2.0/workspace/import":
            self._check(b, "workspace_import")
            if b["path"] in self.files and not b.get("overwrite"):
                raise ApiError(400, f"{b['path']} already exists", "RESOURCE_ALREADY_EXISTS")
            self.files[b["path"]] = b
            return 200, {}
        if path == "/api/2.0/workspace/export":
            f = self.files.get(q.get("path", ""))
            if f is None:
                raise ApiError(
                    404, f"Path ({q.get('path')}) doesn't exist.", "RESOURCE_DOES_NOT_EXIST"
                )
            return 200, {"content": f["content"], "file_type": "py"}
        if path.startswith("/api/2.1/unity-catalog/"):
            return self._unity(method, path, q, b)
        if path.startswith("/api/2.0/pipelines"):
            return self._pipelines(method, path, q, b)
        if path.startswith("/api/2.2/jobs/"):
            return self._jobs(method, path, q, b)
        m = re.match(r"^/api/2.0/sql/warehouses/([^/]+)$", path)
        if m and method == "GET":
            if m.group(1) not in self.warehouses:
                raise ApiError(
                    404, f"Warehouse {m.group(1)} does not exist.", "RESOURCE_DOES_NOT_EXIST"
                )
            return 200, {"id": m.group(1), "state": "RUNNING"}
        if path == "/api/2.0/sql/statements" and method == "POST":
            return 200, self.sql.execute(b)
        m = re.match(r"^/api/2.0/sql/statements/([^/]+)$", path)
        if m:
            return 200, self.sql.get(m.group(1))
        m = re.match(r"^/api/2.0/sql/statements/([^/]+)/result/chunks/(\d+)$", path)
        if m:
            return 200, self.sql.chunk(m.group(1), int(m.group(2)))
        raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")

    # Unity Catalog: schemas, volumes, tables

    def _unity(
        self, method: str, path: str, q: dict[str, str], b: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        rest = path.removeprefix("/api/2.1/unity-catalog/")
        if rest == "schemas" and method == "POST":
            if b.get("catalog_name") not in self.catalogs:
                raise ApiError(
                    404,
                    f"Catalog '{b.get('catalog_name')}' does not exist.",
                    "CATALOG_DOES_NOT_EXIST",
                )
            full = f"{b['catalog_name']}.{b['name']}".lower()
            if full in self.schemas:
                raise ApiError(409, f"Schema '{full}' already exists", "SCHEMA_ALREADY_EXISTS")
            self.schemas.add(full)
            return 200, {"full_name": full}
        if rest.startswith("schemas/") and method == "GET":
            full = rest.removeprefix("schemas/").lower()
            if full not in self.schemas:
                raise ApiError(404, f"Schema '{full}' does not exist.", "SCHEMA_DOES_NOT_EXIST")
            return 200, {"full_name": full}
        if rest == "volumes" and method == "POST":
            name = f"{b['catalog_name']}.{b['schema_name']}.{b['name']}"
            if f"{b['catalog_name']}.{b['schema_name']}".lower() not in self.schemas:
                raise ApiError(
                    404, f"Schema of volume '{name}' does not exist.", "SCHEMA_DOES_NOT_EXIST"
                )
            if name in self.volumes:
                raise ApiError(409, f"Volume '{name}' already exists", "VOLUME_ALREADY_EXISTS")
            if b.get("volume_type") not in ("MANAGED", "EXTERNAL"):
                raise ApiError(400, "volume_type must be MANAGED or EXTERNAL")
            self.volumes.add(name)
            return 200, {"full_name": name, "volume_type": b["volume_type"]}
        if rest.startswith("volumes/") and method == "GET":
            name = rest.removeprefix("volumes/")
            if name not in self.volumes:
                raise ApiError(404, f"Volume '{name}' does not exist.", "VOLUME_DOES_NOT_EXIST")
            return 200, {"full_name": name}
        if rest == "tables" and method == "GET":
            schema = f"{q.get('catalog_name')}.{q.get('schema_name')}".lower()
            if schema not in self.schemas:
                raise ApiError(404, f"Schema '{schema}' does not exist.", "SCHEMA_DOES_NOT_EXIST")
            items = [t for k, t in sorted(self.tables.items()) if k.startswith(schema + ".")]
            page, token = _page(items, q, self.page_size + 1, "max_results")
            out: dict[str, Any] = {"tables": page}
            if token:
                out["next_page_token"] = token
            return 200, out
        if rest.startswith("tables/") and method == "GET":
            t = self.tables.get(rest.removeprefix("tables/").lower())
            if t is None:
                raise ApiError(404, "Table does not exist.", "TABLE_DOES_NOT_EXIST")
            return 200, t
        raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")

    def _volume_of(self, path: str) -> None:
        m = re.match(r"^/Volumes/([^/]+)/([^/]+)/([^/]+)(/.*)?$", path)
        if not m or f"{m.group(1)}.{m.group(2)}.{m.group(3)}" not in self.volumes:
            raise ApiError(404, f"The volume of {path} does not exist.", "NOT_FOUND")

    def handle_files(
        self, method: str, path: str, q: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any] | bytes]:
        m = re.match(r"^/api/2.0/fs/(files|directories)(/.*)$", path)
        if not m:
            raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")
        kind, target = m.group(1), m.group(2)
        self._volume_of(target)
        if kind == "directories":
            return 200, {}
        if method == "PUT":
            if target in self.volume_files and q.get("overwrite") != "true":
                raise ApiError(409, f"{target} already exists", "ALREADY_EXISTS")
            self.volume_files[target] = raw
            return 200, {}
        if method in ("GET", "HEAD"):
            if target not in self.volume_files:
                raise ApiError(404, f"{target} does not exist", "NOT_FOUND")
            return 200, self.volume_files[target] if method == "GET" else b""
        raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")

    # Pipelines

    def active_update(self, pid: str) -> dict[str, Any] | None:
        for u in self.pipelines[pid]["updates"]:
            if u["state"] == "RUNNING":
                return u
        return None

    def _view(self, pid: str) -> dict[str, Any]:
        """A pipeline as GET shows it: the stored spec plus the server's own fields."""
        p = self.pipelines[pid]
        spec = copy.deepcopy(p["spec"])
        spec["id"] = pid
        spec.setdefault("edition", "ADVANCED")
        spec.setdefault("channel", "CURRENT")
        spec.setdefault("development", False)
        spec.setdefault("continuous", False)
        if spec.get("serverless"):
            spec["photon"] = True
        latest = [
            {"update_id": u["update_id"], "state": u["state"]} for u in reversed(p["updates"])
        ]
        view = {
            "pipeline_id": pid,
            "name": spec.get("name"),
            "spec": spec,
            "state": "RUNNING" if self.active_update(pid) else "IDLE",
            "creator_user_name": USER,
            "run_as_user_name": self.run_as_user(pid),
            "latest_updates": latest[:5],
        }
        for key in ("run_as", "parameters"):
            if p.get(key):
                view[key] = copy.deepcopy(p[key])
        return view

    def _stored(self, b: dict[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
        """What the server keeps of a request as the spec: its fields, minus request-only ones
        and those kept beside the spec (`run_as`, `parameters`)."""
        beside = ("run_as", "parameters")
        return {k: v for k, v in b.items() if k not in (*drop, *beside, *PIPELINE_SERVER_FIELDS)}

    def run_as_user(self, pid: str) -> str:
        run_as = self.pipelines[pid].get("run_as") or {}
        return str(run_as.get("user_name") or run_as.get("service_principal_name") or USER)

    def _start_update(self, pid: str) -> dict[str, Any]:
        if self.active_update(pid) is not None:
            raise ApiError(409, f"An update of pipeline {pid} is already active.")
        update = {
            "pipeline_id": pid,
            "update_id": str(uuid.UUID(int=self._id())),
            "state": "RUNNING",
        }
        update["message"] = ""
        self.pipelines[pid]["updates"].append(update)
        self.updates.append(update)
        if not self.hold_updates:
            self._complete(pid, update)
        return update

    def _complete(self, pid: str, update: dict[str, Any]) -> None:
        """Run the update: fail if its definition names a table another pipeline owns or a
        schema that does not exist; else create the tables it names, owned by this pipeline."""
        spec = self.pipelines[pid]["spec"]
        try:
            tables = defined_tables(spec, self.files)
        except DefinitionError as exc:
            update.update(state="FAILED", message=str(exc))
            return
        problems = []
        for t in tables:
            schema = t.rsplit(".", 1)[0]
            if schema not in self.schemas:
                problems.append(f"schema {schema} does not exist")
            owner = self.owner(t)
            if owner is not None and owner != pid:
                problems.append(f"table {t} is managed by pipeline {owner}")
        if problems:
            update.update(state="FAILED", message="; ".join(problems))
            return
        for t in tables:
            if t not in self.tables:
                catalog, schema, name = t.split(".", 2)
                self.tables[t] = {
                    "name": name,
                    "catalog_name": catalog,
                    "schema_name": schema,
                    "full_name": t,
                    "table_type": "STREAMING_TABLE",
                    "pipeline_id": pid,
                }
        update["state"] = "COMPLETED"

    def _pipelines(
        self, method: str, path: str, q: dict[str, str], b: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if path == "/api/2.0/pipelines" and method == "GET":
            items = sorted(self.pipelines)
            m = re.match(r"^name LIKE '(.*)'$", q.get("filter", ""))
            if m:
                pattern = (
                    "^"
                    + re.escape(m.group(1).replace("''", "'")).replace("%", ".*").replace("_", ".")
                    + "$"
                )
                items = [i for i in items if re.match(pattern, self.pipelines[i]["spec"]["name"])]
            page, token = _page(items, q, self.page_size, "max_results")
            out: dict[str, Any] = {
                "statuses": [
                    {"pipeline_id": i, "name": self.pipelines[i]["spec"]["name"], "state": "IDLE"}
                    for i in page
                ]
            }
            if token:
                out["next_page_token"] = token
            return 200, out
        if path == "/api/2.0/pipelines" and method == "POST":
            self._check(b, "pipeline_create")
            self._check_pipeline(b)
            self._unique_name(b.get("name"), None, bool(b.get("allow_duplicate_names")))
            pid = str(uuid.UUID(int=self._id()))
            spec = self._stored(b, ("dry_run", "allow_duplicate_names"))
            self.pipelines[pid] = {"spec": spec, "updates": []}
            self.pipelines[pid].update({k: b[k] for k in ("run_as", "parameters") if k in b})
            return 200, {"pipeline_id": pid}
        m = re.match(r"^/api/2.0/pipelines/([^/]+)(/updates|/stop)?$", path)
        if not m:
            raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")
        pid = m.group(1)
        if pid not in self.pipelines:
            raise ApiError(404, f"Pipeline {pid} does not exist.")
        if m.group(2) == "/updates" and method == "POST":
            return 200, {"update_id": self._start_update(pid)["update_id"]}
        if m.group(2) == "/stop" and method == "POST":
            active = self.active_update(pid)
            if active is not None:
                active["state"] = "CANCELED"
            return 200, {}
        if method == "GET":
            return 200, self._view(pid)
        if method == "PUT":
            self._check(b, "pipeline_edit")
            self._check_pipeline(b)
            if b.get("pipeline_id", pid) != pid or b.get("id", pid) != pid:
                raise ApiError(400, "The pipeline id in the body differs from the path.")
            self._unique_name(b.get("name"), pid, bool(b.get("allow_duplicate_names")))
            spec = self._stored(
                b, ("pipeline_id", "expected_last_modified", "allow_duplicate_names")
            )
            self.pipelines[pid]["spec"] = spec
            return 200, {}
        if method == "DELETE":
            cascade = q.get("cascade", "true").lower() not in ("false", "0")
            if cascade:
                for name, t in list(self.tables.items()):
                    if t["pipeline_id"] == pid:
                        del self.tables[name]
                        self.dropped.append(name)
            del self.pipelines[pid]
            return 200, {}
        raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")

    # Jobs

    def _job_view(self, jid: int, expand: bool = True) -> dict[str, Any]:
        settings = {**JOB_DEFAULTS, **copy.deepcopy(self.jobs[jid])}
        if expand:
            settings["tasks"] = [{**TASK_DEFAULTS, **t} for t in settings.get("tasks") or []]
        else:
            settings.pop("tasks", None)
            settings.pop("job_clusters", None)
        return {"job_id": jid, "creator_user_name": USER, "settings": settings}

    def _jobs(
        self, method: str, path: str, q: dict[str, str], b: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if path == "/api/2.2/jobs/list":
            items = sorted(self.jobs)
            if "name" in q:
                items = [
                    i for i in items if self.jobs[i].get("name", "").lower() == q["name"].lower()
                ]
            page, token = _page(items, q, self.page_size + 1, "limit")
            expand = q.get("expand_tasks", "false").lower() == "true"
            out: dict[str, Any] = {
                "jobs": [self._job_view(i, expand) for i in page],
                "has_more": bool(token),
            }
            if token:
                out["next_page_token"] = token
            return 200, out
        if path == "/api/2.2/jobs/get":
            jid = int(q.get("job_id", "0"))
            if jid not in self.jobs:
                raise ApiError(400, f"Job {jid} does not exist.", "INVALID_PARAMETER_VALUE")
            return 200, self._job_view(jid)
        if path == "/api/2.2/jobs/create":
            self._check(b, "job_create")
            self._check_job(b)
            jid = self._id()
            self.jobs[jid] = b
            return 200, {"job_id": jid}
        jid = int(b.get("job_id", 0))
        if (
            path in ("/api/2.2/jobs/reset", "/api/2.2/jobs/update", "/api/2.2/jobs/delete")
            and jid not in self.jobs
        ):
            raise ApiError(400, f"Job {jid} does not exist.", "INVALID_PARAMETER_VALUE")
        if path == "/api/2.2/jobs/reset":
            self._check(b, "job_reset")
            self._check_job(b["new_settings"])
            self.jobs[jid] = b["new_settings"]
            return 200, {}
        if path == "/api/2.2/jobs/update":
            self._check(b, "job_update")
            settings = copy.deepcopy(self.jobs[jid])
            for key, value in (b.get("new_settings") or {}).items():
                if key in ("tasks", "job_clusters"):
                    keyed = "task_key" if key == "tasks" else "job_cluster_key"
                    merged = {e[keyed]: e for e in settings.get(key) or []}
                    merged.update({e[keyed]: e for e in value})
                    settings[key] = list(merged.values())
                else:
                    settings[key] = value
            for field in b.get("fields_to_remove") or []:
                settings.pop(field, None)
            self._check_job(settings)
            self.jobs[jid] = settings
            return 200, {}
        if path == "/api/2.2/jobs/delete":
            del self.jobs[jid]
            return 200, {}
        raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")


def file_text(ws: FakeWorkspace, path: str) -> str:
    """The text of a workspace file as uploaded."""
    return base64.b64decode(ws.files[path]["content"]).decode("utf-8")
