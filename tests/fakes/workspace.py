"""A local stand-in for the Databricks REST endpoints the product uses, on 127.0.0.1.

It refuses what the real workspace refuses, so a body the real API would reject fails the
tests: request bodies are checked against databricks-sdk's own request types (unknown
fields, wrong JSON types, unknown enum values; plus the managed COMMUNITY shape the SDK
cannot model, see `api_types`), pipeline names are unique, a job's pipeline task must name
an existing pipeline, files go only into volumes that exist. Errors come in the API's shape
(`error_code`, `message`, HTTP status).

State lives in memory. `fail(method, path_prefix, status, times)` makes the next calls to a
path answer with an error, to test retries (503) and refusals (403). Statement execution
returns its rows in chunks of `chunk_rows`.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.fakes.api_types import MANAGED_EXTENSIONS, check_body, method_fields

USER = "someone@example.com"
_CODES = {
    400: "INVALID_PARAMETER_VALUE",
    403: "PERMISSION_DENIED",
    404: "RESOURCE_DOES_NOT_EXIST",
    409: "RESOURCE_CONFLICT",
    503: "TEMPORARILY_UNAVAILABLE",
}


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
    }


class FakeWorkspace:
    def __init__(self) -> None:
        self.files: dict[str, dict[str, Any]] = {}  # workspace path -> import request
        self.folders: set[str] = set()
        self.volumes: set[str] = set()  # catalog.schema.volume
        self.volume_files: dict[str, bytes] = {}
        self.pipelines: dict[str, dict[str, Any]] = {}
        self.jobs: dict[int, dict[str, Any]] = {}
        self.statements: dict[str, dict[str, Any]] = {}
        self.result_rows: list[list[Any]] = []
        self.result_columns: list[str] = []
        self.chunk_rows = 2
        self.requests: list[tuple[str, str]] = []
        self._failures: list[list[Any]] = []
        self._next = 100
        self._lock = threading.Lock()
        self._types = _types()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

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
        body: dict[str, Any] | None = None,
    ) -> None:
        """The next `times` calls answer `status` with `body` (an API error by default)."""
        self._failures.append([method, path_prefix, status, times, body])

    def add_pipeline(self, name: str, tags: dict[str, str] | None = None) -> str:
        """A pipeline made by someone else (by hand, another project)."""
        pid = f"pipe-{self._id()}"
        spec = {"name": name, "id": pid, "tags": tags or {}}
        self.pipelines[pid] = {"pipeline_id": pid, "name": name, "spec": spec}
        return pid

    def _id(self) -> int:
        self._next += 1
        return self._next

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        ws = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 503:
                    self.send_header("Retry-After", "1")
                self.end_headers()
                self.wfile.write(data)

            def _route(self, method: str) -> None:
                url = urlparse(self.path)
                path = unquote(url.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                with ws._lock:
                    ws.requests.append((method, path))
                    for f in ws._failures:
                        if f[0] == method and path.startswith(f[1]) and f[3] > 0:
                            f[3] -= 1
                            error = {
                                "error_code": _CODES.get(f[2], "INTERNAL_ERROR"),
                                "message": f"injected {f[2]}",
                            }
                            return self._send(f[2], error if f[4] is None else f[4])
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

    def _unique_name(self, name: Any, pid: str | None, allow: bool) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "Pipeline name must be a non-empty string")
        if allow:
            return
        for other in self.pipelines.values():
            if other["name"] == name and other["pipeline_id"] != pid:
                raise ApiError(
                    409,
                    f"Pipeline with name '{name}' already exists (id {other['pipeline_id']}).",
                )

    def _check_job_tasks(self, settings: dict[str, Any]) -> None:
        for task in settings.get("tasks") or []:
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
        if path.startswith("/api/2.1/unity-catalog/volumes"):
            return self._volumes(method, path, b)
        if path.startswith("/api/2.0/pipelines"):
            return self._pipelines(method, path, q, b)
        if path.startswith("/api/2.2/jobs/"):
            return self._jobs(method, path, q, b)
        if path.startswith("/api/2.0/sql/statements"):
            return self._statements(method, path, b)
        raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")

    def _volumes(self, method: str, path: str, b: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "POST":
            name = f"{b['catalog_name']}.{b['schema_name']}.{b['name']}"
            if name in self.volumes:
                raise ApiError(409, f"Volume '{name}' already exists", "VOLUME_ALREADY_EXISTS")
            if b.get("volume_type") not in ("MANAGED", "EXTERNAL"):
                raise ApiError(400, "volume_type must be MANAGED or EXTERNAL")
            self.volumes.add(name)
            return 200, {"full_name": name, "volume_type": b["volume_type"]}
        name = path.rsplit("/", 1)[-1]
        if name not in self.volumes:
            raise ApiError(404, f"Volume '{name}' does not exist.", "VOLUME_DOES_NOT_EXIST")
        return 200, {"full_name": name}

    def _volume_of(self, path: str) -> None:
        m = re.match(r"^/Volumes/([^/]+)/([^/]+)/([^/]+)(/.*)?$", path)
        if not m or f"{m.group(1)}.{m.group(2)}.{m.group(3)}" not in self.volumes:
            raise ApiError(404, f"The volume of {path} does not exist.", "NOT_FOUND")

    def handle_files(
        self, method: str, path: str, q: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any]]:
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
            return 200, {}
        raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")

    def _pipeline_view(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "pipeline_id": p["pipeline_id"],
            "name": p["name"],
            "spec": p["spec"],
            "state": "IDLE",
            "creator_user_name": USER,
        }

    def _pipelines(
        self, method: str, path: str, q: dict[str, str], b: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if path == "/api/2.0/pipelines" and method == "GET":
            items = sorted(self.pipelines.values(), key=lambda p: p["pipeline_id"])
            m = re.match(r"^name LIKE '(.*)'$", q.get("filter", ""))
            if m:
                pattern = (
                    "^"
                    + re.escape(m.group(1).replace("''", "'")).replace("%", ".*").replace("_", ".")
                    + "$"
                )
                items = [p for p in items if re.match(pattern, p["name"])]
            start = int(q.get("page_token") or 0)
            page = items[start : start + 2]
            out: dict[str, Any] = {
                "statuses": [
                    {"pipeline_id": p["pipeline_id"], "name": p["name"], "state": "IDLE"}
                    for p in page
                ]
            }
            if start + 2 < len(items):
                out["next_page_token"] = str(start + 2)
            return 200, out
        if path == "/api/2.0/pipelines" and method == "POST":
            self._check(b, "pipeline_create")
            self._unique_name(b.get("name"), None, bool(b.get("allow_duplicate_names")))
            pid = f"pipe-{self._id()}"
            spec = {k: v for k, v in b.items() if k not in ("dry_run", "allow_duplicate_names")}
            self.pipelines[pid] = {
                "pipeline_id": pid,
                "name": b["name"],
                "spec": spec | {"id": pid},
            }
            return 200, {"pipeline_id": pid}
        m = re.match(r"^/api/2.0/pipelines/([^/]+)$", path)
        if not m:
            raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")
        pid = m.group(1)
        if pid not in self.pipelines:
            raise ApiError(404, f"Pipeline {pid} does not exist.")
        if method == "GET":
            return 200, self._pipeline_view(self.pipelines[pid])
        if method == "PUT":
            self._check(b, "pipeline_edit")
            if b.get("pipeline_id", pid) != pid or b.get("id", pid) != pid:
                raise ApiError(400, "The pipeline id in the body differs from the path.")
            self._unique_name(b.get("name"), pid, bool(b.get("allow_duplicate_names")))
            spec = {
                k: v
                for k, v in b.items()
                if k not in ("pipeline_id", "expected_last_modified", "allow_duplicate_names")
            }
            self.pipelines[pid] = {
                "pipeline_id": pid,
                "name": b["name"],
                "spec": spec | {"id": pid},
            }
            return 200, {}
        if method == "DELETE":
            del self.pipelines[pid]
            return 200, {}
        raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")

    def _jobs(
        self, method: str, path: str, q: dict[str, str], b: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if path == "/api/2.2/jobs/list":
            items = sorted(self.jobs.items())
            if "name" in q:
                items = [(i, s) for i, s in items if s.get("name", "").lower() == q["name"].lower()]
            return 200, {
                "jobs": [{"job_id": i, "settings": s} for i, s in items],
                "has_more": False,
            }
        if path == "/api/2.2/jobs/get":
            jid = int(q.get("job_id", "0"))
            if jid not in self.jobs:
                raise ApiError(400, f"Job {jid} does not exist.", "INVALID_PARAMETER_VALUE")
            return 200, {"job_id": jid, "settings": self.jobs[jid]}
        if path == "/api/2.2/jobs/create":
            self._check(b, "job_create")
            self._check_job_tasks(b)
            jid = self._id()
            self.jobs[jid] = b
            return 200, {"job_id": jid}
        if path == "/api/2.2/jobs/reset":
            self._check(b, "job_reset")
            jid = int(b["job_id"])
            if jid not in self.jobs:
                raise ApiError(400, f"Job {jid} does not exist.", "INVALID_PARAMETER_VALUE")
            self._check_job_tasks(b["new_settings"])
            self.jobs[jid] = b["new_settings"]
            return 200, {}
        if path == "/api/2.2/jobs/delete":
            jid = int(b.get("job_id", 0))
            if jid not in self.jobs:
                raise ApiError(400, f"Job {jid} does not exist.", "INVALID_PARAMETER_VALUE")
            del self.jobs[jid]
            return 200, {}
        raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")

    def _statements(self, method: str, path: str, b: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path == "/api/2.0/sql/statements" and method == "POST":
            sid = f"stmt-{self._id()}"
            self.statements[sid] = {
                "statement": b["statement"],
                "warehouse_id": b["warehouse_id"],
                "polls": 0,
            }
            return 200, self._statement(sid, first=True)
        m = re.match(r"^/api/2.0/sql/statements/([^/]+)$", path)
        if m:
            return 200, self._statement(m.group(1), first=False)
        m = re.match(r"^/api/2.0/sql/statements/([^/]+)/result/chunks/(\d+)$", path)
        if m:
            return 200, self._chunk(int(m.group(2)))
        raise ApiError(404, f"No API found for '{method} {path}'", "ENDPOINT_NOT_FOUND")

    def _chunks(self) -> int:
        return max(1, -(-len(self.result_rows) // self.chunk_rows))

    def _chunk(self, n: int) -> dict[str, Any]:
        rows = self.result_rows[n * self.chunk_rows : (n + 1) * self.chunk_rows]
        out: dict[str, Any] = {
            "chunk_index": n,
            "row_offset": n * self.chunk_rows,
            "row_count": len(rows),
            "data_array": rows,
        }
        if n + 1 < self._chunks():
            out["next_chunk_index"] = n + 1
        return out

    def _statement(self, sid: str, first: bool) -> dict[str, Any]:
        if first:
            return {"statement_id": sid, "status": {"state": "PENDING"}}
        return {
            "statement_id": sid,
            "status": {"state": "SUCCEEDED"},
            "manifest": {
                "format": "JSON_ARRAY",
                "schema": {
                    "column_count": len(self.result_columns),
                    "columns": [
                        {"name": c, "position": k} for k, c in enumerate(self.result_columns)
                    ],
                },
                "total_chunk_count": self._chunks(),
                "total_row_count": len(self.result_rows),
            },
            "result": self._chunk(0),
        }
